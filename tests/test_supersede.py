"""Superseded reference rows (issue 15): the selection rule, its checks, and the real data.

The unit tests use small hand-made rows (SYNTHETIC). The last tests read the real raw layer (not
the dossier) and check what the paper may print, plot and cite.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from crsreview import analysis, clean, fig_size_windows, files, supersede
from crsreview.errors import InputError
from crsreview.ledger import Ledger
from crsreview.tables import weak_sources_note
from crsreview.validate import load_raw
from tests.conftest import RAW, ROOT, SCHEMAS, VOCAB


def _mw(row_id: str, mediator="IL-X", form="mature", value="17", source="src", by="") -> dict:
    """One SYNTHETIC mediators.csv row."""
    return {
        "row_id": row_id,
        "mediator": mediator,
        "form": form,
        "mw_kda": value,
        "mw_kda_low": "",
        "mw_kda_high": "",
        "flag": "seen",
        "computation": "",
        "source_id": source,
        "locator": "abstract",
        "note": "",
        "superseded_by": by,
    }


# --------------------------------------------------------------------------------------------
# the rule (SYNTHETIC rows)


def test_superseded_row_is_hidden_when_its_replacement_is_present():
    rows = [
        _mw("mw-old", value="33", source="vendor", by="mw-new"),
        _mw("mw-new", value="31", source="paper"),
    ]
    sel = supersede.select(rows)
    assert [r["row_id"] for r in sel.shown] == ["mw-new"]
    assert sel.hidden_ids == {"mw-old"} and "mw-new" in sel.hidden[0][1]
    assert not sel.fallback


def test_replacement_of_another_form_still_hides_the_row():
    # A vendor 'monomer' replaced by a primary 'mature' chain (as for IFN-gamma in dossier v2).
    rows = [_mw("mw-v", form="monomer", by="mw-p"), _mw("mw-p", form="mature", value="16.776")]
    assert supersede.shown(rows) == [rows[1]]


def test_several_replacements_one_missing():
    rows = [_mw("mw-v", by="mw-a; mw-gone"), _mw("mw-a", value="17.4")]
    sel = supersede.select(rows)
    assert sel.hidden_ids == {"mw-v"} and "mw-gone" not in sel.hidden[0][1]


def test_without_replacement_another_current_value_of_the_same_form_wins():
    rows = [_mw("mw-v", by="mw-deleted"), _mw("mw-other", value="17.3", source="paper2")]
    sel = supersede.select(rows)
    assert [r["row_id"] for r in sel.shown] == ["mw-other"]
    assert "other values for IL-X mature" in sel.hidden[0][1]


def test_superseded_row_is_the_fallback_when_nothing_else_exists():
    rows = [
        _mw("mw-v", by="mw-deleted"),
        _mw("mw-x", form="precursor", value="31"),  # another form does not count
        _mw("mw-y", mediator="IL-Y"),
    ]
    sel = supersede.select(rows)
    assert [r["row_id"] for r in sel.shown] == ["mw-v", "mw-x", "mw-y"]
    assert [r["row_id"] for r in sel.fallback] == ["mw-v"]


def test_rows_without_the_column_are_all_shown():
    rows = [{"row_id": "pm-a", "source_id": "s"}, {"row_id": "pm-b", "source_id": "s"}]
    assert supersede.shown(rows) == rows
    assert supersede.problems(rows) == []


def test_problems_name_unknown_and_self_references():
    rows = [_mw("mw-a", by="mw-a"), _mw("mw-b", by="mw-zzz; mw-a")]
    found = supersede.problems(rows)
    assert ("mw-a", "'mw-a': a row cannot supersede itself") in found
    assert ("mw-b", "'mw-zzz' is not a row id of this table") in found
    assert len(found) == 2


def test_validate_names_a_broken_superseded_by(raw_copy):
    path = raw_copy / "reference" / "mediators.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns, rows = reader.fieldnames, list(reader)
    target = next(r for r in rows if r["superseded_by"])
    target["superseded_by"] = "mw-no-such-row"
    files.write_csv(path, columns, rows)
    with pytest.raises(InputError) as info:
        load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    assert any(
        p.file == "data/raw/reference/mediators.csv"
        and p.field == "superseded_by"
        and "mw-no-such-row" in p.reason
        for p in info.value.problems
    ), info.value.render()


# --------------------------------------------------------------------------------------------
# weak-source counts (SYNTHETIC) and the Table S1 note


def _fact(fid, source, row_id="", table="mediators", flag="seen"):
    return {"fact_id": fid, "source_id": source, "row_id": row_id, "table": table, "flag": flag}


def test_weak_source_counts():
    sources = [
        {"source_id": "vendor", "quality": "weak"},
        {"source_id": "wiki", "quality": "weak"},
        {"source_id": "paper", "quality": "primary"},
    ]
    mediators = [
        _mw("mw-v", source="vendor", by="mw-p"),
        _mw("mw-p", source="paper"),
        _mw("mw-w", mediator="IgM", source="wiki"),
    ]
    facts = {
        f["fact_id"]: f
        for f in [
            _fact("mw-v.mw_kda", "vendor", "mw-v"),
            _fact("mw-p.mw_kda", "paper", "mw-p"),
            _fact("mw-w.mw_kda", "wiki", "mw-w"),
            _fact("bg-x.value", "wiki; paper", "bg-x", "background_facts"),  # not weak alone
            _fact("pm-v.value", "vendor", "pm-v", "purification_methods"),
        ]
    }
    L = Ledger()
    supersede.weak_source_entries(L, sources, mediators, facts)
    e = L.entries
    assert e["sources.weak.facts_in_use"].fact_ids == ["mw-w.mw_kda", "pm-v.value"]
    assert e["sources.weak.facts_superseded"].fact_ids == ["mw-v.mw_kda"]
    assert e["mw.weak_values"].value == 1
    assert e["sources.weak.with_values"].value == 2
    assert not L.check(set(facts))


def test_weak_source_counts_are_zero_and_sourced_without_weak_sources():
    sources = [{"source_id": "paper", "quality": "primary"}]
    facts = {"mw-p.mw_kda": _fact("mw-p.mw_kda", "paper", "mw-p")}
    L = Ledger()
    supersede.weak_source_entries(L, sources, [_mw("mw-p", source="paper")], facts)
    assert {k: v.value for k, v in L.entries.items()} == {
        "sources.weak.facts_in_use": 0,
        "sources.weak.facts_superseded": 0,
        "mw.weak_values": 0,
        "sources.weak.with_values": 0,
    }
    assert not L.check(set(facts))


def _numbers(**values) -> dict:
    return {k.replace("__", "."): {"value": v, "text": str(v)} for k, v in values.items()}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {
                "sources__quality__weak": 0,
                "sources__weak__facts_in_use": 0,
                "sources__weak__facts_superseded": 0,
            },
            "Quality: no source is weak",
        ),
        (
            {
                "sources__quality__weak": 1,
                "sources__weak__facts_in_use": 1,
                "sources__weak__with_values": 1,
                "mw__weak_values": 1,
                "sources__weak__facts_superseded": 0,
            },
            "Quality: 1 weak source (vendor pages, databases, calculators, unattributed pages). "
            "1 extracted value still rests on 1 of them (1 molecular weight).",
        ),
        (
            {
                "sources__quality__weak": 3,
                "sources__weak__facts_in_use": 0,
                "sources__weak__with_values": 0,
                "mw__weak_values": 0,
                "sources__weak__facts_superseded": 4,
            },
            "No value in use rests on them; 4 values from them are replaced by a better source and not shown.",
        ),
    ],
)
def test_table_s1_note_branches(values, expected):
    assert expected in weak_sources_note(_numbers(**values))


def test_table_s1_note_absent_without_the_entries():
    assert weak_sources_note({}) == ""


# --------------------------------------------------------------------------------------------
# the real raw layer


@pytest.fixture(scope="module")
def real():
    data = load_raw(RAW, SCHEMAS, VOCAB, root=ROOT)
    tables, facts = {}, list(clean.case_facts(data)) + list(clean.measurements(data))
    for table in ("mediators", "purification_methods", "syndrome_cytokines", "background_facts"):
        schema = yaml.safe_load((SCHEMAS / f"{table}.schema.yaml").read_text(encoding="utf-8"))
        columns, rows, table_facts = clean.reference_table(data, table, schema)
        tables[table] = (columns, rows)
        facts.extend(table_facts)
    return tables, {f["fact_id"]: f for f in facts}


def test_no_fact_locator_points_to_the_dossier(real):
    """Every locator names a place in the source (issue 15), none a place in the dossier."""
    _, fact_index = real
    bad = sorted(
        fid
        for fid, f in fact_index.items()
        if re.search(r"dossier|background\.md|not applicable|not recorded", str(f["locator"]))
    )
    assert not bad, bad[:10]
    assert all(str(f["locator"]).strip() for f in fact_index.values() if f["flag"] != "not_reported")


def test_the_real_data_supersedes_weak_rows(real):
    tables, _ = real
    _, rows = tables["mediators"]
    sel = supersede.select(rows)
    assert sel.hidden and not sel.fallback
    hidden = {r["row_id"]: r for r, _ in sel.hidden}
    # e.g. the vendor's 33 kDa IL-1beta precursor gives way to the primary 30.747 / 31 kDa.
    shown_il1b = {r["mw_kda"] for r in sel.shown if r["mediator"] == "IL-1beta" and r["form"] == "precursor"}
    assert "33" not in shown_il1b and {"30.747", "31"} <= shown_il1b
    assert all(r["superseded_by"] for r in hidden.values())


def test_no_superseded_value_is_printed_or_cited(real):
    tables, fact_index = real
    _, mediators = tables["mediators"]
    _, methods = tables["purification_methods"]
    sel = supersede.select(mediators)
    hidden_facts = {f for r, _ in sel.hidden for f in r["fact_ids"]}
    L = Ledger()
    analysis.mediator_sizes(L, mediators, methods, fact_index)
    for key, entry in L.entries.items():
        assert not hidden_facts & set(entry.fact_ids), key
    # a source whose every row of that mediator is hidden is never cited for its range
    for med in {r["mediator"] for r in mediators}:
        key = f"mw.{analysis.slug(med)}.range_sources"
        if key not in L.entries:
            continue
        shown_sources = {r["source_id"] for r in sel.shown if r["mediator"] == med}
        assert set(L.entries[key].value) <= shown_sources, key
    # and no template cites, by hand, a source all of whose mediator rows are superseded
    only_hidden = {r["source_id"] for r, _ in sel.hidden} - {r["source_id"] for r in sel.shown}
    for template in sorted((ROOT / "manuscript" / "templates").glob("*.j2")):
        text = template.read_text(encoding="utf-8")
        for sid in only_hidden:
            assert f"@{sid}" not in text, (template.name, sid)


def test_size_figure_plots_superseding_values_only(real, tmp_path: Path, monkeypatch):
    tables, _ = real
    monkeypatch.chdir(tmp_path)  # sidecar paths are relative to the project directory
    inputs = {}
    for name in ("mediators", "purification_methods"):
        columns, rows = tables[name]
        inputs[name] = Path(f"{name}.csv")
        files.write_csv(inputs[name], columns, rows)
    outputs = {ext: Path(f"size-windows.{ext}") for ext in ("svg", "png", "json")}
    fig_size_windows.make(inputs, outputs, 50, "test")
    sidecar = json.loads(outputs["json"].read_text(encoding="utf-8"))
    sel = supersede.select(tables["mediators"][1])
    plotted = set(sidecar["fact_ids"])
    for row, _ in sel.hidden:
        assert not plotted & set(row["fact_ids"]), row["row_id"]
    for row in sel.shown:
        assert set(row["fact_ids"]) <= plotted, row["row_id"]
    listed = [n for n in sidecar["notes"] if isinstance(n, dict) and n["not_plotted"] == "mediator value"]
    assert len(listed) == 1 and len(listed[0]["items"]) == len(sel.hidden)
