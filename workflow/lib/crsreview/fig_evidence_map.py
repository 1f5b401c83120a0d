"""Figure 4, evidence map: every case entry, what it reports and what it does not.

One row per entry of cases.csv (CAR-T entries first, then COVID-19 comparators; PE first
within each). Text columns: technique group, context, kind and n, maximum CRS grade, outcome.
A strip shows, for each core field, whether a value was extracted (and with which flag),
whether the source was checked and the field is not reported (NR), or whether nothing was
extracted. PE-specific fields are 'not applicable' to entries without PE, and a cohort's
death count to single patients.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from matplotlib.patches import Patch, Rectangle

from . import figstyle, tablesio
from .analysis import outcome_class
from .clean import CASE_CORE_FIELDS
from .fig_common import NR, Provenance

FIGURE_ID = "fig4-evidence-map"
TITLE = "Evidence map: case entries and the data each reports"

CONTEXT_ORDER = ("car-t", "covid-19")
CONTEXT_LABELS = {"car-t": "CAR-T", "covid-19": "COVID-19"}
GROUP_ORDER = ("PE", "HF/HDF", "adsorption", "other/unspecified")
PE_FIELDS = frozenset({"pe_sessions", "pe_volume_ml_per_session", "pe_start_day"})
COHORT_FIELDS = frozenset({"deaths"})

FIELD_LABELS = {
    "age_years": "age",
    "sex": "sex",
    "disease": "disease",
    "car_target": "CAR target",
    "crs_grade_max": "max CRS grade",
    "tocilizumab_doses": "tocilizumab doses",
    "pe_sessions": "PE sessions",
    "pe_volume_ml_per_session": "PE volume/session",
    "pe_start_day": "PE start day",
    "purification_start_day": "purification start day",
    "deaths": "deaths (cohort)",
    "outcome_status": "outcome",
}

# Availability categories, in legend order: (key, label, face colour, hatch, edge colour).
CATEGORIES = (
    ("reported", "reported (seen or computed)", figstyle.OKABE_ITO["blue"], "", figstyle.OKABE_ITO["blue"]),
    ("unverified", "reported, unverified value", "white", "//////", figstyle.OKABE_ITO["blue"]),
    ("summary", "reported as a cohort summary (e.g. median)", figstyle.OKABE_ITO["sky"], "", figstyle.OKABE_ITO["sky"]),
    ("nr", "not reported by the source (NR)", figstyle.OKABE_ITO["orange"], "", figstyle.OKABE_ITO["orange"]),
    ("missing", "not extracted", figstyle.LIGHT_GREY, "", figstyle.LIGHT_GREY),
    ("na", "not applicable", "white", "", "#BBBBBB"),
)
CATEGORY_KEYS = tuple(c[0] for c in CATEGORIES)


def availability(case: dict, fname: str, facts_by_id: dict) -> tuple[str, list[str]]:
    """Category of one core field of one case entry, and the fact ids behind it."""
    cid = case["case_id"]
    fact = facts_by_id.get(f"{cid}.{fname}")
    if fact is not None:
        return ("unverified" if fact["flag"] == "unverified" else "reported"), [fact["fact_id"]]
    if f"{cid}.nr.{fname}" in facts_by_id:
        return "nr", [f"{cid}.nr.{fname}"]
    if fname in PE_FIELDS and case["modality_group"] != "PE":
        return "na", []
    if fname in COHORT_FIELDS and case["kind"] == "patient":
        return "na", []
    summary = sorted(f for f in facts_by_id if f.startswith(f"{cid}.{fname}_"))
    if summary:
        return "summary", summary
    return "missing", []


def order_cases(cases: list[dict]) -> list[dict]:
    def key(c):
        ctx = CONTEXT_ORDER.index(c["context"]) if c["context"] in CONTEXT_ORDER else len(CONTEXT_ORDER)
        grp = GROUP_ORDER.index(c["modality_group"]) if c["modality_group"] in GROUP_ORDER else len(GROUP_ORDER)
        return (ctx, c["context"], grp, c["case_id"])

    return sorted(cases, key=key)


def kind_text(case: dict) -> str:
    return "patient" if case["kind"] == "patient" else f"{case['kind']}, n = {case['n']}"


def grade_text(case: dict) -> str:
    value = case["crs_grade_max"].strip()
    if not value:
        return "—"
    return textwrap.shorten(value, 30, placeholder="…")


def outcome_text(case: dict) -> str:
    """Outcome class (same rule as the ledger) or the cohort's death count."""
    if case["kind"] != "patient" and case["deaths"].strip() not in ("", NR):
        return f"deaths: {case['deaths']}"
    status = case["outcome_status"].strip()
    if status == NR:
        return "NR"
    if not status:
        return "—"
    return outcome_class(status)


