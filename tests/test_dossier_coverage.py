"""facts.csv covers every value of the evidence dossier (when the dossier is beside the repo).

The build never reads the dossier; this test only proves the one-off import lost nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from crsreview import clean
from crsreview.validate import load_raw
from tests.conftest import RAW, ROOT, SCHEMAS, VOCAB

DOSSIER = ROOT.parent / "shared" / "evidence"
pytestmark = pytest.mark.skipif(not DOSSIER.is_dir(), reason="evidence dossier not beside the repository")


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def fact_ids() -> set[str]:
    data = load_raw(RAW, SCHEMAS, VOCAB, root=ROOT)
    ids = {f["fact_id"] for f in clean.case_facts(data)}
    ids |= {f["fact_id"] for f in clean.source_facts(data)}
    ids |= {m["fact_id"] for m in clean.measurements(data)}
    for table in ("mediators", "purification_methods", "syndrome_cytokines", "background_facts"):
        schema = yaml.safe_load((SCHEMAS / f"{table}.schema.yaml").read_text())
        ids |= {f["fact_id"] for f in clean.reference_table(data, table, schema)[2]}
    return ids


def test_every_case_value_has_a_fact(fact_ids):
    for case in yaml.safe_load((DOSSIER / "cases.yaml").read_text()):
        cid = case["case_id"]
        for field in case["facts"]:
            # Publication-level numbers moved to the file's source_facts (issue 10 §1).
            assert f"{cid}.{field}" in fact_ids or f"{case['source_id']}.{field}" in fact_ids
        for k, _ in enumerate(case["measurements"], start=1):
            assert f"{cid}.m{k}" in fact_ids
        for field in case["not_reported"]:
            assert f"{cid}.nr.{field}" in fact_ids


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("mediators.csv", ["mw_kda", "mw_kda_low", "mw_kda_high"]),
        ("purification_methods.csv", ["value", "lower", "upper"]),
        ("syndrome_cytokines.csv", ["value", "lower", "upper", "n"]),
    ],
)
def test_every_reference_value_has_a_fact(fact_ids, name, columns):
    dossier_rows = _rows(DOSSIER / name)
    raw_rows = _rows(Path(RAW) / "reference" / name)
    assert len(dossier_rows) == len(raw_rows)
    for d, r in zip(dossier_rows, raw_rows, strict=True):
        for col in columns:
            assert d[col] == r[col]
            if d[col]:
                assert f"{r['row_id']}.{col}" in fact_ids


def test_every_source_is_in_references():
    dossier = {r["source_id"] for r in _rows(DOSSIER / "sources.csv")}
    raw = {r["source_id"] for r in _rows(Path(RAW) / "sources.csv")}
    assert dossier == raw
