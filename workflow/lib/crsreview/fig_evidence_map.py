"""Figure "evidence map": every case entry, what it reports and what it does not.

One row per entry of cases.csv (CAR-T entries first, then COVID-19 comparators; PE first
within each). Text columns: technique group, context, kind and n, maximum CRS grade, outcome.
A strip shows, for each core field, whether a value was extracted (and with which flag),
whether the source was checked and the field is not reported (NR), or whether nothing was
extracted. PE-specific fields are 'not applicable' to entries without PE, and a cohort's
death count to single patients.

A page holds at most MAX_ROWS entry rows. With more entries the map is aggregated instead: one
row per group (context x technique group x kind, in the same order), each cell the share of the
group's entries with a value for that field (colour, annotated "k/n"), an orange bar for the share
whose source does not report it (NR), and two columns with the shares of entries that have any
NR field or any unverified value. The sidecar records the mode and every entry's facts either way.
"""

from __future__ import annotations

import textwrap
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.patches import Patch, Rectangle

from . import figstyle, tablesio
from .clean import CASE_CORE_FIELDS
from .fig_common import NR, Provenance, finish, fmt, num
from .outcome import outcome_class

FIGURE_ID = "evidence-map"
LIBRARY = f"workflow/lib/crsreview/{Path(__file__).name}"
TITLE = "Evidence map: case entries and the data each reports"
AGGREGATED_TITLE = "Evidence map (aggregated): groups of case entries and the share reporting each field"

# Entry rows a page holds: HEADER_H + LEGEND_H + 40 rows of 0.177 in fit MAX_HEIGHT (the row-height
# floor of 0.14 in would allow 50, but two-line cells would collide). Above it: aggregated map.
MAX_ROWS = 40

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
# Categories in which a value was extracted (the aggregated map's "k" of "k/n").
VALUE_KEYS = ("reported", "unverified", "summary")
KIND_ORDER = ("patient", "cohort")


def _with_prefix(sorted_ids: Sequence[str], prefix: str) -> list[str]:
    """The ids that start with `prefix`, in sorted order (they are contiguous in a sorted list)."""
    out = []
    for i in range(bisect_left(sorted_ids, prefix), len(sorted_ids)):
        if not sorted_ids[i].startswith(prefix):
            break
        out.append(sorted_ids[i])
    return out


def availability(
    case: dict, fname: str, facts_by_id: dict, sorted_ids: Sequence[str] | None = None
) -> tuple[str, list[str]]:
    """Category of one core field of one case entry, and the fact ids behind it.

    `sorted_ids` (sorted(facts_by_id)) makes the cohort-summary look-up a binary search; pass it
    when classifying many entries.
    """
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
    if sorted_ids is None:
        sorted_ids = sorted(facts_by_id)
    summary = _with_prefix(sorted_ids, f"{cid}.{fname}_")
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
    coded = case.get("outcome", "").strip()
    if status == NR and coded in ("", NR):
        return "NR"
    if not status and not coded:
        return "—"
    cls = outcome_class(coded, status)
    return "unclear" if cls == "unknown" else cls  # reported, but the wording says neither


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


def mode_for(n_entries: int) -> str:
    """'per-entry' while the entries fit one row each on a page, else 'aggregated'."""
    return "per-entry" if n_entries <= MAX_ROWS else "aggregated"


