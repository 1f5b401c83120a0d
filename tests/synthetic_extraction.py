"""SYNTHETIC extraction documents for tests (generated here; never written into data/raw).

Shaped like a real extraction with the new contract parts: publication-level source facts,
patients with typed dictionary fields, symptom measurements (temperature in degF and degC,
CRS grade, vasopressor agents), censored cytokines and a clinical timeline of events.
The source id is a real one (its references.json item must exist), the values are invented.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

# A real source id whose extraction file the tests replace in a temporary copy.
SOURCE_ID = "gluck2020"


def _fact(value, unit=None):
    fact = {"value": value, "locator": "SYNTHETIC", "flag": "seen"}
    if unit:
        fact["unit"] = unit
    return fact


def _meas(mid, analyte, value, unit, day, relation, qualifier=None):
    return {
        "id": mid,
        "analyte": analyte,
        "value": value,
        "qualifier": qualifier,
        "unit": unit,
        "day_post_infusion": day,
        "relation": relation,
        "locator": "SYNTHETIC",
        "flag": "seen",
    }


def _event(event, day, eid=None):
    ev = {"event": event, "day_post_infusion": day, "locator": "SYNTHETIC", "flag": "seen"}
    if eid:
        ev["id"] = eid
    return ev


def document(source_id: str = SOURCE_ID) -> dict:
    """A complete SYNTHETIC extraction: two patients and a cohort."""
    p1 = {
        "case_id": f"{source_id}-s1",
        "kind": "patient",
        "context": "car-t",
        "origin": "literature",
        "modalities": ["PE"],
        "access": "full-text",
        "note": "SYNTHETIC patient",
        "facts": {
            "age_years": _fact(54, "years"),
            "sex": _fact("female"),
            "crs_grade_max": _fact(4),
            "crs_grading_system": _fact("ASTCT-2019"),
            "pe_sessions": _fact(2),
            "pe_replacement_fluid": _fact("albumin"),
            "weight_kg": _fact(70.5, "kg"),
            "haematocrit_percent": _fact(31, "%"),
            "outcome": _fact("survived"),
        },
        "measurements": [
            _meas("m1", "IL-6", 2.4, "ng/mL", 3, "pre-purification"),
            _meas("m2", "IL-6", 310, "pg/mL", 6, "post-purification"),
            _meas("m3", "IFN-gamma", 5000, "pg/mL", 3, "pre-purification", ">"),
            _meas("m4", "temperature", 104, "degF", 3, "pre-purification"),
            _meas("m5", "temperature", 37.2, "degC", "6-7", "post-purification"),
            _meas("m6", "CRS grade", 4, "grade", 3, "pre-purification"),
            _meas("m7", "vasopressor agents", 2, "agents", 3, "pre-purification"),
            _meas("m8", "vasopressor agents", 0, "agents", 6, "post-purification"),
        ],
        "events": [
            _event("crs_onset", 1),
            _event("tocilizumab", 2),
            _event("pe", 4),
            _event("pe", 5),
            _event("crs_resolution", "8-9"),
            _event("discharge", None, "out"),
        ],
        "not_reported": ["icans_grade_max"],
    }
    p2 = copy.deepcopy(p1)
    p2.update(case_id=f"{source_id}-s2", modalities=["HF"], note="SYNTHETIC patient 2")
    p2["facts"] = {"age_years": _fact(61, "years"), "outcome": _fact("died")}
    p2["measurements"] = [_meas("m1", "IL-6", 900, "pg/mL", 2, "pre-purification")]
    p2["events"] = [_event("hf", 3), _event("death", 9)]
    p2["not_reported"] = []
    cohort = {
        "case_id": f"{source_id}-cohort",
        "kind": "cohort",
        "n": 12,
        "context": "car-t",
        "origin": "literature",
        "modalities": ["PE"],
        "access": "abstract",
        "facts": {"pe_sessions": _fact("5-7"), "crs_grade": _fact("grade 3-4 as printed")},
        "measurements": [],
        "not_reported": ["per_patient_data"],
    }
    return {
        "source_id": source_id,
        "source_facts": {"n_literature_cases_reviewed": _fact(7), "review_scope": _fact("SYNTHETIC scope")},
        "cases": [p1, p2, cohort],
    }


def write(raw: Path, doc: dict | None = None) -> Path:
    """Replace the source's extraction file in a temporary raw copy with `doc` (YAML)."""
    doc = document() if doc is None else doc
    path = raw / "extractions" / f"{doc['source_id']}.yaml"
    header = "# SYNTHETIC extraction written by tests/synthetic_extraction.py\n"
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
