"""Figures: the pure selection helpers, and byte-identical rendering from the real processed tables."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crsreview import (
    fig_common,
    fig_evidence_map,
    fig_pe_kinetics,
    fig_size_windows,
    fig_syndrome_cytokines,
    figstyle,
    tablesio,
)

ROOT = Path(__file__).resolve().parents[1]
PROCESSED = "data/processed"
MODULES = {
    "size-windows": (fig_size_windows, ("mediators", "purification_methods")),
    "syndrome-cytokines": (fig_syndrome_cytokines, ("syndrome_cytokines",)),
    "pe-kinetics": (fig_pe_kinetics, ("purification_methods", "cases", "facts")),
    "evidence-map": (fig_evidence_map, ("cases", "facts")),
}
TABLES = sorted({t for _, tables in MODULES.values() for t in tables})


# --------------------------------------------------------------------------------------------
# Pure helpers


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("dose_pv=1.0; printed 63.2%", (1.0, 1.0)),
        ("dose_pv=1.5", (1.5, 1.5)),
        ("dose_pv=0.9 (mean); single session", (0.9, 0.9)),
        ("dose_pv=1.0-1.5; printed: IgG falls", (1.0, 1.5)),
        ("after 3 PE sessions (cumulative)", None),
        ("printed 75 percent; dose_pv=1.4", None),  # must start the note
        ("dose_pv=abc", None),
        ("dose_pv=1.5-1.0", None),  # reversed range
        ("", None),
    ],
)
def test_parse_dose(note, expected):
    assert fig_pe_kinetics.parse_dose(note) == expected


def _pm(row_id, **kw):
    base = {
        "row_id": row_id,
        "modality": "TPE",
        "device_or_membrane": "not stated",
        "property": "removal_fraction",
        "mediator": "IgG",
        "value": "",
        "lower": "",
        "upper": "",
        "qualifier": "",
        "setting": "patients",
        "source_id": "src",
        "locator": "abstract",
        "flag": "seen",
        "note": "",
        "fact_ids": "",
    }
    base.update(kw)
    for col in ("value", "lower", "upper"):
        if base[col] and not kw.get("fact_ids"):
            base["fact_ids"] = "; ".join(filter(None, [base["fact_ids"], f"{row_id}.{col}"]))
    return base


def test_select_removals_keeps_dosed_tpe_rows_and_lists_the_rest():
    rows = [
        _pm("pm-a", value="0.632", setting="formula", note="dose_pv=1.0; printed 63.2%"),
        _pm("pm-b", lower="0.67", upper="0.75", note="dose_pv=1.0-1.5; range"),
        _pm("pm-c", value="0.82", note="after 3 PE sessions"),
        _pm("pm-d", value="0.95", modality="HF", note="dose_pv=1.0"),  # not TPE: ignored entirely
        _pm("pm-e", value="0.99", note="dose_pv=4.0"),
    ]
    prov = fig_common.Provenance()
    kept = fig_pe_kinetics.select_removals(rows, prov)
    assert [k.row["row_id"] for k in kept] == ["pm-a", "pm-b"]
    assert kept[1].centre == (1.25, 0.71)
    skipped = {item: why for (what, why), items in prov.skipped.items() for item in items}
    assert set(skipped) == {"pm-c", "pm-e"}
    assert "dose_pv" in skipped["pm-c"]
    assert prov.fact_ids == {"pm-a.value", "pm-b.lower", "pm-b.upper"}


def _facts(*rows):
    return {r[0]: {"fact_id": r[0], "value": r[1], "flag": r[2]} for r in rows}


def test_regimen_not_computable_without_weight_and_haematocrit():
    case = {"case_id": "x-1", "source_id": "x", "pe_sessions": "3", "pe_volume_ml_per_session": "3000"}
    facts = _facts(
        ("x-1.pe_sessions", "3", "computed"), ("x-1.pe_volume_ml_per_session", "3000", "unverified")
    )
    rg = fig_pe_kinetics.regimen(case, facts)
    assert rg.dose is None
    assert rg.reason == "not computable: body weight, haematocrit not reported"
    assert rg.text == "3 sessions, 3000 mL per session (unverified)"
    assert set(rg.fact_ids) == {"x-1.pe_sessions", "x-1.pe_volume_ml_per_session"}


def test_regimen_nr_fields_are_named_and_cited():
    case = {"case_id": "z", "source_id": "z", "pe_sessions": "NR", "pe_volume_ml_per_session": "NR"}
    facts = _facts(
        ("z.nr.pe_sessions", "", "not_reported"), ("z.nr.pe_volume_ml_per_session", "", "not_reported")
    )
    rg = fig_pe_kinetics.regimen(case, facts)
    assert rg.text == "sessions NR, volume NR"
    assert "exchange volume" in rg.reason
    assert set(rg.fact_ids) == {"z.nr.pe_sessions", "z.nr.pe_volume_ml_per_session"}


def test_regimen_computes_plasma_volumes_when_weight_and_hct_exist():
    case = {"case_id": "y", "source_id": "y", "pe_sessions": "1", "pe_volume_ml_per_session": "2800"}
    facts = _facts(
        ("y.pe_sessions", "1", "seen"),
        ("y.pe_volume_ml_per_session", "2800", "seen"),
        ("y.body_weight_kg", "80", "seen"),
        ("y.haematocrit", "50", "seen"),
    )
    rg = fig_pe_kinetics.regimen(case, facts)
    # plasma volume = 0.07 x 80 x (1 - 0.5) = 2.8 L; 2800 mL / 2.8 L = 1.0 plasma volume
    assert rg.dose == pytest.approx(1.0)
    assert {"y.body_weight_kg", "y.haematocrit"} <= set(rg.fact_ids)


def test_model_marks():
    assert fig_pe_kinetics.model(1.0) == pytest.approx(0.632, abs=5e-4)
    assert fig_pe_kinetics.model(1.5) == pytest.approx(0.777, abs=5e-4)


def _sc(row_id, **kw):
    base = {
        "row_id": row_id,
        "syndrome": "CAR-T CRS",
        "subgroup": "cohort",
        "severity": "",
        "analyte": "IL-6",
        "statistic": "median",
        "value": "10",
        "lower": "",
        "upper": "",
        "interval": "none",
        "unit": "pg/mL",
        "n": "",
        "specimen": "unspecified",
        "source_id": "s",
        "locator": "l",
        "flag": "seen",
        "note": "",
        "value_canonical": "10",
        "lower_canonical": "",
        "upper_canonical": "",
        "unit_canonical": "pg/mL",
        "conversion": "none",
        "fact_ids": f"{row_id}.value",
    }
    base.update(kw)
    return base


def test_syndrome_selection_excludes_sputum_differences_cutoffs_and_other_units():
    rows = [
        _sc("sc-keep"),
        _sc("sc-sputum", specimen="sputum"),
        _sc("sc-diff", statistic="mean_difference"),
        _sc("sc-cut", statistic="cutoff"),
        _sc("sc-units", unit="U/mL", unit_canonical="U/mL"),
        _sc(
            "sc-ferritin",
            analyte="ferritin (maximum)",
            unit="ng/mL",
            unit_canonical="ng/mL",
            flag="unverified",
        ),
        _sc(
            "sc-ci",
            statistic="pooled_mean",
            lower_canonical="5",
            upper_canonical="20",
            interval="95CI",
            fact_ids="sc-ci.value; sc-ci.lower; sc-ci.upper; sc-ci.n",
        ),
    ]
    prov = fig_common.Provenance()
    levels = fig_syndrome_cytokines.select(rows, prov)
    assert [lv.row["row_id"] for lv in levels] == ["sc-keep", "sc-ferritin", "sc-ci"]
    reasons = {item: (what, why) for (what, why), items in prov.skipped.items() for item in items}
    assert reasons["sc-sputum"][0] == "specimen sputum"
    assert reasons["sc-diff"][0] == "statistic mean_difference"
    assert reasons["sc-cut"][0] == "statistic cutoff"
    assert reasons["sc-units"][0] == "unit U/mL"
    # n is not drawn, so its fact is not cited
    assert "sc-ci.n" not in prov.fact_ids and "sc-ci.upper" in prov.fact_ids
    panels = fig_syndrome_cytokines.facets(levels)
    assert [(f, u) for f, u, _ in panels] == [("IL-6", "pg/mL"), ("ferritin", "ng/mL")]


def test_size_windows_merge_identical_statements_and_skip_reference_values():
    rows = [
        _pm(
            "pm-hf",
            modality="HF",
            property="cutoff_kda",
            device_or_membrane="convection",
            value="10",
            qualifier="~",
            setting="",
            source_id="icump2024",
        ),
        _pm(
            "pm-hdf",
            modality="HDF",
            property="cutoff_kda",
            device_or_membrane="convection",
            value="10",
            qualifier="~",
            setting="",
            source_id="icump2024",
        ),
        _pm(
            "pm-kidney",
            modality="HCO",
            property="cutoff_kda",
            device_or_membrane="reference value: native kidney",
            value="65",
        ),
        _pm("pm-tpe", modality="TPE", property="size_window_kda", device_or_membrane="any", lower="150"),
        _pm("pm-dpmas", modality="DPMAS", property="cutoff_kda", value="1"),
    ]
    prov = fig_common.Provenance()
    windows = fig_size_windows.select_windows(rows, prov)
    assert [(w.group, w.text()) for w in windows] == [("HF/HDF", "~10 kDa"), ("PE", "from 150 kDa")]
    assert sorted(windows[0].modalities) == ["HDF", "HF"]
    skipped = {item for items in prov.skipped.values() for item in items}
    assert skipped == {"pm-kidney", "pm-dpmas"}


def test_mediators_without_kda_and_sieving_without_mw_are_listed():
    meds = [
        {
            "row_id": "mw-a",
            "mediator": "IL-6",
            "form": "monomer",
            "mw_kda": "",
            "mw_kda_low": "19",
            "mw_kda_high": "26",
            "flag": "seen",
            "source_id": "s",
            "fact_ids": "mw-a.mw_kda_low; mw-a.mw_kda_high",
        },
        {
            "row_id": "mw-ic",
            "mediator": "immune complexes",
            "form": "oligomer",
            "mw_kda": "",
            "mw_kda_low": "",
            "mw_kda_high": "",
            "flag": "seen",
            "source_id": "s",
            "fact_ids": "",
        },
    ]
    prov = fig_common.Provenance()
    selected = fig_size_windows.select_mediators(meds, prov)
    assert list(selected) == ["IL-6"]
    assert fig_size_windows.mw_range(selected["IL-6"]) == (19.0, 26.0)
    sc = [
        _pm("pm-sc1", modality="HF", property="sieving_coefficient", mediator="IL-6", value="0.6"),
        _pm(
            "pm-sc2",
            modality="HF",
            property="sieving_coefficient",
            mediator="beta2-microglobulin",
            value="0.8",
        ),
    ]
    kept = fig_size_windows.select_sieving(sc, set(selected), prov)
    assert [s.row_id for s in kept] == ["pm-sc1"]
    items = {i for items in prov.skipped.values() for i in items}
    assert {"pm-sc2", "immune complexes (mw-ic)"} <= items


def test_evidence_map_availability_categories():
    facts = {
        "a.age_years": {"fact_id": "a.age_years", "flag": "seen"},
        "a.sex": {"fact_id": "a.sex", "flag": "unverified"},
        "a.nr.disease": {"fact_id": "a.nr.disease", "flag": "not_reported"},
        "c.age_years_median": {"fact_id": "c.age_years_median", "flag": "seen"},
    }
    patient = {"case_id": "a", "kind": "patient", "modality_group": "adsorption"}
    cohort = {"case_id": "c", "kind": "cohort", "modality_group": "PE"}
    av = fig_evidence_map.availability
    assert av(patient, "age_years", facts) == ("reported", ["a.age_years"])
    assert av(patient, "sex", facts) == ("unverified", ["a.sex"])
    assert av(patient, "disease", facts) == ("nr", ["a.nr.disease"])
    assert av(patient, "pe_sessions", facts) == ("na", [])
    assert av(patient, "deaths", facts) == ("na", [])
    assert av(patient, "car_target", facts) == ("missing", [])
    assert av(cohort, "age_years", facts) == ("summary", ["c.age_years_median"])
    assert av(cohort, "pe_sessions", facts) == ("missing", [])


def test_outcome_text_uses_death_count_for_cohorts():
    base = {"kind": "patient", "deaths": "", "outcome_status": "died on day +36"}
    assert fig_evidence_map.outcome_text(base) == "died"
    assert fig_evidence_map.outcome_text({**base, "outcome_status": "NR"}) == "NR"
    assert fig_evidence_map.outcome_text({**base, "outcome_status": ""}) == "—"
    assert (
        fig_evidence_map.outcome_text({"kind": "cohort", "deaths": "3", "outcome_status": ""}) == "deaths: 3"
    )


# SYNTHETIC case entries (not real data): enough of them to switch the evidence map to its
# aggregated mode. Contexts, technique groups and kinds cycle; flags and NR entries follow i.
_SYN_CONTEXTS = ("covid-19", "car-t")
_SYN_GROUPS = ("adsorption", "PE", "HF/HDF")


def _synthetic_cases(n: int) -> tuple[list[dict], dict[str, dict]]:
    """SYNTHETIC case rows and facts (by fact_id) for the evidence map; none describes a patient."""
    cases, facts = [], {}

    def fact(fid, flag="seen"):
        facts[fid] = {"fact_id": fid, "flag": flag}

    for i in range(n):
        cid = f"synthetic-{i:04d}"
        kind = "cohort" if i % 5 == 0 else "patient"
        group = _SYN_GROUPS[i % 3]
        cases.append(
            {
                "case_id": cid,
                "source_id": "synthetic2099",
                "kind": kind,
                "n": "12" if kind == "cohort" else "1",
                "context": _SYN_CONTEXTS[i % 2],
                "modality_group": group,
                "modalities": {"PE": "TPE", "HF/HDF": "HF", "adsorption": "HA330"}[group],
                "crs_grade_max": "3",
                "deaths": "2" if kind == "cohort" else "",
                "outcome_status": "alive (SYNTHETIC)",
            }
        )
        if kind == "cohort":
            fact(f"{cid}.age_years_median")  # a cohort summary only
            fact(f"{cid}.deaths")
        else:
            fact(f"{cid}.age_years")
        fact(f"{cid}.sex", "unverified" if i % 4 == 0 else "seen")
        if i % 7 == 0:
            fact(f"{cid}.nr.disease", "not_reported")
        fact(f"{cid}.crs_grade_max", "computed")
        fact(f"{cid}.outcome_status")
        if i % 11 == 0:
            fact(f"{cid}.pe_sessions")  # a PE field given for an entry that may not be PE
    return cases, facts


def _grid(cases, facts):
    return [
        [fig_evidence_map.availability(c, f, facts)[0] for f in fig_evidence_map.CASE_CORE_FIELDS]
        for c in cases
    ]


def test_evidence_map_switches_to_aggregated_only_above_max_rows():
    m = fig_evidence_map
    assert m.mode_for(0) == m.mode_for(15) == m.mode_for(m.MAX_ROWS) == "per-entry"
    assert m.mode_for(m.MAX_ROWS + 1) == m.mode_for(2200) == "aggregated"
    # The largest per-entry map still fits the page, without shrinking rows to the floor.
    row_h = figstyle.row_height(m.ROW_H, m.MAX_ROWS, m.HEADER_H + m.LEGEND_H, minimum=0.14)
    assert row_h > 0.14
    assert m.HEADER_H + m.MAX_ROWS * row_h + m.LEGEND_H <= figstyle.MAX_HEIGHT + 1e-9


def test_evidence_map_summary_lookup_with_sorted_ids_matches_the_scan():
    _, facts = _synthetic_cases(30)  # SYNTHETIC
    facts["synthetic-0000.age_years_iqr"] = {"fact_id": "synthetic-0000.age_years_iqr", "flag": "seen"}
    facts["synthetic-00000.age_years_mean"] = {"fact_id": "synthetic-00000.age_years_mean", "flag": "seen"}
    ids = sorted(facts)
    case = {"case_id": "synthetic-0000", "kind": "cohort", "modality_group": "PE"}
    for fname in fig_evidence_map.CASE_CORE_FIELDS:
        assert fig_evidence_map.availability(case, fname, facts, ids) == fig_evidence_map.availability(
            case, fname, facts
        )
    assert fig_evidence_map.availability(case, "age_years", facts, ids) == (
        "summary",
        ["synthetic-0000.age_years_iqr", "synthetic-0000.age_years_median"],
    )


def test_evidence_map_aggregate_groups_in_map_order_with_counts():
    cases, facts = _synthetic_cases(fig_evidence_map.MAX_ROWS + 20)  # SYNTHETIC, above MAX_ROWS
    cases = fig_evidence_map.order_cases(cases)
    grid = _grid(cases, facts)
    groups = fig_evidence_map.aggregate(cases, grid)

    expected_keys = [
        (ctx, grp, kind)
        for ctx in ("car-t", "covid-19")
        for grp in ("PE", "HF/HDF", "adsorption")
        for kind in ("patient", "cohort")
    ]
    assert [(g.context, g.modality_group, g.kind) for g in groups] == expected_keys
    assert sorted(cid for g in groups for cid in g.case_ids) == sorted(c["case_id"] for c in cases)
    fields = list(fig_evidence_map.CASE_CORE_FIELDS)
    for g in groups:
        members = [
            c
            for c in cases
            if (c["context"], c["modality_group"], c["kind"]) == (g.context, g.modality_group, g.kind)
        ]
        assert g.case_ids == [c["case_id"] for c in members]  # map order within the group
        ids = [c["case_id"] for c in members]
        assert g.with_nr == sum(f"{i}.nr.disease" in facts for i in ids)
        assert g.with_unverified == sum(facts[f"{i}.sex"]["flag"] == "unverified" for i in ids)
        j = fields.index
        # age: a value (or, for cohorts, a summary) for every entry
        assert (g.with_value(j("age_years")), g.applicable(j("age_years"))) == (g.n, g.n)
        assert g.counts[j("age_years")]["summary"] == (g.n if g.kind == "cohort" else 0)
        assert g.counts[j("sex")]["unverified"] == g.with_unverified
        assert g.counts[j("disease")]["nr"] == g.with_nr
        assert g.with_value(j("disease")) == 0 and g.applicable(j("disease")) == g.n
        # deaths: only cohorts; PE fields: PE entries, plus any entry that reports one anyway
        assert g.applicable(j("deaths")) == (g.n if g.kind == "cohort" else 0)
        pe_values = sum(f"{i}.pe_sessions" in facts for i in ids)
        assert g.with_value(j("pe_sessions")) == pe_values
        assert g.applicable(j("pe_sessions")) == (g.n if g.modality_group == "PE" else pe_values)
        assert g.applicable(j("pe_start_day")) == (g.n if g.modality_group == "PE" else 0)
        assert g.patients == (12.0 * g.n if g.kind == "cohort" else g.n)
    assert sum(g.n for g in groups) == len(cases)


def test_evidence_map_labels_fit_or_split():
    m = fig_evidence_map
    size, split = m.fit_labels(["3/12", "0/1"], m.AGG_CELL_W)
    assert not split and 4.5 <= size <= 5.5
    size, split = m.fit_labels(["2185/2185"], m.AGG_CELL_W - 0.024)
    assert split and size >= 3.5
    assert m.share_text(2185, 2185, split) == "2185/\n2185" and m.share_text(3, 12) == "3/12"


def _write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


SYNTHETIC_SIZES = (fig_evidence_map.MAX_ROWS, fig_evidence_map.MAX_ROWS + 1, 2200)

_SYNTHETIC_RENDER = """
import sys
from pathlib import Path
from crsreview import fig_common, fig_evidence_map
for d in sys.argv[1:]:
    files = {ext: Path(d, f"evidence-map.{ext}") for ext in ("svg", "png", "json")}
    fig_common.make_figure(
        fig_evidence_map, {"cases": Path(d, "cases.csv"), "facts": Path(d, "facts.csv")}, files, 40, "test"
    )
