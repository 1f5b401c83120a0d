"""Validation: the real data passes; every catalogued mistake is named by file, record and field."""

from __future__ import annotations

import json

import pytest

from crsreview.errors import InputError
from crsreview.validate import load_raw
from tests.bad_inputs.catalogue import CATALOGUE
from tests.conftest import SCHEMAS, VOCAB


def test_real_data_is_valid(raw_copy):
    data = load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    assert data.extractions and data.sources and data.references
    assert all(data.tables.values())


def test_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 30
    assert len({b.name for b in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("bad", CATALOGUE, ids=lambda b: b.name)
def test_bad_input_is_reported(raw_copy, bad):
    bad.change(raw_copy)
    with pytest.raises(InputError) as info:
        load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    expected_file = f"data/raw/{bad.file}"
    matches = [
        p
        for p in info.value.problems
        if p.file == expected_file
        and bad.record in p.record
        and bad.field in p.field
        and bad.reason in p.reason
    ]
    assert matches, f"no problem matched {bad}:\n{info.value.render()}"


def test_all_problems_reported_at_once(raw_copy):
    bad_ones = [b for b in CATALOGUE if b.name in {"age 250", "misspelt analyte", "csv unknown flag"}]
    for bad in bad_ones:
        bad.change(raw_copy)
    with pytest.raises(InputError) as info:
        load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    fields = {p.field for p in info.value.problems}
    assert {"facts.age_years.value", "measurements.m1.analyte", "flag"} <= fields


def _only(raw_copy, names):
    for bad in CATALOGUE:
        if bad.name in names:
            bad.change(raw_copy)
    with pytest.raises(InputError) as info:
        load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    return info.value


@pytest.mark.parametrize(
    ("name", "file"),
    [("missing comma in references.json", "references.json"), ("BOM in sources.csv", "sources.csv")],
)
def test_unreadable_file_is_reported_first_and_alone(raw_copy, name, file):
    err = _only(raw_copy, {name})
    assert all(p.file == f"data/raw/{file}" for p in err.problems), err.render()
    assert len(err.problems) == 2, err.render()  # the cause, then one line on the skipped checks
    assert "skipped" in err.problems[1].reason
    assert "not in references.json" not in err.render()
    assert err.render().splitlines()[1].startswith("  Files that could not be read")


def test_type_error_does_not_hide_the_other_mistakes(raw_copy):
    err = _only(
        raw_copy, {"IL-6 as NaN string", "natural field name age", "unknown flag", "day before infusion"}
    )
    fields = {(p.record, p.field) for p in err.problems}
    assert {
        ("authorea711693-1", "measurements.m1.value"),
        ("xiao2019-1", "facts.age"),
        ("xiao2019-1", "facts.age_years.flag"),
        ("authorea711693-1", "measurements.m1.day_post_infusion"),
    } <= fields, err.render()


def test_zotero_shaped_csl_export_is_accepted(raw_copy):
    """A CSL-JSON item as Zotero exports it (every CSL variable allowed by the full schema)."""
    path = raw_copy / "references.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    item = next(i for i in items if i["id"] == "xiao2019")
    item.update(
        {
            "ISSN": "2234-943X",
            "abstract": "SYNTHETIC abstract text.",
            "accessed": {"date-parts": [[2026, 3, 5]]},
            "language": "en",
            "journalAbbreviation": "Front Oncol",
            "container-title-short": "Front Oncol",
            "source": "PubMed",
            "note": "PMID: 0",
            "issued": {"date-parts": [["2019", "6", "4"]]},
            "author": [{"family": "Xiao", "given": "X.", "non-dropping-particle": ""}],
        }
    )
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)


def test_unknown_csl_variable_is_named(raw_copy):
    path = raw_copy / "references.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    items[0]["jounral"] = "x"
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    assert any("'jounral'" in p.reason for p in info.value.problems), info.value.render()


def test_every_catalogue_mistake_names_file_record_and_field(raw_copy):
    """No catalogued problem is reported without its file (the 'no silent drops' rule)."""
    assert {b.file.split("/")[0] for b in CATALOGUE} >= {"extractions", "reference", "references.json"}
