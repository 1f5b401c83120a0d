"""The extraction contract (issue 10 §1): data dictionary, source_facts, events, symptom analytes.

Every test edits a SYNTHETIC extraction (tests/synthetic_extraction.py) in a temporary copy.
"""

from __future__ import annotations

import pytest

from crsreview import clean, units
from crsreview.errors import InputError
from crsreview.suggest import nearest
from crsreview.validate import load_raw
from tests import synthetic_extraction as synth
from tests.conftest import SCHEMAS, VOCAB

FILE = f"data/raw/extractions/{synth.SOURCE_ID}.yaml"
P1 = f"{synth.SOURCE_ID}-s1"


def _load(raw):
    return load_raw(raw, SCHEMAS, VOCAB, root=raw.parent.parent)


def _problems(raw, doc) -> list[str]:
    synth.write(raw, doc)
    with pytest.raises(InputError) as info:
        _load(raw)
    return [str(p) for p in info.value.problems]


def _p1(doc):
    return doc["cases"][0]


def test_synthetic_extraction_is_valid_and_cleans(raw_copy):
    synth.write(raw_copy)
    data = _load(raw_copy)
    ev = clean.events(data)
    mine = [r for r in ev if r["case_id"] == P1]
    assert [r["event"] for r in mine] == [
        "crs_onset",
        "tocilizumab",
        "pe",
        "pe",
        "crs_resolution",
        "discharge",
    ]
    assert [r["fact_id"] for r in mine][:3] == [f"{P1}.e1", f"{P1}.e2", f"{P1}.e3"]
    assert mine[-1]["fact_id"] == f"{P1}.out" and mine[-1]["day_post_infusion"] == ""
    assert (mine[4]["day_low"], mine[4]["day_high"]) == (8, 9)
    facts = {f["fact_id"]: f for f in clean.event_facts(ev)}
    assert facts[f"{P1}.e3"]["table"] == "events" and facts[f"{P1}.e3"]["field"] == "pe"
    assert facts[f"{P1}.e3"]["value"] == 4
    sf = {f["fact_id"]: f for f in clean.source_facts(data)}
    assert sf[f"{synth.SOURCE_ID}.review_scope"]["table"] == "source_facts"
    assert sf[f"{synth.SOURCE_ID}.review_scope"]["case_id"] == ""
    assert "zhang2025.n_institutional_cases" in sf


def test_cases_table_has_a_column_per_dictionary_field(raw_copy):
    synth.write(raw_copy)
    data = _load(raw_copy)
    columns = clean.case_columns(data)
    assert set(data.dictionary.case_fields) <= set(columns) and "outcome" in columns
    rows = {r["case_id"]: r for r in clean.cases(data)}
    assert rows[P1]["outcome"] == "survived"
    assert rows[P1]["icans_grade_max"] == clean.NOT_REPORTED
    assert rows[P1]["disease"] == ""
    assert rows[f"{synth.SOURCE_ID}-cohort"]["crs_grade"] == "grade 3-4 as printed"


