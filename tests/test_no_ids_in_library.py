"""No source id or case id of data/raw appears in the library code (analysis must be general)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
LIB = ROOT / "workflow" / "lib"


def raw_ids() -> set[str]:
    with open(RAW / "sources.csv", encoding="utf-8", newline="") as fh:
        ids = {r["source_id"] for r in csv.DictReader(fh)}
    for path in sorted((RAW / "extractions").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        ids.add(doc["source_id"])
        ids.update(c["case_id"] for c in doc.get("cases", []))
    return ids


def test_library_names_no_source_or_case_id():
    ids = raw_ids()
    assert len(ids) > 20  # the real evidence base is there
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(sorted(map(re.escape, ids), key=len, reverse=True)) + r")(?![\w-])"
    )
    hits = []
    for path in sorted(LIB.rglob("*.py")):
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            hits += [f"{path.relative_to(ROOT)}:{k}: {m.group(1)}" for m in pattern.finditer(line)]
    assert not hits, "source/case ids in workflow/lib (move them to data or config):\n" + "\n".join(hits)
