"""Case-series analysis on in-memory rows (SYNTHETIC patients, generated here; not real data):
the pairing rule, censoring, each statistic against scipy directly, symptoms, regimen, outcomes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from crsreview import caseseries, pairing
from crsreview.ledger import Ledger
from crsreview.outcome import outcome_class

ROOT = Path(__file__).resolve().parents[1]


def schema_defaults() -> dict:
    """The analysis settings' defaults, read from their one home (the config schema)."""
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8"))
    props = schema["properties"]["analysis"]["properties"]
    return {k: v["default"] for k, v in props.items()}


SETTINGS = caseseries.Settings.from_config(schema_defaults(), "review2099")


def m(cid, k, analyte, value, relation, day="", q="=", unit="pg/mL"):
    low = day.split("-")[0] if day else ""
    return {
        "fact_id": f"{cid}.m{k}",
        "case_id": cid,
        "source_id": "syn",
        "analyte": analyte,
        "qualifier": q,
        "value": str(value),
        "unit": unit,
        "day_post_infusion": day,
        "day_low": low,
        "day_high": day.split("-")[-1] if day else "",
        "relation": relation,
    }


PRE, DUR, POST = pairing.PRE, pairing.DURING, pairing.POST


# --- pairing rule -----------------------------------------------------------------------------


def test_pair_takes_last_pre_and_first_post_and_never_a_during_value():
    rows = [
        m("p", 1, "IL-6", 100, PRE, "1"),
        m("p", 2, "IL-6", 900, PRE, "3"),
        m("p", 3, "IL-6", 50, DUR, "4"),
        m("p", 4, "IL-6", 300, POST, "6"),
        m("p", 5, "IL-6", 20, POST, "9"),
    ]
    p = pairing.pair(rows)
    assert (p.pre["fact_id"], p.post["fact_id"]) == ("p.m2", "p.m4")
    assert p.relative_change() == pytest.approx(300 / 900 - 1)


def test_ranges_of_days_order_by_their_lower_bound():
    # listed out of time order: the "2-4" range (day 2) precedes day 3
    rows = [
        m("p", 1, "IL-6", 5000, PRE, "3"),
        m("p", 2, "IL-6", 874, PRE, "2-4"),
        m("p", 3, "IL-6", 10, POST, "5"),
    ]
    assert pairing.pair(rows).pre["fact_id"] == "p.m1"
    rows = [
        m("p", 1, "IL-6", 10, POST, "7-9"),
        m("p", 2, "IL-6", 20, POST, "8"),
        m("p", 3, "IL-6", 1, PRE, "1"),
    ]
    assert pairing.pair(rows).post["fact_id"] == "p.m1"


def test_values_without_a_day_fall_back_to_listed_order():
    rows = [m("p", 1, "IL-6", 1, PRE, "5"), m("p", 2, "IL-6", 2, PRE, ""), m("p", 3, "IL-6", 3, POST, "")]
    assert pairing.pair(rows).pre["fact_id"] == "p.m2"


def test_no_pair_without_both_sides_and_unknown_rule_is_an_error():
    assert pairing.pair([m("p", 1, "IL-6", 1, PRE, "1"), m("p", 2, "IL-6", 1, DUR, "2")]) is None
    with pytest.raises(ValueError, match="unknown pairing rule"):
        pairing.pair([], rule="best-two")


def test_censored_pair_is_never_treated_as_exact():
    rows = [m("p", 1, "IL-6", 5000, PRE, "2", q=">"), m("p", 2, "IL-6", 40, POST, "5")]
    p = pairing.pair(rows)
    assert p.censored and p.relative_change() is None
    # the chosen value decides: an exact earlier pre value does not replace a censored later one
    rows.insert(0, m("p", 0, "IL-6", 874, PRE, "1"))
    assert pairing.pair(rows).censored


# --- statistics against scipy -----------------------------------------------------------------


def test_signed_rank_matches_scipy_exact_and_approx():
    x = [-1.2, -0.4, -2.0, 0.3, -0.9, -1.6]
    got = caseseries.signed_rank(x)
    ref = stats.wilcoxon(x, method="exact")
    assert got.method == "exact" and got.p == pytest.approx(ref.pvalue) and got.statistic == ref.statistic
    tied = [-1.0, -1.0, -0.5, 0.5, -2.0, 0.0]
    got = caseseries.signed_rank(tied)
    ref = stats.wilcoxon(tied, zero_method="wilcox", method="approx")
    assert got.method == "approx" and got.p == pytest.approx(ref.pvalue) and got.n == 5
    assert caseseries.signed_rank([0.0, 0.0]) is None