def make(inputs: dict[str, Path], outputs: dict[str, Path], dpi: int, hashsalt: str, script: str) -> dict:
    figstyle.apply(hashsalt)
    cases = order_cases(tablesio.read(Path(inputs["cases"])))
    facts_by_id = {f["fact_id"]: f for f in tablesio.read(Path(inputs["facts"]))}
    prov = Provenance()

    grid: list[list[str]] = []
    for c in cases:
        row = []
        for fname in CASE_CORE_FIELDS:
            cat, fids = availability(c, fname, facts_by_id)
            row.append(cat)
            prov.use(fids, [c["source_id"]])
        grid.append(row)
        prov.use([f for f in (f"{c['case_id']}.deaths", f"{c['case_id']}.outcome_status",
                              f"{c['case_id']}.crs_grade_max") if f in facts_by_id], [c["source_id"]])

    n_rows = len(cases)
    row_h = 0.2
    height = n_rows * row_h + 2.2
    fig = figstyle.figure(figstyle.DOUBLE_COLUMN, height)
    gs = fig.add_gridspec(2, 2, width_ratios=[1.55, 1.0], height_ratios=[n_rows * row_h + 1.1, 0.7], wspace=0.0)
    tax = fig.add_subplot(gs[0, 0])
    gax = fig.add_subplot(gs[0, 1], sharey=tax)
    lax = fig.add_subplot(gs[1, :])
    lax.axis("off")

    # Text table (left).
    columns = [("entry", 0.0), ("technique", 0.22), ("context", 0.40), ("kind / n", 0.52), ("max CRS grade", 0.68),
               ("outcome", 0.90)]
    tax.set_xlim(0, 1.04)
    tax.set_ylim(n_rows - 0.5, -1.6)
    tax.axis("off")
    for label, x in columns:
        tax.text(x, -0.9, label, ha="left", va="bottom", fontsize=figstyle.BASE_SIZE, fontweight="bold")
    tax.plot([0, 1.04], [-0.7, -0.7], color="#333333", lw=0.6, clip_on=False)
    prev_ctx = None
    for i, c in enumerate(cases):
        if i % 2 == 0:
            tax.add_patch(Rectangle((0, i - 0.5), 1.04, 1.0, color="#F5F5F5", lw=0, zorder=0))
            gax.add_patch(Rectangle((-0.5, i - 0.5), len(CASE_CORE_FIELDS), 1.0, color="#F5F5F5", lw=0, zorder=0))
        if prev_ctx is not None and c["context"] != prev_ctx:
            tax.plot([0, 1.04], [i - 0.5, i - 0.5], color="#333333", lw=0.8)
        prev_ctx = c["context"]
        colour = figstyle.MODALITY_COLOURS.get(c["modality_group"], figstyle.GREY)
        tax.add_patch(Rectangle((0.215, i - 0.33), 0.012, 0.66, color=colour, lw=0))
        cells = [
            (c["case_id"], 0.0),
            (f"{c['modality_group']}  ({c['modalities'].replace(';', ' + ')})", 0.232),
            (CONTEXT_LABELS.get(c["context"], c["context"]), 0.40),
            (kind_text(c), 0.52),
            (grade_text(c), 0.68),
            (outcome_text(c), 0.90),
        ]
        for text, x in cells:
            tax.text(x, i, textwrap.shorten(text, 36, placeholder="…"), ha="left", va="center",
                     fontsize=figstyle.SMALL_SIZE + 0.5)

    # Availability grid (right).
    styles = {c[0]: c for c in CATEGORIES}
    for i, row in enumerate(grid):
        for j, cat in enumerate(row):
            _, _, face, hatch, edge = styles[cat]
            gax.add_patch(Rectangle((j - 0.42, i - 0.38), 0.84, 0.76, facecolor=face, hatch=hatch, edgecolor=edge,
                                    lw=0.6, zorder=2))
    gax.set_xlim(-0.5, len(CASE_CORE_FIELDS) - 0.5)
    gax.set_xticks(range(len(CASE_CORE_FIELDS)))
    gax.set_xticklabels([FIELD_LABELS.get(f, f) for f in CASE_CORE_FIELDS], rotation=50, ha="left",
                        rotation_mode="anchor", fontsize=figstyle.SMALL_SIZE + 0.5)
    gax.xaxis.tick_top()
    gax.tick_params(axis="x", length=0, pad=2)
    gax.tick_params(axis="y", left=False, labelleft=False)
    for side in ("left", "bottom", "top", "right"):
        gax.spines[side].set_visible(False)

    used = [c for c in CATEGORIES if any(c[0] in row for row in grid)]
    handles = [Patch(facecolor=face, hatch=hatch, edgecolor=edge, lw=0.6, label=label)
               for _, label, face, hatch, edge in used]
    leg = lax.legend(handles=handles, title="core field availability", loc="upper left", ncols=3, bbox_to_anchor=(0.0, 1.0),
               handlelength=1.4, handleheight=1.1)
    lax.add_artist(leg)
    groups = [g for g in GROUP_ORDER if any(c["modality_group"] == g for c in cases)]
    groups += sorted({c["modality_group"] for c in cases} - set(groups))
    g_handles = [Patch(color=figstyle.MODALITY_COLOURS.get(g, figstyle.GREY), label=g) for g in groups]
    lax.legend(handles=g_handles, title="technique group", loc="upper right", ncols=2, bbox_to_anchor=(1.0, 1.0),
               handlelength=1.0)
    lax.text(0.0, -0.05, "Outcome: survived / died / unclear classified from the outcome wording "
             "(died|death|fatal; alive|recovered|resolved|discharged); cohorts show their death count. "
             "— = not extracted.", transform=lax.transAxes, ha="left", va="top", fontsize=figstyle.SMALL_SIZE,
             color="#444444")

    counts = {k: sum(row.count(k) for row in grid) for k in CATEGORY_KEYS}
    figstyle.save(fig, outputs["svg"], outputs["png"], dpi)
    missing = [f"{c['case_id']}.{f}" for c, row in zip(cases, grid, strict=True)
               for f, cat in zip(CASE_CORE_FIELDS, row, strict=True) if cat == "missing"]
    for item in missing:
        prov.skip("core field", "nothing extracted for this field (neither a value nor NR)", item)
    return figstyle.write_sidecar(
        outputs["json"], FIGURE_ID, TITLE, script, inputs, prov.fact_ids, prov.source_ids, prov.notes(),
        rows=[c["case_id"] for c in cases],
        columns=list(CASE_CORE_FIELDS),
        cell_counts=counts,
        outputs={k: Path(v).name for k, v in sorted(outputs.items())},
    )
