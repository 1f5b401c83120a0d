"""Vignette choice and entries, template helpers, narrative macros and the caption audit
(small hand-made SYNTHETIC rows and ledgers; no build)."""

from __future__ import annotations

import re

import pytest

from crsreview import audit, manuscript, vignettes
from crsreview.ledger import Ledger
from tests.conftest import ROOT

TEMPLATES = ROOT / "manuscript" / "templates"


def _case(cid, source="synthsrc", **over):
    row = {
        "case_id": cid,
        "source_id": source,
        "kind": "patient",
        "context": "car-t",
        "origin": "literature",
        "modalities": "PE",
        "modality_group": "PE",
        "n": "1",
        "outcome": "",
        "outcome_status": "",
    }
    return {**row, **over}


def _fact(fid, value, flag="seen", unit=""):
    cid, field = fid.split(".", 1)
    return {
        "fact_id": fid,
        "table": "case",
        "case_id": cid,
        "field": field,
        "value": value,
        "unit": unit,
        "source_id": "synthsrc",
        "flag": flag,
    }


def _m(cid, k, analyte, value, relation, day, qualifier="="):
    return {
        "fact_id": f"{cid}.m{k}",
        "case_id": cid,
        "analyte": analyte,
        "value": str(value),
        "qualifier": qualifier,
        "unit": "pg/mL",
        "relation": relation,
        "day_post_infusion": str(day),
        "day_low": str(day),
        "day_high": str(day),
    }


def _tables():
    """SYNTHETIC: a has many fields and no pair, b one exact pair, c one censored pair, d is HF."""
    cases = [
        _case("a-1", outcome_status="alive"),
        _case("b-1", outcome_status="died on day 9"),
        _case("c-1"),
        _case("d-1", modalities="HF", modality_group="HF/HDF"),
    ]
    facts = [
        _fact("a-1.age_years", "12", unit="years"),
        _fact("a-1.sex", "female"),
        _fact("a-1.disease", "SYNTHETIC leukaemia"),
        _fact("a-1.crs_grade_max", "severe"),
        _fact("a-1.outcome_status", "alive"),
        _fact("b-1.age_years", "61", unit="years"),
        _fact("b-1.crs_grade_max", "4"),
        _fact("b-1.outcome_status", "died on day 9"),
    ]
    meas = [
        _m("b-1", 1, "IL-6", 5200, "pre-purification", 3),
        _m("b-1", 2, "IL-6", 900, "post-purification", 5),
        _m("b-1", 3, "temperature", 39.5, "pre-purification", 3),
        _m("c-1", 1, "IL-6", 5000, "pre-purification", 2, ">"),
        _m("c-1", 2, "IL-6", 800, "post-purification", 6),
    ]
    facts += [
        {**m, "table": "measurement", "field": m["analyte"], "source_id": "synthsrc", "flag": "seen"}
        for m in meas
    ]
    return {"cases": cases, "facts": facts, "measurements": meas}


def test_choice_prefers_paired_analytes_then_fields_then_case_id():
    t = _tables()
    index = {f["fact_id"]: f for f in t["facts"]}
    chosen = vignettes.choose(t["cases"], index, t["measurements"], 5, frozenset({"temperature"}))
    assert [c["case_id"] for c in chosen] == ["b-1", "c-1", "a-1"]  # d-1 is not PE
    assert [c["case_id"] for c in vignettes.choose(t["cases"], index, t["measurements"], 1)] == ["b-1"]


def test_vignette_entries_and_choice_in_the_ledger():
    L = Ledger()
    vignettes.add(L, _tables(), 2, ["temperature"])
    e = L.entries
    assert e["manuscript.vignettes"].value == ["b_1", "c_1"] and e["manuscript.vignettes.count"].value == 2
    assert "case.a_1.age" not in e  # not chosen: no per-patient entries
    assert e["case.b_1.crs_grade"].text == "grade 4" and e["case.b_1.outcome"].value == "died"
    assert e["case.b_1.il_6.pre"].text == "5200 pg/mL" and e["case.b_1.il_6.post_day"].text == "day 5"
    assert e["case.b_1.il_6.change"].text == "-82.7%" and e["case.b_1.il_6.change"].fact_ids == []
    assert "case.b_1.temperature.pre" not in e  # the symptom course belongs to the case series
    assert e["case.c_1.il_6.pre"].text == ">5000 pg/mL"
    assert e["case.c_1.il_6.change"].status == "insufficient"
    assert e["case_mix.pe.with_post_value"].value == 2 and e["case_mix.pe.placeholder_cohorts"].value == 0


def test_non_numeric_grade_is_not_a_grade():
    L = Ledger()
    vignettes.add(L, _tables(), 3, [])
    assert "case.a_1.crs_grade" not in L.entries and L.entries["case.a_1.sex"].value == "female"


def _ctx(numbers: dict, section="results") -> manuscript.Context:
    entries = {
        k: {
            "value": v,
            "text": str(v),
            "formula": "f",
            "source_ids": ["s"],
            "fact_ids": [],
            "flags": [],
            "derived_from": [],
            "headline_ok": True,
            "status": "ok",
        }
        for k, v in numbers.items()
    }
    ctx = manuscript.Context({"numbers": entries}, {}, {}, {}, {"paper": {}}, audit=False, section=section)
    ctx.analyte_names = {"il_6": "IL-6"}
    return ctx