def test_quartiles_match_numpy():
    xs = [-0.9, -0.5, -0.1, 0.2, 3.0]
    assert caseseries.quartiles(xs) == pytest.approx(tuple(np.percentile(xs, [25, 50, 75])))


def _group(n, factor, start=1, analyte="IL-6", group="PE"):
    """n SYNTHETIC patients whose post value is pre * factor(i)."""
    cases, meas = [], []
    for i in range(start, start + n):
        cid = f"syn-{group}-{i}"
        cases.append(_case(cid, group))
        pre = 100.0 * i
        meas += [m(cid, 1, analyte, pre, PRE, "2"), m(cid, 2, analyte, round(pre * factor(i), 3), POST, "6")]
    return cases, meas


def _case(cid, group, **fields):
    return {
        "case_id": cid,
        "source_id": "syn",
        "context": "car-t",
        "kind": "patient",
        "modality_group": group,
        "outcome": "",
        "outcome_status": "",
        **fields,
    }


def _index(meas=(), events=(), facts=()):
    idx = {r["fact_id"]: {"source_id": "syn", "flag": "seen", "value": r.get("value", "")} for r in meas}
    idx.update({e["fact_id"]: {"source_id": "syn", "flag": "seen", "value": ""} for e in events})
    for fid, value in facts:
        idx[fid] = {"fact_id": fid, "source_id": "syn", "flag": "seen", "value": value}
    return idx


def _build(cases, meas, events=(), facts=(), settings=SETTINGS):
    L = Ledger()
    caseseries.build(L, cases, meas, list(events), _index(meas, events, facts), settings)
    assert not L.check(set(_index(meas, events, facts)))
    return {k: e for k, e in L.entries.items()}


def test_falling_analyte_statistics_equal_scipy_and_numpy():
    cases, meas = _group(8, lambda i: 0.2 + 0.05 * i)
    e = _build(cases, meas)
    pre = [100.0 * i for i in range(1, 9)]
    post = [round(p * (0.2 + 0.05 * i), 3) for i, p in enumerate(pre, 1)]
    changes = [b / a - 1 for a, b in zip(pre, post, strict=True)]
    assert e["cs.pe.il_6.pairs"].value == 8 and e["cs.pe.il_6.censored"].value == 0
    assert e["cs.pe.il_6.pre_median"].value == pytest.approx(np.median(pre))
    assert e["cs.pe.il_6.post_median"].value == pytest.approx(np.median(post))
    assert e["cs.pe.il_6.change_median"].value == pytest.approx(np.median(changes))
    assert e["cs.pe.il_6.change_iqr"].value == pytest.approx(list(np.percentile(changes, [25, 75])))
    ref = stats.wilcoxon([math.log(b / a) for a, b in zip(pre, post, strict=True)], method="exact")
    assert e["cs.pe.il_6.test_p"].value == pytest.approx(ref.pvalue)
    assert "Wilcoxon signed-rank" in e["cs.pe.il_6.test_p"].formula
    assert e["cs.pe.il_6.direction"].value == "fall"
    assert e["cs.pe.paired_analytes"].value == ["il_6"]
    assert e["cs.pe.il_6.test_p"].fact_ids == sorted(r["fact_id"] for r in meas)


def test_rising_analyte_is_a_rise_and_analytes_are_never_pooled():
    cases, falling = _group(6, lambda i: 0.3, analyte="IL-6")
    _, rising = _group(6, lambda i: 2.0 + i / 10, analyte="ferritin")
    e = _build(cases, falling + rising)
    assert e["cs.pe.il_6.direction"].value == "fall"
    assert e["cs.pe.ferritin.direction"].value == "rise"
    assert e["cs.pe.ferritin.change_median"].value > 0 > e["cs.pe.il_6.change_median"].value
    assert not any(k.startswith("cs.pe.cytokine") for k in e)


def test_too_few_pairs_give_insufficient_test_and_unclear_direction():
    cases, meas = _group(2, lambda i: 0.1)
    e = _build(cases, meas)
    assert e["cs.pe.il_6.pairs"].value == 2
    assert e["cs.pe.il_6.change_median"].status == "ok"
    t = e["cs.pe.il_6.test_p"]
    assert t.status == "insufficient" and t.value is None
    assert "2 pairs" in t.text and "at least 5" in t.text
    assert e["cs.pe.il_6.direction"].value == "unclear" and "at least 5" in e["cs.pe.il_6.direction"].text


