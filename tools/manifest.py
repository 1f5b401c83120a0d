"""Byte-stability manifest of every final output (outputs.sha256).

    python tools/manifest.py write [--root DIR]   # (re)write outputs.sha256 from built outputs
    python tools/manifest.py check [--root DIR]   # compare built outputs with the committed file

Paths are relative and sorted, so the manifest is the same wherever the repository lives.
Excluded on purpose: Snakemake's report (it records run times) and reports/build-info.txt
(git commit and tool versions of the machine that built it).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = "outputs.sha256"
PATTERNS = [
    "data/processed/*.csv",
    "data/processed/*.json",
    "figures/*.svg",
    "figures/*.png",
    "figures/*.json",
    "manuscript/tables/*.csv",
    "manuscript/tables/*.md",
    "manuscript/tables/*.json",
    "manuscript/build/manuscript.md",
    "manuscript/build/manuscript.html",
    "manuscript/build/manuscript.docx",
    "manuscript/build/manuscript.pdf",
    "manuscript/build/audit.json",
    "manuscript/build/numbers-used.json",
]


def compute(root: Path) -> dict[str, str]:
    out = {}
    for pattern in PATTERNS:
        for path in sorted(root.glob(pattern)):
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(out.items()))


def render(hashes: dict[str, str]) -> str:
    return "".join(f"{digest}  {path}\n" for path, digest in hashes.items())


def parse(text: str) -> dict[str, str]:
    pairs = (line.split("  ", 1) for line in text.splitlines() if line.strip())
    return {path: digest for digest, path in pairs}


def diff(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    lines = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            lines.append(f"missing   {path}")
        elif path not in expected:
            lines.append(f"unexpected {path}")
        elif expected[path] != actual[path]:
            lines.append(f"differs   {path}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["write", "check"])
    parser.add_argument("--root", type=Path, default=ROOT, help="built tree to hash (default: this repo)")
    parser.add_argument("--manifest", type=Path, default=ROOT / MANIFEST)
    args = parser.parse_args(argv)
    actual = compute(args.root)
    if not actual:
        print(f"no built outputs under {args.root}; run `make paper` first", file=sys.stderr)
        return 2
    if args.mode == "write":
        args.manifest.write_text(render(actual), encoding="utf-8")
        print(f"wrote {len(actual)} hashes to {args.manifest.name}")
        return 0
    problems = diff(parse(args.manifest.read_text(encoding="utf-8")), actual)
    if problems:
        print(f"{len(problems)} output(s) differ from {args.manifest.name}:", file=sys.stderr)
        print("\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 1
    print(f"all {len(actual)} outputs match {args.manifest.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
