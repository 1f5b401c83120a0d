"""facts.csv covers every value of the evidence dossier (when the dossier is beside the repo).

The build never reads the dossier; this test only proves the import lost nothing. Where the
dossier's `v2/` folder holds a file, that file supersedes the one of the same name above it.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

from crsreview import clean
from crsreview.validate import load_raw
from tests.conftest import RAW, ROOT, SCHEMAS, VOCAB

# Beside the repository (../shared/evidence); a worktree elsewhere names it in CRSREVIEW_DOSSIER.
DOSSIER = Path(os.environ.get("CRSREVIEW_DOSSIER", ROOT.parent / "shared" / "evidence"))
pytestmark = pytest.mark.skipif(not DOSSIER.is_dir(), reason="evidence dossier not beside the repository")
VERSIONS = ("v2",)  # newest last
TAG_RE = re.compile(r"\[([a-z0-9]+)(?:; (?:computed|unverified))?(?:; locator: ([^\]]*))?\]")


def latest(name: str) -> Path:
    """The newest version of a dossier file (`v2/<name>` supersedes `<name>`)."""
    for version in reversed(VERSIONS):
        if (DOSSIER / version / name).is_file():
            return DOSSIER / version / name
    return DOSSIER / name


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
    dossier_rows = _rows(latest(name))
    raw_rows = _rows(Path(RAW) / "reference" / name)
    assert len(dossier_rows) == len(raw_rows)
    for d, r in zip(dossier_rows, raw_rows, strict=True):
        assert (d["source_id"], d["locator"]) == (r["source_id"], r["locator"])
        for col in columns:
            assert d[col] == r[col]
            if d[col]:
                assert f"{r['row_id']}.{col}" in fact_ids


def test_superseded_markers_became_superseded_by():
    dossier_rows = _rows(latest("mediators.csv"))
    raw_rows = _rows(Path(RAW) / "reference" / "mediators.csv")
    ids = {r["row_id"] for r in raw_rows}
    for d, r in zip(dossier_rows, raw_rows, strict=True):
        marked = "] superseded by " in d["note"]
        assert marked == bool(r["superseded_by"]), r["row_id"]
        named = [x.strip() for x in r["superseded_by"].split(";") if x.strip()]
        assert set(named) <= ids
        # each named row is a row the note names: its source and value appear in the note
        for rid in named:
            sup = next(x for x in raw_rows if x["row_id"] == rid)
            value = sup["mw_kda"] or f"{sup['mw_kda_low']}-{sup['mw_kda_high']}"
            assert f"|{value}|{sup['source_id']}" in d["note"], (r["row_id"], rid)


def test_background_locators_come_from_the_dossier_tags():
    """Each background fact's locator is the v2 tag of its source (never a dossier section)."""
    tags: dict[str, set[str]] = {}
    for sid, loc in TAG_RE.findall(latest("background.md").read_text(encoding="utf-8")):
        tags.setdefault(sid, set()).add(loc)
    # a source the bullet does not tag takes the locator of the dossier row holding its value
    for name in ("mediators.csv", "purification_methods.csv", "syndrome_cytokines.csv"):
        for row in _rows(latest(name)):
            tags.setdefault(row["source_id"], set()).add(row["locator"])
    for row in _rows(Path(RAW) / "reference" / "background_facts.csv"):
        sids = [s.strip() for s in row["source_id"].split(";")]
        parts = row["locator"].split(" | ") if len(sids) > 1 else [row["locator"]]
        assert len(parts) == len(sids), row["row_id"]
        for sid, part in zip(sids, parts, strict=True):
            loc = part.removeprefix(f"{sid}: ") if len(sids) > 1 else part
            assert loc in tags.get(sid, set()), (row["row_id"], sid, loc)
            assert not loc.startswith(("not applicable", "not recorded", "dossier"))


def test_every_source_is_in_references():
    dossier = {r["source_id"] for r in _rows(latest("sources.csv"))}
    raw = {r["source_id"] for r in _rows(Path(RAW) / "sources.csv")}
    assert dossier == raw


def test_importer_reproduces_the_reference_layer(tmp_path, monkeypatch):
    """Re-running the importer on the dossier changes nothing in the files it owns (idempotent)."""
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("import_dossier", ROOT / "tools" / "import_dossier.py")
    importer = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "import_dossier", importer)  # dataclasses look it up there
    spec.loader.exec_module(importer)
    shutil.copytree(RAW, tmp_path / "data" / "raw")
    (tmp_path / "workflow" / "schemas").mkdir(parents=True)
    assert importer.main(["--dossier", str(DOSSIER), "--root", str(tmp_path)]) == 0
    owned = [
        "references.json",
        "sources.csv",
        *(f"reference/{p.name}" for p in (RAW / "reference").glob("*.csv")),
    ]
    for rel in sorted(owned):
        assert (tmp_path / "data" / "raw" / rel).read_bytes() == (RAW / rel).read_bytes(), rel