"""


@pytest.fixture(scope="module")
def synthetic_maps(tmp_path_factory) -> Path:
    """SYNTHETIC evidence maps at and above MAX_ROWS, drawn in a separate interpreter.

    (Rendering here would change this process's heap, and with it the last bits of the
    constrained-layout solution that the byte-identity test below compares across processes.)
    """
    root = tmp_path_factory.mktemp("synthetic-maps")
    for n in SYNTHETIC_SIZES:
        cases, facts = _synthetic_cases(n)
        _write_csv(root / f"n{n}" / "cases.csv", cases)
        _write_csv(root / f"n{n}" / "facts.csv", list(facts.values()))
    result = subprocess.run(
        [sys.executable, "-c", _SYNTHETIC_RENDER, *(f"n{n}" for n in SYNTHETIC_SIZES)],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "workflow" / "lib")},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root


@pytest.mark.parametrize("n", SYNTHETIC_SIZES)
def test_evidence_map_renders_per_entry_up_to_max_rows_then_aggregated(synthetic_maps, n):
    cases, facts = _synthetic_cases(n)  # SYNTHETIC
    out = synthetic_maps / f"n{n}"
    doc = json.loads((out / "evidence-map.json").read_text(encoding="utf-8"))
    # Every entry's facts are cited (here: all of them, as every synthetic fact is a core field).
    assert doc["fact_ids"] == sorted(facts)
    assert doc["source_ids"] == ["synthetic2099"]
    assert doc["cell_counts"]["nr"] == sum(1 for f in facts if ".nr." in f)
    assert doc["outputs"]["svg"] == "evidence-map.svg" and (out / "evidence-map.svg").stat().st_size
    png = (out / "evidence-map.png").read_bytes()
    assert png[12:16] == b"IHDR" and int.from_bytes(png[20:24], "big") / 40 <= figstyle.MAX_HEIGHT + 0.05
    if n <= fig_evidence_map.MAX_ROWS:
        assert "mode" not in doc and doc["title"] == fig_evidence_map.TITLE
        assert doc["rows"] == [c["case_id"] for c in fig_evidence_map.order_cases(cases)]
        return
    assert doc["mode"] == "aggregated" and doc["n_entries"] == n
    assert doc["title"] == fig_evidence_map.AGGREGATED_TITLE
    assert doc["max_rows"] == fig_evidence_map.MAX_ROWS
    assert any(isinstance(t, str) and "aggregated" in t and f"{n} case entries" in t for t in doc["notes"])
    assert len(doc["rows"]) == len(doc["groups"]) == 12
    assert sorted(cid for g in doc["groups"] for cid in g["case_ids"]) == sorted(c["case_id"] for c in cases)
    assert sum(g["n_entries"] for g in doc["groups"]) == n


def test_sidecar_is_sorted_relative_and_rejects_outside_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text("a\n1\n", encoding="utf-8")
    doc = figstyle.write_sidecar(
        Path("out.json"),
        "figX",
        "t",
        "workflow/scripts/x.py",
        {"t": tmp_path / "in.csv"},
        ["b.value", "a.value", "a.value"],
        ["s2", "s1"],
        ["note"],
    )
    assert doc["fact_ids"] == ["a.value", "b.value"] and doc["source_ids"] == ["s1", "s2"]
    assert doc["inputs"]["t"]["path"] == "in.csv"
    text = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    with pytest.raises(ValueError, match="relative"):
        figstyle.write_sidecar(Path("o2.json"), "f", "t", "/elsewhere/x.py", {}, [], [], [])


def test_fmt_is_short_and_plain():
    assert [fig_common.fmt(v) for v in (0.05, 3.0, 15.0, 66.439, 450.0, 0.001)] == [
        "0.05",
        "3",
        "15",
        "66.4",
        "450",
        "0.001",
    ]


# --------------------------------------------------------------------------------------------
# Rendering from the real processed tables


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    """A temporary copy of the repository with the processed tables built by Snakemake."""
    repo = tmp_path_factory.mktemp("figs") / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "processed", ".snakemake")
    for item in ("workflow", "config", "envs"):
        shutil.copytree(ROOT / item, repo / item, ignore=ignore)
    shutil.copytree(ROOT / "data" / "raw", repo / "data" / "raw", ignore=ignore)
    shutil.copy2(ROOT / "Snakefile", repo / "Snakefile")
    targets = [f"{PROCESSED}/{t}.csv" for t in TABLES]
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *targets, "--quiet", "all"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return repo


def _outputs(out_dir: str, name: str) -> dict[str, str]:
    return {ext: f"{out_dir}/{name}.{ext}" for ext in ("svg", "png", "json")}


def _inputs(tables) -> dict[str, str]:
    return {t: f"{PROCESSED}/{t}.csv" for t in tables}


_SUBPROCESS_RENDER = """
import sys
sys.path.insert(0, "workflow/lib")
from crsreview import fig_common, fig_evidence_map, fig_pe_kinetics, fig_size_windows, fig_syndrome_cytokines
mods = {m.FIGURE_ID: m for m in (fig_size_windows, fig_syndrome_cytokines, fig_pe_kinetics, fig_evidence_map)}
for name, spec in __import__("json").loads(sys.argv[1]).items():
    fig_common.make_figure(mods[name], spec["inputs"], spec["outputs"], spec["dpi"], spec["hashsalt"])