def make(
    inputs: dict[str, Path],
    outputs: dict[str, Path],
    dpi: int,
    hashsalt: str,
    script: str | None = None,
    options: dict | None = None,
) -> dict:
    figstyle.apply(hashsalt)
    cases = order_cases(tablesio.read(Path(inputs["cases"])))
    facts_by_id = {f["fact_id"]: f for f in tablesio.read(Path(inputs["facts"]))}
    sorted_ids = sorted(facts_by_id)
    prov = Provenance()

    grid: list[list[str]] = []
    for c in cases:
        row = []
        for fname in CASE_CORE_FIELDS:
            cat, fids = availability(c, fname, facts_by_id, sorted_ids)
            row.append(cat)
            prov.use(fids, [c["source_id"]])
        grid.append(row)

    mode = mode_for(len(cases))
    if mode == "per-entry":
        fig = _draw_entries(cases, grid, facts_by_id, prov)
    else:
        groups = aggregate(cases, grid)
        fig = _draw_aggregated(cases, groups)

    counts = {k: sum(row.count(k) for row in grid) for k in CATEGORY_KEYS}
    not_extracted = sorted(
        f"{c['case_id']}.{fname}"
        for c, row in zip(cases, grid, strict=True)
        for fname, cat in zip(CASE_CORE_FIELDS, row, strict=True)
        if cat == "missing"
    )
    if mode == "per-entry":
        title = TITLE
        prov.note(
            "every case entry of cases.csv is a row; a core field with neither a value nor an NR entry is drawn "
            "as 'not extracted' (listed under cells_not_extracted)"
        )
        # The per-entry sidecar keeps its original keys (mode: per-entry is implied by rows = case ids).
        extra: dict = {"rows": [c["case_id"] for c in cases]}
    else:
        title = AGGREGATED_TITLE
        prov.note(
            f"aggregated map: {len(cases)} case entries exceed the {MAX_ROWS} rows a page holds, so each row "
            f"is a group (context x technique group x kind; {len(groups)} groups, listed under groups with "
            "their case ids and per-field counts); every entry's facts are cited as in the per-entry map; "
            "a core field with neither a value nor an NR entry counts as 'not extracted' (listed under "
            "cells_not_extracted)"
        )
        extra = {
            "mode": "aggregated",
            "max_rows": MAX_ROWS,
            "n_entries": len(cases),
            "rows": [g.label for g in groups],
            "groups": [g.sidecar() for g in groups],
            "share_columns": ["entries_with_nr", "entries_with_unverified"],
        }
    return finish(
        fig,
        outputs,
        dpi,
        prov,
        figure_id=FIGURE_ID,
        title=title,
        library=LIBRARY,
        inputs=inputs,
        script=script,
        facts=inputs["facts"],
        **extra,
        columns=list(CASE_CORE_FIELDS),
        cell_counts=counts,
        cells_not_extracted=not_extracted,
    )


def _technique_legend(fig, present: set[str], loc: str, anchor: tuple[float, float], ncols: int) -> None:
    """Legend of the technique colour bars: known groups in GROUP_ORDER, then any others sorted."""
    techniques = [t for t in GROUP_ORDER if t in present] + sorted(present - set(GROUP_ORDER))
    fig.legend(
        handles=[Patch(color=figstyle.MODALITY_COLOURS.get(t, figstyle.GREY), label=t) for t in techniques],
        title="technique group (bar)",
        loc=loc,
        bbox_to_anchor=anchor,
        ncols=ncols,
        handlelength=1.0,
        alignment="left",
    )