def test_non_significant_change_is_unclear():
    factors = [0.5, 1.8, 0.7, 1.3, 0.9, 1.1]
    cases, meas = _group(6, lambda i: factors[i - 1])
    e = _build(cases, meas)
    assert e["cs.pe.il_6.test_p"].value >= SETTINGS.alpha
    assert e["cs.pe.il_6.direction"].value == "unclear"


def test_censored_values_are_counted_not_used():
    cases, meas = _group(5, lambda i: 0.2)
    meas[0]["qualifier"] = ">"  # first patient's pre value censored
    e = _build(cases, meas)
    assert e["cs.pe.il_6.pairs"].value == 4 and e["cs.pe.il_6.censored"].value == 1
    assert e["cs.pe.il_6.test_p"].status == "insufficient"  # 4 exact pairs < 5
    assert e["cs.pe.il_6.pre_median"].value == pytest.approx(np.median([200, 300, 400, 500]))


def test_no_patients_still_gives_every_configured_group_with_reasons():
    e = _build([], [])
    for g in ("pe", "hf_hdf"):
        assert e[f"cs.{g}.patients"].value == 0
        assert e[f"cs.{g}.paired_analytes"].value == []
        assert e[f"cs.{g}.sessions.median"].status == "insufficient"
        assert e[f"cs.{g}.fever.eligible"].value == 0
        assert e[f"cs.{g}.outcome.survived"].value == 0
    assert e["cs.groups"].value == [] and e["cs.compared_analytes"].value == []
    assert all(ent.source_ids == ["review2099"] for k, ent in e.items() if k.startswith("cs.pe."))


def test_groups_side_by_side_and_extra_groups_added():
    pe_cases, pe_meas = _group(5, lambda i: 0.3, group="PE")
    hf_cases, hf_meas = _group(5, lambda i: 0.9 + i / 100, start=10, group="HF/HDF")
    ad_cases, _ = _group(1, lambda i: 1, start=20, group="adsorption")
    e = _build(pe_cases + hf_cases + ad_cases, pe_meas + hf_meas)
    assert e["cs.groups"].value == ["pe", "hf_hdf", "adsorption"]
    assert e["cs.pe.il_6.pairs"].value == 5 and e["cs.hf_hdf.il_6.pairs"].value == 5
    assert e["cs.pe.il_6.change_median"].value < e["cs.hf_hdf.il_6.change_median"].value
    assert e["cs.adsorption.patients"].value == 1
    assert e["cs.compared_analytes"].value == ["il_6"]


# --- symptoms ---------------------------------------------------------------------------------


def test_symptom_rules():
    cases = [_case(f"s{i}", "PE") for i in range(1, 6)]
    meas = [
        # fever: s1 resolves, s2 stays febrile, s3 never febrile (not eligible), s4 no post value
        m("s1", 1, "temperature", 39.5, PRE, "1", unit="degC"),
        m("s1", 2, "temperature", 37.2, POST, "4", unit="degC"),
        m("s2", 1, "temperature", 38.0, PRE, "1", unit="degC"),
        m("s2", 2, "temperature", 38.4, POST, "4", unit="degC"),
        m("s3", 1, "temperature", 37.5, PRE, "1", unit="degC"),
        m("s3", 2, "temperature", 37.0, POST, "4", unit="degC"),
        m("s4", 1, "temperature", 40.0, PRE, "1", unit="degC"),
        # CRS grade: s1 4 -> 3 responds, s2 3 -> 3 does not
        m("s1", 3, "CRS grade", 4, PRE, "1", unit="grade"),
        m("s1", 4, "CRS grade", 3, POST, "4", unit="grade"),
        m("s2", 3, "CRS grade", 3, PRE, "1", unit="grade"),
        m("s2", 4, "CRS grade", 3, POST, "4", unit="grade"),
        # vasopressors: s1 2 -> 0 weaned, s2 1 -> 1 not, s3 0 -> 0 not eligible
        m("s1", 5, "vasopressor agents", 2, PRE, "1", unit="agents"),
        m("s1", 6, "vasopressor agents", 0, POST, "4", unit="agents"),
        m("s2", 5, "vasopressor agents", 1, PRE, "1", unit="agents"),
        m("s2", 6, "vasopressor agents", 1, POST, "4", unit="agents"),
        m("s3", 5, "vasopressor agents", 0, PRE, "1", unit="agents"),
        m("s3", 6, "vasopressor agents", 0, POST, "4", unit="agents"),
        # ICANS: s5 2 -> 0 falls
        m("s5", 1, "ICANS grade", 2, PRE, "1", unit="grade"),
        m("s5", 2, "ICANS grade", 0, POST, "4", unit="grade"),
    ]
    e = _build(cases, meas)
    got = {
        k: (e[f"cs.pe.{k}.responders"].value, e[f"cs.pe.{k}.eligible"].value)
        for k in caseseries.SYMPTOM_RULES
    }
    assert got == {"fever": (1, 2), "crs_grade": (1, 2), "vasopressors": (1, 2), "icans": (1, 1)}
    assert "38" in e["cs.pe.fever.responders"].formula
    # symptom analytes never become laboratory entries
    assert "cs.pe.temperature.pairs" not in e and e["cs.pe.paired_analytes"].value == []