"""


def _render_in_fresh_processes(processed: Path, out: str, seed: str) -> None:
    """Draw each figure in its own new interpreter, as the build's figure jobs do.

    (Drawing several figures in one process can shift clip-path ids in size-windows.svg: its
    automatic layout depends on float rounding that varies with the process's history.)
    """
    build = yaml.safe_load((processed / "config" / "config.yaml").read_text(encoding="utf-8"))["build"]
    for name, (_, tables) in MODULES.items():
        spec = {
            name: {
                "inputs": _inputs(tables),
                "outputs": _outputs(out, name),
                "dpi": build["png_dpi"],
                "hashsalt": build["svg_hashsalt"],
            }
        }
        result = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS_RENDER, json.dumps(spec)],
            cwd=processed,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def rendered(processed) -> Path:
    """Render A: every figure drawn in a fresh process (hash seed 1) into <repo>/out-a."""
    _render_in_fresh_processes(processed, "out-a", "1")
    return processed


def test_figures_are_byte_identical_across_processes(rendered):
    processed = rendered
    # Render B: fresh interpreters again, another hash seed.
    _render_in_fresh_processes(processed, "out-b", "7")

    known_facts = {r["fact_id"] for r in tablesio.read(processed / PROCESSED / "facts.csv")}
    for name in MODULES:
        for ext in ("svg", "png", "json"):
            a = (processed / "out-a" / f"{name}.{ext}").read_bytes()
            b = (processed / "out-b" / f"{name}.{ext}").read_bytes()
            assert a == b, f"{name}.{ext} differs between two renders"
        svg = (processed / "out-a" / f"{name}.svg").read_text(encoding="utf-8")
        assert "<dc:date>" not in svg
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d", svg), f"{name}.svg contains a date"
        png = (processed / "out-a" / f"{name}.png").read_bytes()
        assert b"Software" not in png
        sidecar_text = (processed / "out-a" / f"{name}.json").read_text(encoding="utf-8")
        for text in (svg, sidecar_text):
            assert str(processed) not in text and str(ROOT) not in text and "/tmp/" not in text
        sidecar = json.loads(sidecar_text)
        assert sidecar["figure"] == name
        assert sidecar["fact_ids"], f"{name} cites no facts"
        assert not set(sidecar["fact_ids"]) - known_facts, f"{name} cites facts missing from facts.csv"
        assert all(not Path(v["path"]).is_absolute() for v in sidecar["inputs"].values())
        assert set(sidecar["inputs"]) == set(MODULES[name][1])


def test_sidecars_list_what_is_not_plotted(rendered):
    side = {
        name: json.loads((rendered / "out-a" / f"{name}.json").read_text(encoding="utf-8"))
        for name in MODULES
    }

    def items(name, what_prefix):
        return {
            i
            for n in side[name]["notes"]
            if isinstance(n, dict) and n["not_plotted"].startswith(what_prefix)
            for i in n["items"]
        }

    assert any(i.startswith("immune complexes") for i in items("size-windows", "mediator"))
    assert items("syndrome-cytokines", "specimen sputum")
    assert items("syndrome-cytokines", "statistic mean_difference")
    pe = {c["case_id"]: c for c in side["pe-kinetics"]["pe_cases"]}
    assert pe and all(
        c["plasma_volumes"] is None and c["status"].startswith("not computable") for c in pe.values()
    )
    cases = {c["case_id"] for c in tablesio.read(rendered / PROCESSED / "cases.csv")}
    assert sorted(side["evidence-map"]["rows"]) == sorted(cases)
