"""SYNTHETIC case generator for scale benchmarks. Never used for the real paper.

Writes N synthetic patient cases (every record marked SYNTHETIC) into a *copy* of the
repository: one synthetic source in references.json/sources.csv and one extraction file.
Values are drawn by code from a seeded generator; they describe no real patient.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import yaml

SOURCE_ID = "synthetic2099"


def _fact(value, unit=None) -> dict:
    fact = {"value": value, "locator": "SYNTHETIC", "flag": "seen"}
    if unit:
        fact["unit"] = unit
    return fact


def _meas(mid, analyte, value, unit, day, relation, qualifier="=") -> dict:
    return {
        "id": mid,
        "analyte": analyte,
        "value": value,
        "qualifier": qualifier,
        "unit": unit,
        "day_post_infusion": day,
        "relation": relation,
        "locator": "SYNTHETIC table",
        "flag": "seen",
        "note": "SYNTHETIC",
    }


def _event(event, day) -> dict:
    return {"event": event, "day_post_infusion": day, "locator": "SYNTHETIC timeline", "flag": "seen"}


SESSION_EVENT = {"PE": "pe", "HF": "hf", "HDF": "hdf", "hemoadsorption": "hemoadsorption"}


def treated_patient(
    case_id: str,
    i: int,
    modality: str = "PE",
    trend: str = "fall",
    censored: bool = False,
    origin: str = "literature",
) -> dict:
    """One SYNTHETIC treated CAR-T patient, deterministic in `i`: cytokines before (and, with
    several sessions, during) and after purification, symptom course, clinical timeline.

    trend 'fall' or 'rise' sets the IL-6 and IFN-gamma direction (ferritin always rises);
    `censored` makes the pre-purification IFN-gamma value a '>' bound.
    """
    first = 2 + i % 4  # day of the first session
    sessions = 1 + i % 3
    last = first + sessions - 1
    factor = (0.2 + 0.05 * (i % 5)) if trend == "fall" else (1.6 + 0.15 * (i % 5))
    il6 = 400.0 + 137.0 * i
    ifng = 150.0 + 41.0 * i
    meas = [
        _meas("m1", "IL-6", round(il6 * 1.3, 1), "pg/mL", first - 2, "pre-purification"),
        # odd patients print this value in ng/mL (converted to pg/mL by the cleaning step)
        _meas(
            "m2",
            "IL-6",
            round(il6 / 1000, 4) if i % 2 else round(il6, 1),
            "ng/mL" if i % 2 else "pg/mL",
            f"{first - 1}-{first}",
            "pre-purification",
        ),
        _meas("m3", "IL-6", round(il6 * factor, 1), "pg/mL", last + 1, "post-purification"),
        _meas("m4", "IL-6", round(il6 * factor * 0.5, 1), "pg/mL", last + 3, "post-purification"),
        _meas(
            "m5",
            "IFN-gamma",
            5000 if censored else round(ifng, 1),
            "pg/mL",
            first - 1,
            "pre-purification",
            ">" if censored else "=",
        ),
        _meas("m6", "IFN-gamma", round(ifng * factor, 1), "pg/mL", last + 1, "post-purification"),
        _meas(
            "m7",
            "ferritin",
            round(2.0 + 0.3 * i, 2),
            "ng/mL",
            first - 1,
            "pre-purification",
        ),
        _meas(
            "m8",
            "ferritin",
            round((2.0 + 0.3 * i) * 1.4, 2),
            "ng/mL",
            last + 1,
            "post-purification",
        ),
        _meas("m9", "temperature", 39.0 + (i % 4) * 0.3, "degC", first - 1, "pre-purification"),
        _meas("m10", "temperature", 37.1 if i % 3 else 38.4, "degC", last + 1, "post-purification"),
        _meas("m11", "CRS grade", 3 + i % 2, "grade", first - 1, "pre-purification"),
        _meas("m12", "CRS grade", (3 + i % 2) - (1 if i % 4 else 0), "grade", last + 1, "post-purification"),
        _meas("m13", "vasopressor agents", 1 + i % 2, "agents", first - 1, "pre-purification"),
        _meas("m14", "vasopressor agents", 0 if i % 3 else 1, "agents", last + 1, "post-purification"),
    ]
    if sessions > 1:
        meas.append(
            _meas("m15", "IL-6", round(il6 * (1 + factor) / 2, 1), "pg/mL", first, "during-purification")
        )
    if i % 2:
        meas += [
            _meas("m16", "ICANS grade", 2, "grade", first - 1, "pre-purification"),
            _meas("m17", "ICANS grade", 1 if i % 4 == 1 else 2, "grade", last + 1, "post-purification"),
        ]
    died = i % 6 == 5
    events = [_event("crs_onset", 1), _event("tocilizumab", 1 + i % 2), _event("corticosteroid", 2)]
    events += [_event(SESSION_EVENT[modality], first + k) for k in range(sessions)]
    events += [_event("crs_resolution", f"{last + 2}-{last + 4}")]
    events += [_event("death", last + 6)] if died else [_event("discharge", last + 8)]
    facts = {
        "age_years": _fact(8 + (i * 7) % 60, "years"),
        "sex": _fact("female" if i % 2 else "male"),
        "crs_grade_max": _fact(3 + i % 2),
        "crs_onset_day": _fact(1, "day post-infusion"),
        "outcome": _fact("died" if died else "survived"),
    }
    if i % 3 != 2:  # some patients report weight and haematocrit, others do not
        facts["weight_kg"] = _fact(20 + (i * 5) % 60, "kg")
        facts["haematocrit_percent"] = _fact(25 + i % 10, "%")
    if modality == "PE":
        facts["pe_sessions"] = _fact(sessions)
        facts["pe_volume_ml_per_session"] = _fact(1000 + 250 * (i % 8), "mL")
    return {
        "case_id": case_id,
        "kind": "patient",
        "context": "car-t",
        "origin": origin,
        "modalities": [modality],
        "access": "full-text",
        "note": "SYNTHETIC case (generated by tests/benchmarks/synthetic.py)",
        "facts": facts,
        "measurements": meas,
        "events": events,
        "not_reported": ["car_product"],
    }


def add_synthetic_cases(repo: Path, n: int, seed: int = 7) -> None:
    if (repo / ".git").exists():
        raise RuntimeError("refusing to write SYNTHETIC data into a git checkout; use a temporary copy")
    raw = repo / "data" / "raw"
    rng = random.Random(seed)
    refs = json.loads((raw / "references.json").read_text(encoding="utf-8"))
    refs.append(
        {
            "id": SOURCE_ID,
            "type": "document",
            "title": "SYNTHETIC benchmark cases (not real data)",
            "author": [{"literal": "SYNTHETIC generator"}],
            "issued": {"date-parts": [[2099]]},
        }
    )
    refs.sort(key=lambda r: r["id"])
    (raw / "references.json").write_text(
        json.dumps(refs, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with open(raw / "sources.csv", "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(
            [SOURCE_ID, "case-series", "full-text", "", "weak", "", "SYNTHETIC benchmark source"]
        )
    cases = []
    for i in range(n):
        modality = rng.choice(["PE", "PE", "HF", "hemoadsorption"])
        trend = rng.choice(["fall", "fall", "rise"])
        cases.append(
            treated_patient(f"synthetic-{i + 1:05d}", i, modality, trend, censored=rng.random() < 0.15)
        )
    doc = {"source_id": SOURCE_ID, "cases": cases}
    text = "# SYNTHETIC benchmark extraction: generated by tests/benchmarks/synthetic.py\n"
    text += yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    (raw / "extractions" / f"{SOURCE_ID}.yaml").write_text(text, encoding="utf-8")
