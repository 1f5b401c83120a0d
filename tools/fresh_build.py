"""Build the paper from clean in a temporary copy of the repository, and compare.

    python tools/fresh_build.py verify [--cores N]    # `make verify`: rebuild, check outputs.sha256
    python tools/fresh_build.py copy DEST             # copy the repository's files (no outputs)

The copy holds what git would give a fresh clone (tracked files plus new, non-ignored ones),
so a file that is built but not committed cannot make the check pass.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import manifest  # noqa: E402


def repo_files(root: Path = ROOT) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted(p for p in out.split("\0") if p and (root / p).is_file())


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
        dest = copy(Path(tmp) / "repo")
        result = build(dest, cores=cores, hashseed="random")
        if result.returncode != 0:
            print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
            return result.returncode
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
