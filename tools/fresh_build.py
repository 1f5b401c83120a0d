"""Build the paper from clean in a temporary copy of the repository, and compare.

    python tools/fresh_build.py verify [--cores N]    # `make verify`: rebuild, check outputs.sha256
    python tools/fresh_build.py copy DEST             # copy the repository's files (no outputs)

The copy holds what a fresh clone would hold: every file not matched by .gitignore (built
outputs, the venv, Snakemake state), so a file that is built but not committed cannot make the
check pass. It reads .gitignore instead of asking git, so it works the same in a release
archive without .git (`git archive`, Zenodo).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import manifest  # noqa: E402


class IgnoreRules:
    """The subset of .gitignore syntax this repository uses, read from its root .gitignore.

    A pattern with a slash (other than a trailing one) is anchored at the root and matched
    component by component; one without matches a name at any depth; a trailing slash
    matches directories only. Negation and `**` are refused rather than misread.
    """

    def __init__(self, lines: list[str]):
        self.rules: list[tuple[tuple[str, ...] | None, str, bool]] = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("!") or "**" in line:
                raise ValueError(f".gitignore: pattern {line!r} is not supported by tools/fresh_build.py")
            dir_only = line.endswith("/")
            body = line.strip("/")
            anchored = "/" in line.rstrip("/")
            self.rules.append((tuple(body.split("/")) if anchored else None, body, dir_only))

    @classmethod
    def read(cls, root: Path) -> IgnoreRules:
        path = root / ".gitignore"
        return cls(path.read_text(encoding="utf-8").splitlines() if path.exists() else [])

    def ignored(self, rel: str, is_dir: bool) -> bool:
        parts = tuple(rel.split("/"))
        for anchored, name, dir_only in self.rules:
            if dir_only and not is_dir:
                continue
            if anchored is None:
                if fnmatch.fnmatchcase(parts[-1], name):
                    return True
            elif len(parts) == len(anchored) and all(map(fnmatch.fnmatchcase, parts, anchored)):
                return True
        return False


def repo_files(root: Path = ROOT) -> list[str]:
    """Relative paths of the files a fresh clone has (the .git entry and ignored paths left out)."""
    rules = IgnoreRules.read(root)
    found = []
    for here, dirs, names in os.walk(root):
        base = Path(here).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        dirs[:] = sorted(d for d in dirs if d != ".git" and not rules.ignored(prefix + d, True))
        found += [
            prefix + n
            for n in names
            if n != ".git" and not rules.ignored(prefix + n, False) and (Path(here) / n).is_file()
        ]
    return sorted(found)


def copy(dest: Path, root: Path = ROOT) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for rel in repo_files(root):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target)
    return dest


def build(
    dest: Path,
    cores: int = 4,
    hashseed: str = "0",
    targets: list[str] | None = None,
    extra_env: dict | None = None,
) -> subprocess.CompletedProcess:
    """Run Snakemake in `dest` with this repository's environment."""
    env = {**os.environ, "PYTHONHASHSEED": hashseed, **(extra_env or {})}
    cmd = [sys.executable, "-m", "snakemake", *(targets or []), "--cores", str(cores), "--quiet", "all"]
    return subprocess.run(cmd, cwd=dest, env=env, capture_output=True, text=True)


def verify(cores: int) -> int:
    with tempfile.TemporaryDirectory(prefix="crsreview-verify-") as tmp:
        files = repo_files()
        print(f"verify: copying {len(files)} repository files (no outputs) to a temporary folder", flush=True)
        dest = copy(Path(tmp) / "repo")
        print(
            f"verify: building everything from clean with {cores} cores and a random hash seed "
            "(about 15-30 s) ...",
            flush=True,
        )
        start = time.perf_counter()
        result = build(dest, cores=cores, hashseed="random")
        if result.returncode != 0:
            print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
            print("verify: the build FAILED (output above)", file=sys.stderr)
            return result.returncode
        print(
            f"verify: built in {time.perf_counter() - start:.0f} s; comparing with {manifest.MANIFEST}",
            flush=True,
        )
        return manifest.main(["check", "--root", str(dest), "--manifest", str(ROOT / manifest.MANIFEST)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--cores", type=int, default=4)
    c = sub.add_parser("copy")
    c.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "verify":
        return verify(args.cores)
    copy(args.dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
