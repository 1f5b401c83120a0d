"""List the ledger numbers that changed between a git ref and the working tree.

    python tools/numbers_diff.py REF          # `make diff REF=<git ref>`

The ledger of REF is built in a temporary git worktree (only the rules the ledger needs);
the working tree's ledger is built in place. Output: one line per changed key
(key, old, new), with added and removed keys marked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import gitref  # noqa: E402

LEDGER = "data/processed/numbers.json"


def build_ledger(tree: Path) -> dict:
    subprocess.run(
        [sys.executable, "-m", "snakemake", LEDGER, "--cores", "2", "--quiet", "all"], cwd=tree, check=True
    )
    return json.loads((tree / LEDGER).read_text(encoding="utf-8"))["numbers"]


def diff(old: dict, new: dict) -> list[tuple[str, str, str]]:
    rows = []
    for key in sorted(set(old) | set(new)):
        a = old.get(key, {}).get("text", "(absent)")
        b = new.get(key, {}).get("text", "(absent)")
        if a != b:
            rows.append((key, a, b))
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    ref = argv[0]
    try:
        gitref.require_checkout(ROOT, "diff")
        with gitref.worktree(ROOT, ref, prefix="crsreview-diff-") as wt:
            old = build_ledger(wt)
    except (gitref.NeedsCheckout, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    new = build_ledger(ROOT)
    rows = diff(old, new)
    if not rows:
        print(f"no ledger number changed between {ref} and the working tree")
        return 0
    width = max(len(k) for k, _, _ in rows)
    print(f"{'key'.ljust(width)}  old -> new")
    for key, a, b in rows:
        print(f"{key.ljust(width)}  {a} -> {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
