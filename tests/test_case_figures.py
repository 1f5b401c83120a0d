"""Selection rules of the two case figures on in-memory rows (SYNTHETIC, generated here)."""

from __future__ import annotations

from pathlib import Path

import yaml

from crsreview import fig_case_cytokines, fig_case_timelines, pairing
from crsreview.fig_common import Provenance

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8"))
OPTIONS = {k: v["default"] for k, v in SCHEMA["properties"]["analysis"]["properties"].items()}


def case(cid, group="PE", kind="patient", context="car-t"):
    return {"case_id": cid, "source_id": "syn", "kind": kind, "context": context, "modality_group": group}


def m(cid, k, analyte, value, relation, day, q="="):
    return {
        "fact_id": f"{cid}.m{k}",
        "case_id": cid,
        "source_id": "syn",
        "analyte": analyte,
        "qualifier": q,
        "value": str(value),
        "unit": "pg/mL",
        "day_low": str(day),
        "relation": relation,
        "flag": "seen",
    }


def reasons(prov: Provenance) -> dict[str, list[str]]:
    return {n["reason"]: n["items"] for n in prov.notes() if isinstance(n, dict)}


def test_cytokine_panels_pair_by_rule_and_list_everything_else():
    cases = [case("a"), case("b", "HF/HDF"), case("c", kind="cohort"), case("d")]
    meas = [
        m("a", 1, "IL-6", 900, pairing.PRE, 1),
        m("a", 2, "IL-6", 800, pairing.PRE, 2),
        m("a", 3, "IL-6", 500, pairing.DURING, 3),
        m("a", 4, "IL-6", 300, pairing.POST, 5),
        m("a", 5, "temperature", 39.0, pairing.PRE, 2),
        m("b", 1, "IL-6", 5000, pairing.PRE, 1, q=">"),
        m("b", 2, "IL-6", 4000, pairing.POST, 4),
        m("c", 1, "IL-6", 100, pairing.PRE, 1),
        m("d", 1, "IFN-gamma", 10, pairing.PRE, 1),
        m("d", 2, "IL-10", 0, pairing.PRE, 1),
        m("d", 3, "IL-10", 5, pairing.POST, 3),
    ]
    prov = Provenance()
    panels = fig_case_cytokines.select(cases, meas, OPTIONS, prov)
    assert [p.analyte for p in panels] == ["IL-6"]
    il6 = panels[0]
    assert len(il6.pairs) == 2 and len(il6.exact) == 1 and [x["fact_id"] for x in il6.during] == ["a.m3"]
    r = reasons(prov)
    assert r["cohort entry (group summary, no patient pair)"] == ["c.m1"]
    assert r["symptom course (analysed as a symptom response, not drawn)"] == ["a.m5"]
    assert any(
        "a.m1" in items for why, items in r.items() if why.startswith("not chosen by the pairing rule")
    )
    assert r["no partner: the patient has no value on the other side of purification"] == ["d.m1"]
    assert r["pair with a value of 0 cannot be drawn on a log scale"] == ["d.m2", "d.m3"]
    assert prov.fact_ids == {"a.m2", "a.m3", "a.m4", "b.m1", "b.m2"}


def ev(cid, k, event, low, high=None):
    return {
        "fact_id": f"{cid}.e{k}",
        "case_id": cid,
        "source_id": "syn",
        "event": event,
        "day_low": "" if low is None else str(low),
        "day_high": "" if low is None else str(high if high is not None else low),
        "flag": "seen",
    }


def test_timeline_rows_keep_every_treated_patient_and_list_undated_events():
    cases = [case("z", "adsorption"), case("b", "HF/HDF"), case("a"), case("c", kind="cohort")]
    events = [
        ev("a", 1, "pe", 4),
        ev("a", 2, "discharge", None),
        ev("b", 1, "hf", "3", "5"),
        ev("c", 1, "pe", 2),
    ]
    prov = Provenance()
    by_case = fig_case_timelines.select(cases, events, OPTIONS, prov)
    assert [c["case_id"] for c in fig_case_timelines.treated(cases, OPTIONS["groups"])] == ["a", "b", "z"]
    assert [e["fact_id"] for e in by_case["a"]] == ["a.e1"] and by_case["z"] == []
    r = reasons(prov)
    assert r["no day after infusion (undated)"] == ["a.e2"]
    assert r["not a treated CAR-T patient entry"] == ["c.e1"]
    summary = fig_case_timelines.summary(fig_case_timelines.treated(cases), by_case, OPTIONS)
    assert summary["PE"] == {"first_day": [4.0], "sessions": [1.0]}
    assert (
        summary["HF/HDF"] == {"first_day": [3.0], "sessions": [1.0]}
        and summary["adsorption"]["sessions"] == []
    )
