"""Figure 1, evidence map: every case entry, what it reports and what it does not.

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
from .fig_common import NR, Provenance, check_facts

FIGURE_ID = "evidence-map"
SCRIPT = f"workflow/scripts/{FIGURE_ID}.py"
LIBRARY = f"workflow/lib/crsreview/{Path(__file__).name}"
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
    (
        "summary",
        "reported as a cohort summary (e.g. median)",
        figstyle.OKABE_ITO["sky"],
        "",
        figstyle.OKABE_ITO["sky"],
    ),
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
        grp = (
            GROUP_ORDER.index(c["modality_group"]) if c["modality_group"] in GROUP_ORDER else len(GROUP_ORDER)
        )
        return (ctx, c["context"], grp, c["case_id"])

    return sorted(cases, key=key)


def kind_text(case: dict) -> str:
    return "patient" if case["kind"] == "patient" else f"{case['kind']}, n = {case['n']}"


def grade_text(case: dict) -> str:
    value = case["crs_grade_max"].strip()
    if not value:
        return "—"
    return value


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


# Layout in inches (the figure is drawn on one axes whose data units are inches, y downwards).
ROW_H = 0.25
HEADER_H = 1.18
LEGEND_H = 1.0
TEXT_COLUMNS = (  # (header, x, wrap width in characters)
    ("entry", 0.05, 0),
    ("technique", 1.14, 16),
    ("context", 2.0, 0),
    ("kind, n", 2.47, 0),
    ("max CRS grade", 3.27, 22),
    ("outcome", 4.38, 0),
)
GRID_X0 = 4.9
CELL_W = 0.14


def _wrap(text: str, width: int) -> str:
    if not width:
        return text
    lines = textwrap.wrap(text, width)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")]
    return "\n".join(lines)


def make(
    inputs: dict[str, Path], outputs: dict[str, Path], dpi: int, hashsalt: str, script: str | None = None
) -> dict:
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

    width = figstyle.DOUBLE_COLUMN
    row_h = figstyle.row_height(ROW_H, len(cases), HEADER_H + LEGEND_H, minimum=0.14)
    height = HEADER_H + len(cases) * row_h + LEGEND_H
    fig = figstyle.figure(width, height, layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    size = figstyle.SMALL_SIZE

    # Header: text-column titles and rotated field names above the grid.
    for label, x, _ in TEXT_COLUMNS:
        ax.text(
            x, HEADER_H - 0.08, label, ha="left", va="bottom", fontsize=figstyle.BASE_SIZE, fontweight="bold"
        )
    for j, fname in enumerate(CASE_CORE_FIELDS):
        ax.text(
            GRID_X0 + (j + 0.5) * CELL_W,
            HEADER_H - 0.06,
            FIELD_LABELS.get(fname, fname),
            rotation=65,
            ha="left",
            va="bottom",
            rotation_mode="anchor",
            fontsize=size,
        )
    right = GRID_X0 + len(CASE_CORE_FIELDS) * CELL_W
    ax.plot([0.03, right], [HEADER_H, HEADER_H], color="#333333", lw=0.8)

    styles = {c[0]: c for c in CATEGORIES}
    prev_ctx = None
    for i, (c, row) in enumerate(zip(cases, grid, strict=True)):
        top = HEADER_H + i * row_h
        mid = top + row_h / 2
        if i % 2 == 1:
            ax.add_patch(Rectangle((0.03, top), right - 0.03, row_h, color="#F3F3F3", lw=0, zorder=0))
        if prev_ctx is not None and c["context"] != prev_ctx:
            ax.plot([0.03, right], [top, top], color="#333333", lw=0.8)
        prev_ctx = c["context"]
        colour = figstyle.MODALITY_COLOURS.get(c["modality_group"], figstyle.GREY)
        ax.add_patch(
            Rectangle((TEXT_COLUMNS[1][1] - 0.08, top + 0.04), 0.05, row_h - 0.08, color=colour, lw=0)
        )
        cells = (
            c["case_id"],
            c["modalities"].replace(";", " + "),
            CONTEXT_LABELS.get(c["context"], c["context"]),
            kind_text(c),
            grade_text(c),
            outcome_text(c),
        )
        for text, (_, x, wrap) in zip(cells, TEXT_COLUMNS, strict=True):
            ax.text(x, mid, _wrap(text, wrap), ha="left", va="center", fontsize=size, linespacing=1.05)
        for j, cat in enumerate(row):
            _, _, face, hatch, edge = styles[cat]
            ax.add_patch(
                Rectangle(
                    (GRID_X0 + j * CELL_W + 0.012, top + 0.035),
                    CELL_W - 0.024,
                    row_h - 0.07,
                    facecolor=face,
                    hatch=hatch,
                    edgecolor=edge,
                    lw=0.6,
                    zorder=2,
                )
            )
        prov.use(
            [
                f
                for f in (
                    f"{c['case_id']}.deaths",
                    f"{c['case_id']}.outcome_status",
                    f"{c['case_id']}.crs_grade_max",
                )
                if f in facts_by_id
            ],
            [c["source_id"]],
        )
    bottom = HEADER_H + len(cases) * row_h
    ax.plot([0.03, right], [bottom, bottom], color="#333333", lw=0.8)

    used = [c for c in CATEGORIES if any(c[0] in row for row in grid)]
    handles = [
        Patch(facecolor=face, hatch=hatch, edgecolor=edge, lw=0.6, label=label)
        for _, label, face, hatch, edge in used
    ]
    legend_top = 1 - (bottom + 0.08) / height
    leg = fig.legend(
        handles=handles,
        title="core field (grid columns)",
        loc="upper right",
        bbox_to_anchor=(right / width, legend_top),
        ncols=2,
        handlelength=1.3,
        handleheight=1.0,
        alignment="left",
        columnspacing=1.0,
    )
    groups = [g for g in GROUP_ORDER if any(c["modality_group"] == g for c in cases)]
    groups += sorted({c["modality_group"] for c in cases} - set(groups))
    fig.legend(
        handles=[Patch(color=figstyle.MODALITY_COLOURS.get(g, figstyle.GREY), label=g) for g in groups],
        title="technique group (bar)",
        loc="upper left",
        bbox_to_anchor=(0.03 / width, legend_top),
        ncols=2,
        handlelength=1.0,
        alignment="left",
    )
    fig.add_artist(leg)
    ax.text(
        0.05,
        height - 0.06,
        "Outcome of a patient entry: classified from the outcome wording (died, death, fatal → died; "
        "alive, recovered, resolved, discharged → survived;\notherwise unclear); a cohort shows its death count. "
        "— = not extracted. Grid: PE fields are not applicable without PE, the death count not to single patients.",
        ha="left",
        va="bottom",
        fontsize=figstyle.SMALL_SIZE,
        color="#444444",
    )

    counts = {k: sum(row.count(k) for row in grid) for k in CATEGORY_KEYS}
    figstyle.save(fig, outputs["svg"], outputs["png"], dpi)
    not_extracted = sorted(
        f"{c['case_id']}.{fname}"
        for c, row in zip(cases, grid, strict=True)
        for fname, cat in zip(CASE_CORE_FIELDS, row, strict=True)
        if cat == "missing"
    )
    prov.note(
        "every case entry of cases.csv is a row; a core field with neither a value nor an NR entry is drawn "
        "as 'not extracted' (listed under cells_not_extracted)"
    )
    check_facts(prov.fact_ids, inputs["facts"])
    return figstyle.write_sidecar(
        outputs["json"],
        FIGURE_ID,
        TITLE,
        script or SCRIPT,
        inputs,
        prov.fact_ids,
        prov.source_ids,
        prov.notes(),
        rows=[c["case_id"] for c in cases],
        columns=list(CASE_CORE_FIELDS),
        cell_counts=counts,
        cells_not_extracted=not_extracted,
        library=LIBRARY,
        outputs={k: Path(v).name for k, v in sorted(outputs.items())},
    )