def test_plural_count_and_series():
    ctx = _ctx({"one": 1, "three": 3})
    assert ctx.plural(1, "patient") == "patient" and ctx.plural("three", "patient") == "patients"
    assert ctx.plural(2, "therapy") == "therapies" and ctx.plural(2, "day") == "days"
    assert ctx.count("one", "dose").endswith(" dose") and ctx.count("three", "dose").endswith(" doses")
    assert ctx.series(["a"]) == "a" and ctx.series(["a", "b", "c"]) == "a, b and c" and ctx.series([]) == ""
    assert ctx.items("absent") == [] and ctx.num("absent") == 0


def test_comment_delimiters_keep_pandoc_attributes():
    env = manuscript.environment(TEMPLATES)
    assert env.from_string("{## a note ##}::: {#refs}\n:::\n").render() == "::: {#refs}\n:::\n"


def _render(ctx, body: str) -> str:
    env = manuscript.environment(TEMPLATES)
    fns = {k: getattr(ctx, k) for k in manuscript.TEMPLATE_FUNCTIONS}
    return env.from_string('{% import "narrative.j2" as nv with context %}' + body).render(**fns)


@pytest.mark.parametrize(
    ("direction", "median", "verb"),
    [
        ("fall", -0.5, "fell"),
        ("fall", 0.5, "showed no clear change"),  # a 'fall' with a positive median is not claimed
        ("rise", 0.4, "rose"),
        ("rise", -0.4, "showed no clear change"),
        ("unclear", -0.9, "showed no clear change"),
    ],
)
def test_change_verb_follows_sign_and_direction(direction, median, verb):
    ctx = _ctx({"cs.pe.il_6.direction": direction, "cs.pe.il_6.change_median": median})
    assert _render(ctx, '{{ nv.change_verb("cs.pe.il_6") }}') == verb


@pytest.mark.parametrize(
    ("survived", "died", "expected"),
    [
        (0, 0, "no outcome was reported"),
        (1, 0, "the one patient with a reported outcome survived"),
        (4, 0, "each of the 4 patients with a reported outcome survived"),
        (3, 2, "3 of the patients with a reported outcome survived and 2 died"),
        (0, 2, "2 patients with a reported outcome died and none survived"),
    ],
)
def test_outcome_clause_branches(survived, died, expected):
    ctx = _ctx({"cs.pe.outcome.survived": survived, "cs.pe.outcome.died": died, "cs.pe.outcome.unknown": 0})
    text = _render(ctx, '{{ nv.outcomes("pe") }}')
    assert re.sub(r"\[([^\]]*)\]\([^)]*\)\{[^}]*\}", r"\1", text) == expected


def test_headline_without_pairs_distinguishes_no_post_value_from_no_pair():
    none = _ctx({"cs.pe.paired_analytes": [], "case_mix.pe.with_post_value": 0})
    assert "No cytokine value after PE" in _render(none, '{{ nv.cytokine_headline("pe") }}')
    unpaired = _ctx({"cs.pe.paired_analytes": [], "case_mix.pe.with_post_value": 1})
    text = _render(unpaired, '{{ nv.cytokine_headline("pe") }}')
    assert "No cytokine value after PE" not in text and "both before and after" in text


def test_caption_audit_finds_digits_and_source_ids_but_not_encoding_words():
    names = audit.allowed_names(["IL-6"], ["COVID-19"])
    ok = "1. **Figures**: IL-6 in COVID-19, curve ``1 - exp(-V)``, {{ snakemake.config['x'] }}, Table 2.\n"
    assert audit.scan_caption("c.rst", ok, names, {"xiao2019"}) == []
    bad = "Three sources (xiao2019) and 40 entries.\n"
    found = audit.scan_caption("c.rst", bad, names, {"xiao2019"})
    assert {"40", "xiao2019"} <= {f.token for f in found}


def test_report_captions_state_no_data():
    names = audit.allowed_names(["IL-6", "IFN-gamma", "TNF-alpha"], ["COVID-19", "CAR-T19", "CD19"])
    sources = {
        line.split(",", 1)[0]
        for line in (ROOT / "data/raw/sources.csv").read_text(encoding="utf-8").splitlines()[1:]
    }
    for path in sorted((ROOT / "workflow/report").glob("*.rst")):
        assert audit.scan_caption(path.name, path.read_text(encoding="utf-8"), names, sources) == [], (
            path.name
        )


def test_headline_sections_do_not_state_unverified_pairs():
    ctx = _ctx(
        {
            "cs.pe.paired_analytes": ["il_6"],
            "cs.pe.il_6.pairs": 6,
            "cs.pe.il_6.change_median": -0.5,
            "cs.pe.il_6.test_p": 0.03,
            "cs.pe.il_6.direction": "fall",
        },
        section="abstract",
    )
    ctx.numbers["cs.pe.il_6.change_median"]["headline_ok"] = False
    text = _render(ctx, '{{ nv.cytokine_headline("pe", hl=true) }}')
    assert "unverified" in text and "fell" not in text
    ctx.numbers["cs.pe.il_6.change_median"]["headline_ok"] = True
    assert "IL-6 fell after PE in" in _render(ctx, '{{ nv.cytokine_headline("pe", hl=true) }}')