def test_symptom_units_convert_and_record_the_conversion(raw_copy):
    synth.write(raw_copy)
    rows = {r["fact_id"]: r for r in clean.measurements(_load(raw_copy))}
    temp = rows[f"{P1}.m4"]
    assert (temp["value"], temp["unit"], temp["value_as_reported"], temp["unit_as_reported"]) == (
        40.0,
        "degC",
        104,
        "degF",
    )
    assert "degF -> degC" in temp["conversion"]
    assert rows[f"{P1}.m6"]["unit"] == "grade" and rows[f"{P1}.m7"]["unit"] == "agents"
    assert units.to_canonical(98.6, "degF", "temperature").value == 37.0


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (
            lambda d: _p1(d)["facts"].__setitem__("age", synth._fact(54)),
            "facts.age",
            "did you mean 'age_years'",
        ),
        (
            lambda d: _p1(d)["facts"].__setitem__("number_of_pe_sessions", synth._fact(2)),
            "facts.number_of_pe_sessions",
            "did you mean 'pe_sessions'",
        ),
        (
            lambda d: _p1(d)["facts"]["sex"].__setitem__("value", "F"),
            "facts.sex.value",
            "not one of: female, male",
        ),
        (
            lambda d: _p1(d)["facts"]["outcome"].__setitem__("value", "alive"),
            "facts.outcome.value",
            "survived",
        ),
        (
            lambda d: _p1(d)["facts"]["crs_grade_max"].__setitem__("value", 7),
            "facts.crs_grade_max.value",
            "1 to 5",
        ),
        (
            lambda d: _p1(d)["facts"]["pe_sessions"].__setitem__("value", 0),
            "facts.pe_sessions.value",
            "range 1",
        ),
        (
            lambda d: _p1(d)["facts"]["pe_sessions"].__setitem__("value", 2.5),
            "facts.pe_sessions.value",
            "whole",
        ),
        (
            lambda d: _p1(d)["facts"].__setitem__("crs_grade", synth._fact(3)),
            "facts.crs_grade.value",
            "belongs in the field 'crs_grade_max'",
        ),
        (
            lambda d: _p1(d)["facts"]["crs_grading_system"].__setitem__("value", "ASTCT"),
            "facts.crs_grading_system.value",
            "did you mean 'ASTCT-2019'",
        ),
        (
            lambda d: d["source_facts"].__setitem__("n_institutional_case", synth._fact(3)),
            "source_facts.n_institutional_case",
            "did you mean 'n_institutional_cases'",
        ),
        (
            lambda d: _p1(d)["not_reported"].append("icans_grade"),
            "not_reported.icans_grade",
            "icans_grade_max",
        ),
        (
            lambda d: _p1(d)["events"][0].__setitem__("event", "crs onset"),
            "events.e1.event",
            "did you mean 'crs_onset'",
        ),
        (lambda d: _p1(d)["events"].append(synth._event("pe", 6)), "events", "one 'pe' event per session"),
        (
            lambda d: _p1(d)["events"].insert(0, synth._event("death", 3)),
            "events.e2",
            "nothing follows death",
        ),
        (
            lambda d: d["cases"][1]["events"].insert(0, synth._event("hf", 12)),
            "events.e1.day_post_infusion",
            "after death",
        ),
        (lambda d: _p1(d)["events"][1].__setitem__("id", "m1"), "events.m1.id", "duplicate id"),
        (
            lambda d: _p1(d)["events"][1].__setitem__("day_post_infusion", -1),
            "events.e2.day_post_infusion",
            ">= 0",
        ),
        (
            lambda d: _p1(d)["measurements"][3].__setitem__("value", 120.0),
            "measurements.m4.value",
            "plausible",
        ),
        (
            lambda d: _p1(d)["measurements"][3].__setitem__("unit", "pg/mL"),
            "measurements.m4.unit",
            "degC or degF",
        ),
        (
            lambda d: _p1(d)["measurements"][0].__setitem__("unit", "grade"),
            "measurements.m1.unit",
            "only for",
        ),
        (
            lambda d: _p1(d)["measurements"][5].__setitem__("value", 3.5),
            "measurements.m6.value",
            "whole number",
        ),
        (
            lambda d: _p1(d)["measurements"][0].__setitem__("analyte", "IL6"),
            "measurements.m1.analyte",
            "'IL-6'",
        ),
        (lambda d: _p1(d)["measurements"][1].__setitem__("unit", "pg/ml"), "measurements.m2.unit", "'pg/mL'"),
        (lambda d: _p1(d).__setitem__("outcome", "died"), "outcome", "write it under facts:"),
        (lambda d: _p1(d)["facts"].__setitem__("weight_kg", 70), "facts.weight_kg", "{value: 70, locator:"),
    ],
)
def test_contract_mistakes_are_named(raw_copy, edit, field, reason):
    doc = synth.document()
    edit(doc)
    problems = _problems(raw_copy, doc)
    assert any(f"| field {field}" in p and reason in p and p.startswith(FILE) for p in problems), problems


def test_pe_sessions_range_agrees_with_events(raw_copy):
    doc = synth.document()
    doc["cases"][2]["events"] = [synth._event("pe", d) for d in range(4, 10)]  # 6 sessions, "5-7"
    synth.write(raw_copy, doc)
    _load(raw_copy)


def test_nearest_suggestions():
    assert nearest("age", ["age_years", "age_years_median", "sex"]) == "age_years"
    assert nearest("IL6", ["IL-6", "IL-10"]) == "IL-6"
    assert nearest("pg/ml", ["pg/mL", "ng/mL"]) == "pg/mL"
    assert nearest("zzzz", ["IL-6"]) is None
