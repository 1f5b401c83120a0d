"""The case-series analysis and its two figures through the real DAG, on SYNTHETIC extractions.

Each state is written by test code into a temporary copy of the repository (never into
data/raw) and built once per session (ledger, tables and every figure; the manuscript is the
narrative's state matrix):
- `none`: no treated CAR-T patient at all (every CAR-T patient entry removed);
- `two`: two SYNTHETIC patients, one PE (falling cytokines) and one HF (rising);
- `full`: the review's complete extraction shaped as the authors would give it - the
  institutional placeholder `<review>-inst` replaced by `<review>-inst-1..3` (origin
  institutional) and 19 SYNTHETIC literature patients, PE and HF/HDF, falling and rising
  cytokines, censored values, other units, symptoms and timelines.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
import yaml

from crsreview import caseseries

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
import build_helpers  # noqa: E402
import synthetic  # noqa: E402

REVIEW = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))["paper"]["follows"][
    "source_id"
]
FIGURES = ["case-cytokines", "case-timelines", "evidence-map", "pe-kinetics"]
TARGETS = [
    "data/processed/numbers.json",
    "manuscript/tables/tables.json",
    *(f"figures/{f}.{ext}" for f in FIGURES for ext in ("svg", "png", "json")),
]


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, doc: dict) -> None:
    text = "# SYNTHETIC test state written by tests/test_caseseries_build.py\n"
    path.write_text(text + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _drop_car_t_patients(raw: Path) -> None:
    """Remove every CAR-T patient entry (SYNTHETIC state of 'no treated patient yet')."""
    for path in sorted((raw / "extractions").glob("*.yaml")):
        doc = _load(path)
        kept = [c for c in doc["cases"] if not (c["context"] == "car-t" and c["kind"] == "patient")]
        if not kept:
            path.unlink()  # an extraction must list an entry; the source stays in sources.csv
        elif len(kept) != len(doc["cases"]):
            doc["cases"] = kept
            _dump(path, doc)


def _add_to_review(raw: Path, patients: list[dict], replace_placeholder: bool) -> None:
    path = raw / "extractions" / f"{REVIEW}.yaml"
    doc = _load(path)
    if replace_placeholder:
        doc["cases"] = [c for c in doc["cases"] if c["case_id"] != f"{REVIEW}-inst"]
    doc["cases"] += patients
    _dump(path, doc)


def _state_two(raw: Path) -> None:
    _drop_car_t_patients(raw)
    synthetic.add_synthetic_cases(raw.parents[1], 0)  # registers the SYNTHETIC source
    _write_synthetic(
        raw,
        [
            synthetic.treated_patient("synthetic-00001", 1, "PE", "fall"),
            synthetic.treated_patient("synthetic-00002", 2, "HF", "rise"),
        ],
    )


def _state_full(raw: Path) -> None:
    _drop_car_t_patients(raw)
    inst = [
        synthetic.treated_patient(f"{REVIEW}-inst-{k}", k, "PE", "fall", origin="institutional")
        for k in (1, 2, 3)
    ]
    _add_to_review(raw, inst, replace_placeholder=True)
    synthetic.add_synthetic_cases(raw.parents[1], 0)
    lit = []
    for i in range(4, 23):  # 19 literature patients: 14 PE, 5 HF/HDF
        modality = "PE" if i <= 17 else ("HF" if i % 2 else "HDF")
        trend = "rise" if i in (9, 20) else "fall"
        lit.append(synthetic.treated_patient(f"synthetic-{i:05d}", i, modality, trend, censored=i % 5 == 0))
    _write_synthetic(raw, lit)


def _write_synthetic(raw: Path, cases: list[dict]) -> None:
    doc = {"source_id": synthetic.SOURCE_ID, "cases": cases}
    _dump(raw / "extractions" / f"{synthetic.SOURCE_ID}.yaml", doc)


STATES = {"none": _drop_car_t_patients, "two": _state_two, "full": _state_full}


@pytest.fixture(scope="session")
def built_states(tmp_path_factory) -> dict[str, Path]:
    """Each SYNTHETIC state built once per session through the real DAG."""
    out = {}
    for name, write in STATES.items():
        repo = build_helpers.fresh_copy(tmp_path_factory.mktemp(f"cs-{name}") / "repo")
        write(repo / "data" / "raw")
        result = build_helpers.snakemake(repo, *TARGETS)
        assert result.returncode == 0, f"state {name}:\n{result.stderr[-4000:]}"
        out[name] = repo
    return out


def numbers(repo: Path) -> dict:
    return json.loads((repo / "data/processed/numbers.json").read_text(encoding="utf-8"))["numbers"]


def sidecar(repo: Path, name: str) -> dict:
    return json.loads((repo / "figures" / f"{name}.json").read_text(encoding="utf-8"))


def test_no_treated_patient_gives_reasons_not_numbers(built_states):
    n = numbers(built_states["none"])
    for g in ("pe", "hf_hdf"):
        assert n[f"cs.{g}.patients"]["value"] == 0
        assert n[f"cs.{g}.paired_analytes"]["value"] == []
        assert n[f"cs.{g}.first_pe_day.median"]["status"] == "insufficient"
    assert n["cs.groups"]["value"] == []
    assert sidecar(built_states["none"], "case-cytokines")["panels"] == []
    tl = sidecar(built_states["none"], "case-timelines")
    assert tl["rows"] == [] and tl["fact_ids"] == []


def test_two_patients_are_counted_but_not_tested(built_states):
    n = numbers(built_states["two"])
    assert n["cs.pe.patients"]["value"] == 1 and n["cs.hf_hdf.patients"]["value"] == 1
    assert n["cs.pe.il_6.pairs"]["value"] == 1
    assert n["cs.pe.il_6.change_median"]["value"] < 0 < n["cs.hf_hdf.il_6.change_median"]["value"]
    assert n["cs.pe.il_6.test_p"]["status"] == "insufficient"
    assert "1 pair" in n["cs.pe.il_6.test_p"]["text"] and "at least 5" in n["cs.pe.il_6.test_p"]["text"]
    assert n["cs.pe.il_6.direction"]["value"] == "unclear"
    cyto = sidecar(built_states["two"], "case-cytokines")
    assert {p["analyte"] for p in cyto["panels"]} >= {"IL-6", "IFN-gamma", "ferritin"}
    il6 = next(p for p in cyto["panels"] if p["analyte"] == "IL-6")
    assert {p["group"] for p in il6["pairs"]} == {"PE", "HF/HDF"}
    # the earlier pre value and the later post value are left out, with the pairing reason
    reasons = {n_["reason"]: n_["items"] for n_ in cyto["notes"] if isinstance(n_, dict)}
    assert (
        "synthetic-00001.m1" in reasons[next(r for r in reasons if r.startswith("not chosen by the pairing"))]
    )
    tl = sidecar(built_states["two"], "case-timelines")
    assert tl["rows"] == ["synthetic-00001", "synthetic-00002"]  # configured group order: PE, HF/HDF
    assert tl["events_per_patient"]["synthetic-00001"]


def test_complete_extraction_gives_tests_symptoms_regimen_outcomes(built_states):
    n = numbers(built_states["full"])
    assert n["cs.pe.patients"]["value"] == 17 and n["cs.hf_hdf.patients"]["value"] == 5
    assert n["cs.groups"]["value"] == ["pe", "hf_hdf"]
    assert n["cs.pe.paired_analytes"]["value"][0] in ("il_6", "ferritin")
    il6 = {k.rsplit(".", 1)[1]: v for k, v in n.items() if k.startswith("cs.pe.il_6.")}
    assert il6["pairs"]["value"] == 17 and il6["test_p"]["status"] == "ok"
    assert "Wilcoxon signed-rank" in il6["test_p"]["formula"]
    assert il6["direction"]["value"] == "fall"
    assert n["cs.pe.ferritin.direction"]["value"] == "rise"  # one analyte whatever the patients' units
    assert n["cs.pe.ifn_gamma.censored"]["value"] >= 1
    assert n["cs.pe.ifn_gamma.pairs"]["value"] + n["cs.pe.ifn_gamma.censored"]["value"] == 17
    assert n["cs.hf_hdf.il_6.pairs"]["value"] == 5 and n["cs.hf_hdf.il_6.test_p"]["status"] == "ok"
    for sym in ("fever", "crs_grade", "vasopressors", "icans"):
        assert 0 < n[f"cs.pe.{sym}.responders"]["value"] <= n[f"cs.pe.{sym}.eligible"]["value"]
    assert n["cs.pe.sessions.n"]["value"] == 17 and n["cs.pe.first_pe_day.n"]["value"] == 17
    assert n["cs.pe.onset_to_pe.median"]["status"] == "ok"
    assert 0 < n["cs.pe.plasma_volumes.n"]["value"] < 17
    died = n["cs.pe.outcome.died"]["value"]
    assert died > 0 and n["cs.pe.outcome.survived"]["value"] + died == 17
    # the replaced placeholder: the review's institutional patients are now patients
    nr = n["review.cases.institutional.not_reported"]
    assert nr["value"] == 3 and nr["fact_ids"] == [f"{REVIEW}-inst-{k}.nr.car_product" for k in (1, 2, 3)]
    assert n["review.cases.institutional"]["value"] == 3
    assert not any(k.startswith("pe.car_t.cytokine_change") for k in n)


def test_complete_extraction_figures_list_what_they_draw_and_leave_out(built_states):
    repo = built_states["full"]
    cyto = sidecar(repo, "case-cytokines")
    il6 = next(p for p in cyto["panels"] if p["analyte"] == "IL-6")
    assert len(il6["pairs"]) == 22 and il6["during"]
    ifng = next(p for p in cyto["panels"] if p["analyte"] == "IFN-gamma")
    assert any(p["censored"] for p in ifng["pairs"])
    notes = [x for x in cyto["notes"] if isinstance(x, dict)]
    assert any("symptom course" in x["reason"] for x in notes)
    with open(repo / "data/processed/facts.csv", encoding="utf-8") as fh:
        facts = {r["fact_id"] for r in csv.DictReader(fh)}
    assert set(cyto["fact_ids"]) <= facts and set(cyto["fact_ids"])
    tl = sidecar(repo, "case-timelines")
    assert len(tl["rows"]) == 22 and "mode" not in tl
    assert all(tl["events_per_patient"][c] for c in tl["rows"])


def test_timeline_summarises_above_the_configured_number(built_states, tmp_path):
    repo = build_helpers.copy_built(built_states["full"], tmp_path / "repo")
    cfg = repo / "config" / "config.yaml"
    text = cfg.read_text(encoding="utf-8")
    assert "max_timeline_patients: 40" in text
    cfg.write_text(text.replace("max_timeline_patients: 40", "max_timeline_patients: 10"), encoding="utf-8")
    result = build_helpers.snakemake(repo, "figures/case-timelines.json")
    assert result.returncode == 0, result.stderr[-3000:]
    tl = sidecar(repo, "case-timelines")
    assert tl["mode"] == "summary" and len(tl["rows"]) == 22
    assert sorted(tl["summary"]) == ["HF/HDF", "PE"] and len(tl["summary"]["PE"]["sessions"]) == 17


def test_settings_defaults_come_from_the_schema():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8"))
    props = schema["properties"]["analysis"]["properties"]
    assert all("description" in v and "default" in v for v in props.values())
    s = caseseries.Settings.from_config({k: v["default"] for k, v in props.items()}, REVIEW)
    assert s.min_pairs_for_test == 5 and s.fever_threshold_c == 38.0