def _canvas(n_rows: int, row_h0: float, header: float, legend: float, minimum: float):
    """A page-wide figure with one axes in inches (y down): (fig, ax, width, height, row height)."""
    width = figstyle.DOUBLE_COLUMN
    row_h = figstyle.row_height(row_h0, n_rows, header + legend, minimum=minimum)
    height = header + n_rows * row_h + legend
    fig = figstyle.figure(width, height, layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    return fig, ax, width, height, row_h


def _draw_entries(cases: list[dict], grid: list[list[str]], facts_by_id: dict, prov: Provenance):
    """The per-entry map (one row per case entry); returns the figure."""
    fig, ax, width, height, row_h = _canvas(len(cases), ROW_H, HEADER_H, LEGEND_H, minimum=0.14)
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
    _technique_legend(fig, {c["modality_group"] for c in cases}, "upper left", (0.03 / width, legend_top), 2)
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

    return fig


# --------------------------------------------------------------------------------------------
# Aggregated map (more entries than MAX_ROWS)


@dataclass
class Group:
    """The case entries of one context x technique group x kind, and their per-field categories."""

    context: str
    modality_group: str
    kind: str
    case_ids: list[str]
    patients: float | None  # summed n of the entries (None if an n is not a number)
    counts: list[dict[str, int]]  # per core field (CASE_CORE_FIELDS order): category -> entries
    with_nr: int  # entries with at least one core field NR
    with_unverified: int  # entries with at least one unverified value

    @property
    def n(self) -> int:
        return len(self.case_ids)

    @property
    def label(self) -> str:
        return f"{self.context} | {self.modality_group} | {self.kind}"

    def applicable(self, j: int) -> int:
        """Entries to which core field j applies (the n of "k/n")."""
        return self.n - self.counts[j]["na"]

    def with_value(self, j: int) -> int:
        """Entries with a value for core field j (the k of "k/n")."""
        return sum(self.counts[j][k] for k in VALUE_KEYS)

    def sidecar(self) -> dict:
        return {
            "context": self.context,
            "modality_group": self.modality_group,
            "kind": self.kind,
            "n_entries": self.n,
            "case_ids": list(self.case_ids),
            "entries_with_nr": self.with_nr,
            "entries_with_unverified": self.with_unverified,
            "fields": {
                fname: {k: self.counts[j][k] for k in CATEGORY_KEYS if self.counts[j][k]}
                for j, fname in enumerate(CASE_CORE_FIELDS)
            },
        }


def _rank(value: str, order: tuple[str, ...]) -> int:
    return order.index(value) if value in order else len(order)


def aggregate(cases: list[dict], grid: list[list[str]]) -> list[Group]:
    """Groups of entries (context x technique group x kind), in the per-entry map's order.

    `grid` holds each case's availability categories, one per core field.
    """
    members: dict[tuple[str, str, str], list[int]] = {}
    for i, c in enumerate(cases):
        members.setdefault((c["context"], c["modality_group"], c["kind"]), []).append(i)

    def key(k):
        ctx, grp, kind = k
        return (
            _rank(ctx, CONTEXT_ORDER),
            ctx,
            _rank(grp, GROUP_ORDER),
            grp,
            _rank(kind, KIND_ORDER),
            kind,
        )

    groups = []
    for k in sorted(members, key=key):
        idx = members[k]
        sizes = [1.0 if cases[i]["kind"] == "patient" else num(cases[i]["n"]) for i in idx]
        counts = [dict.fromkeys(CATEGORY_KEYS, 0) for _ in CASE_CORE_FIELDS]
        for i in idx:
            for j, cat in enumerate(grid[i]):
                counts[j][cat] += 1
        groups.append(
            Group(
                context=k[0],
                modality_group=k[1],
                kind=k[2],
                case_ids=[cases[i]["case_id"] for i in idx],
                patients=None if None in sizes else sum(sizes),
                counts=counts,
                with_nr=sum(1 for i in idx if "nr" in grid[i]),
                with_unverified=sum(1 for i in idx if "unverified" in grid[i]),
            )
        )
    return groups


# Layout of the aggregated map, in inches (same conventions as the per-entry map).
AGG_ROW_H = 0.34
AGG_TITLE_H = 0.4
AGG_HEADER_H = AGG_TITLE_H + HEADER_H
AGG_LEGEND_H = 1.5
AGG_TEXT_COLUMNS = (("context", 0.05), ("technique", 0.6), ("kind", 1.45))
AGG_ENTRIES_X = 2.38  # right edge of the "entries" column
AGG_GRID_X0 = 2.46
AGG_CELL_W = 0.27
AGG_GAP = 0.1
AGG_SHARE_W = 0.36
NR_BAR_H = 0.05
# Sequential single-hue scale (near-white to Okabe-Ito blue): lightness falls monotonically,
# so the order of shares reads the same under colour vision deficiencies and in greyscale.
SHARE_CMAP = LinearSegmentedColormap.from_list("evidence-share", ["#F2F7FB", figstyle.OKABE_ITO["blue"]])
UNVERIFIED_HATCH = "//////"


def _text_em(text: str) -> float:
    """Approximate width of digits-and-slash text in em (DejaVu Sans: digit 0.64, '/' 0.34)."""
    return sum(0.64 if ch.isdigit() else 0.34 if ch == "/" else 0.6 for ch in text)


def fit_labels(labels: list[str], width: float, preferred: float = 5.5, minimum: float = 4.5):
    """Font size (pt) at which every "k/n" label fits `width` inches, and whether to split them.

    Labels too long for `minimum` on one line are split after the slash ("k/" above "n").
    """
    if not labels:
        return preferred, False
    room = 0.88 * width * 72
    size = min(preferred, room / max(_text_em(t) for t in labels))
    if size >= minimum:
        return size, False
    widest = max(_text_em(part) for t in labels for part in t.partition("/")[::2])
    return max(3.5, min(preferred, room / (widest + 0.34))), True


def _ink(face) -> str:
    """Text colour readable on `face`: white on dark cells, near-black on light ones."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(face))
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.21 else "#222222"


def share_text(k: int, n: int, split: bool = False) -> str:
    """The "k/n" annotation of a share (split after the slash when the cell is too narrow)."""
    return f"{k}/\n{n}" if split else f"{k}/{n}"


def _group_kind_text(g: Group) -> str:
    if g.kind == "patient":
        return "patient"
    if g.patients is None:
        return g.kind
    return f"{g.kind}\nΣn = {fmt(g.patients)}"


AGG_PAD = 0.012  # inset of a grid cell (inches)


def _draw_aggregated(cases: list[dict], groups: list[Group]):
    """The aggregated map (one row per group of entries); returns the figure."""
    fig, ax, width, height, row_h = _canvas(len(groups), AGG_ROW_H, AGG_HEADER_H, AGG_LEGEND_H, minimum=0.2)
    nf = len(CASE_CORE_FIELDS)
    share_x = [AGG_GRID_X0 + nf * AGG_CELL_W + AGG_GAP + s * AGG_SHARE_W for s in range(2)]
    right = share_x[-1] + AGG_SHARE_W
    head = AGG_HEADER_H
    _agg_header(ax, cases, groups, share_x, right)
    fonts = _agg_fonts(groups)
    prev_ctx = None
    for i, g in enumerate(groups):
        top = head + i * row_h
        if prev_ctx is not None and g.context != prev_ctx:
            ax.plot([0.03, right], [top, top], color="#333333", lw=0.8)
        prev_ctx = g.context
        _agg_row_labels(ax, g, top, row_h)
        y0, h = top + 0.03, row_h - 0.06
        _agg_cells(ax, g, y0, h, fonts)
        _agg_shares(ax, g, y0, h, share_x, fonts)
    bottom = head + len(groups) * row_h
    ax.plot([0.03, right], [bottom, bottom], color="#333333", lw=0.8)
    _agg_scale_and_legends(fig, ax, cases, groups, width, height, bottom, right)
    return fig


def _agg_header(ax, cases: list[dict], groups: list[Group], share_x: list[float], right: float) -> None:
    """Title, explanation and the column headers of the aggregated map."""
    size = figstyle.SMALL_SIZE
    nf = len(CASE_CORE_FIELDS)
    head = AGG_HEADER_H
    ax.text(
        0.05,
        0.08,
        f"Evidence map, aggregated: {len(cases):,} case entries in {len(groups)} groups",
        ha="left",
        va="top",
        fontsize=figstyle.BASE_SIZE + 0.5,
        fontweight="bold",
    )
    ax.text(
        0.05,
        0.27,
        f"More than {MAX_ROWS} entries do not fit one row each, so a row is a group of entries "
        "(context × technique group × kind); per-entry counts are in the sidecar.",
        ha="left",
        va="top",
        fontsize=size,
        color="#444444",
    )

    for label, x in AGG_TEXT_COLUMNS:
        ax.text(x, head - 0.08, label, ha="left", va="bottom", fontsize=figstyle.BASE_SIZE, fontweight="bold")
    ax.text(
        AGG_ENTRIES_X,
        head - 0.08,
        "entries",
        ha="right",
        va="bottom",
        fontsize=figstyle.BASE_SIZE,
        fontweight="bold",
    )
    col_labels = [FIELD_LABELS.get(f, f) for f in CASE_CORE_FIELDS]
    col_x = [AGG_GRID_X0 + (j + 0.5) * AGG_CELL_W for j in range(nf)]
    col_labels += ["any field NR", "any unverified value"]
    col_x += [x + AGG_SHARE_W / 2 for x in share_x]
    for j, (label, x) in enumerate(zip(col_labels, col_x, strict=True)):
        ax.text(
            x - 0.05,
            head - 0.06,
            label,
            rotation=65,
            ha="left",
            va="bottom",
            rotation_mode="anchor",
            fontsize=size,
            fontweight="bold" if j >= nf else "normal",
        )
    ax.plot([0.03, right], [head, head], color="#333333", lw=0.8)


def _agg_fonts(groups: list[Group]) -> tuple[float, bool, float, bool]:
    """Cell and share label sizes: one font size for the whole grid, so equal counts look equal."""
    nf = len(CASE_CORE_FIELDS)
    pad = AGG_PAD
    labels = [f"{g.with_value(j)}/{g.applicable(j)}" for g in groups for j in range(nf) if g.applicable(j)]
    share_labels = [f"{k}/{g.n}" for g in groups for k in (g.with_nr, g.with_unverified)]
    cell_size, split = fit_labels(labels, AGG_CELL_W - 2 * pad)
    share_size, share_split = fit_labels(share_labels, AGG_SHARE_W - 0.06)
    return cell_size, split, share_size, share_split


def _agg_row_labels(ax, g: Group, top: float, row_h: float) -> None:
    """Technique colour bar, context, technique group, kind and entry count of one group row."""
    size = figstyle.SMALL_SIZE
    mid = top + row_h / 2
    colour = figstyle.MODALITY_COLOURS.get(g.modality_group, figstyle.GREY)
    ax.add_patch(
        Rectangle((AGG_TEXT_COLUMNS[1][1] - 0.08, top + 0.04), 0.05, row_h - 0.08, color=colour, lw=0)
    )
    texts = (CONTEXT_LABELS.get(g.context, g.context), g.modality_group, _group_kind_text(g))
    for text, (_, x) in zip(texts, AGG_TEXT_COLUMNS, strict=True):
        ax.text(x, mid, text, ha="left", va="center", fontsize=size, linespacing=1.05)
    ax.text(AGG_ENTRIES_X, mid, f"{g.n:,}", ha="right", va="center", fontsize=size)


def _agg_cells(ax, g: Group, y0: float, h: float, fonts) -> None:
    """The grid cells of one group row: share with a value as colour and k/n, NR bar, n/a."""
    cell_size, split = fonts[0], fonts[1]
    nf, pad = len(CASE_CORE_FIELDS), AGG_PAD
    for j in range(nf):
        x0, w = AGG_GRID_X0 + j * AGG_CELL_W + pad, AGG_CELL_W - 2 * pad
        n = g.applicable(j)
        if not n:
            ax.add_patch(Rectangle((x0, y0), w, h, facecolor="white", edgecolor="#BBBBBB", lw=0.6, zorder=2))
            ax.text(
                x0 + w / 2,
                y0 + h / 2,
                "n/a",
                ha="center",
                va="center",
                fontsize=cell_size,
                color="#888888",
            )
            continue
        k = g.with_value(j)
        share = k / n
        ax.add_patch(Rectangle((x0, y0), w, h, facecolor=SHARE_CMAP(share), lw=0, zorder=2))
        nr = g.counts[j]["nr"]
        if nr:
            ax.add_patch(
                Rectangle(
                    (x0, y0 + h - NR_BAR_H),
                    w * nr / n,
                    NR_BAR_H,
                    facecolor=figstyle.OKABE_ITO["orange"],
                    lw=0,
                    zorder=3,
                )
            )
        text = share_text(k, n, split)
        ax.text(
            x0 + w / 2,
            y0 + (h - NR_BAR_H) / 2,
            text,
            ha="center",
            va="center",
            fontsize=cell_size,
            linespacing=1.0,
            color=_ink(SHARE_CMAP(share)),
            zorder=4,
        )


def _agg_shares(ax, g: Group, y0: float, h: float, share_x: list[float], fonts) -> None:
    """The two share columns of one group row: entries with any NR field, with any unverified value."""
    share_size, share_split = fonts[2], fonts[3]
    bars = (
        (g.with_nr, figstyle.OKABE_ITO["orange"], "", figstyle.OKABE_ITO["orange"]),
        (g.with_unverified, "white", UNVERIFIED_HATCH, figstyle.OKABE_ITO["blue"]),
    )
    for x, (k, face, hatch, edge) in zip(share_x, bars, strict=True):
        x0, w = x + 0.03, AGG_SHARE_W - 0.06
        bar_h = 0.07
        ax.text(
            x0 + w / 2,
            y0 + (h - bar_h) / 2,
            share_text(k, g.n, share_split),
            ha="center",
            va="center",
            fontsize=share_size,
        )
        ax.add_patch(
            Rectangle(
                (x0, y0 + h - bar_h), w, bar_h, facecolor="white", edgecolor="#BBBBBB", lw=0.5, zorder=2
            )
        )
        if k:
            ax.add_patch(
                Rectangle(
                    (x0, y0 + h - bar_h),
                    w * k / g.n,
                    bar_h,
                    facecolor=face,
                    hatch=hatch,
                    edgecolor=edge,
                    lw=0.5,
                    zorder=3,
                )
            )


def _agg_scale_and_legends(
    fig, ax, cases, groups, width: float, height: float, bottom: float, right: float
) -> None:
    """Colour scale, marker and technique legends and the explanation under the grid."""
    size = figstyle.SMALL_SIZE
    # Colour scale of the grid cells.
    cb_x, cb_w, cb_top, cb_h = 0.1, 2.0, bottom + 0.32, 0.09
    cax = fig.add_axes((cb_x / width, 1 - (cb_top + cb_h) / height, cb_w / width, cb_h / height))
    bar = fig.colorbar(
        ScalarMappable(norm=Normalize(0, 1), cmap=SHARE_CMAP), cax=cax, orientation="horizontal"
    )
    bar.set_ticks([0, 0.25, 0.5, 0.75, 1], labels=["0", "25%", "50%", "75%", "100%"])
    bar.outline.set_linewidth(0.5)
    cax.tick_params(labelsize=size, length=2, width=0.5, pad=1.5)
    ax.text(
        cb_x,
        cb_top - 0.04,
        "cell colour and k/n: entries with a value (seen, computed,\nunverified or cohort summary) / entries the field applies to",
        ha="left",
        va="bottom",
        fontsize=size,
        linespacing=1.1,
    )

    legend_top = 1 - (bottom + 0.12) / height
    handles = [
        Patch(
            facecolor=figstyle.OKABE_ITO["orange"],
            lw=0,
            label="not reported by the source (NR): bar length = share",
        ),
        Patch(
            facecolor="white",
            hatch=UNVERIFIED_HATCH,
            edgecolor=figstyle.OKABE_ITO["blue"],
            lw=0.6,
            label="entries with an unverified value: bar length = share",
        ),
        Patch(facecolor="white", edgecolor="#BBBBBB", lw=0.6, label="n/a: applies to no entry of the group"),
    ]
    leg = fig.legend(
        handles=handles,
        title="markers",
        loc="upper left",
        bbox_to_anchor=(2.55 / width, legend_top),
        handlelength=1.3,
        handleheight=1.0,
        alignment="left",
    )
    _technique_legend(fig, {g.modality_group for g in groups}, "upper right", (right / width, legend_top), 1)
    fig.add_artist(leg)
    ax.text(
        0.05,
        height - 0.06,
        "\n".join(
            (
                f"Aggregated from {len(cases):,} case entries (one row per entry up to {MAX_ROWS}). "
                "Cell: k/n = entries with a value / entries the field applies to;",
                "the rest of n has no value (NR: orange bar; otherwise not extracted). Fields that do not "
                "apply to an entry (PE fields without PE,",
                "the death count for a single patient) are left out of its n; n/a = applies to none. "
                "Right-hand columns: share of all the group's entries",
                "with at least one core field NR, and with at least one unverified value.",
            )
        ),
        ha="left",
        va="bottom",
        fontsize=size,
        color="#444444",
    )