# --- regimen and timing -----------------------------------------------------------------------


def ev(cid, k, event, day):
    return {"fact_id": f"{cid}.e{k}", "case_id": cid, "source_id": "syn", "event": event, "day_low": day}


def test_regimen_from_events_and_fields_with_plasma_volumes():
    cases = [_case("r1", "PE"), _case("r2", "PE"), _case("r3", "HF/HDF")]
    events = [
        ev("r1", 1, "crs_onset", "1"),
        ev("r1", 2, "pe", "4"),
        ev("r1", 3, "pe", "5"),
        ev("r1", 4, "pe", "6"),
        ev("r3", 1, "crs_onset", "2"),
        ev("r3", 2, "crrt", "3"),
    ]
    facts = [
        ("r1.pe_volume_ml_per_session", "3000"),
        ("r1.weight_kg", "70"),
        ("r1.haematocrit_percent", "30"),
        ("r2.pe_sessions", "2"),
        ("r2.pe_start_day", "7"),
        ("r2.crs_onset_day", "2"),
    ]
    e = _build(cases, [], events, facts)
    assert e["cs.pe.sessions.n"].value == 2 and e["cs.pe.sessions.range"].value == [2, 3]
    assert e["cs.pe.first_pe_day.range"].value == [4, 7]
    # A day after infusion reads "day 4" / "days 4–7"; a duration "3–5 days".
    assert e["cs.pe.first_pe_day.range"].text == "days 4–7"
    assert e["cs.pe.first_pe_day.median"].text == "day 5.5"
    assert e["cs.pe.onset_to_pe.range"].value == [3, 5]
    assert e["cs.pe.onset_to_pe.range"].text == "3–5 days"
    pv = 3000 / (0.07 * 70 * (1 - 0.30) * 1000)
    assert e["cs.pe.plasma_volumes.median"].value == pytest.approx(pv)
    assert e["cs.pe.plasma_volumes.n"].value == 1
    assert e["cs.hf_hdf.first_pe_day.median"].value == 3 and e["cs.hf_hdf.onset_to_pe.median"].value == 1
    assert e["cs.hf_hdf.volume_ml.median"].status == "insufficient"
    assert "r1.e2" in e["cs.pe.sessions.n"].fact_ids


# --- outcomes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "coded, wording, expected",
    [
        ("", "died on day +36", "died"),
        ("", "alive; renal injury the only sequela", "survived"),
        ("", "survived", "survived"),
        ("", "Survived to discharge", "survived"),
        ("", "discharged from intensive care after two weeks", "survived"),
        ("", "recovered", "survived"),
        ("", "transferred", "unknown"),
        ("", "NR", "unknown"),
        ("died", "alive at day 30", "died"),
        ("unknown", "", "unknown"),
        ("", "fatal HLH", "died"),
    ],
)
def test_outcome_classification(coded, wording, expected):
    assert outcome_class(coded, wording) == expected


def test_outcome_counts_per_group():
    cases = [
        _case("o1", "PE", outcome_status="survived"),
        _case("o2", "PE", outcome="died"),
        _case("o3", "PE", outcome_status="NR"),
        _case("o4", "HF/HDF", outcome_status="alive"),
    ]
    facts = [("o1.outcome_status", "survived"), ("o2.outcome", "died"), ("o4.outcome_status", "alive")]
    e = _build(cases, [], facts=facts)
    assert [e[f"cs.pe.outcome.{c}"].value for c in ("survived", "died", "unknown")] == [1, 1, 1]
    assert e["cs.hf_hdf.outcome.survived"].value == 1
