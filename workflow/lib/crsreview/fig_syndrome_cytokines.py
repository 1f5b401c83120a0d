"""Figure "CAR-T CRS versus viral CRS": blood cytokine levels by syndrome.

One panel per analyte (forest-plot style): one row per reported group, the value in canonical
units (pg/mL; ferritin ng/mL) on a log axis, the interval as a line (IQR thick, 95% CI thin,
unspecified dotted), colour = syndrome, marker = statistic. Values that are not blood levels
(sputum), not levels at all (mean differences, cut-offs) or not mass concentrations are left
out and listed in the sidecar.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

from . import fig_common, figstyle, tablesio
from .fig_common import Provenance, finish, num

FIGURE_ID = "syndrome-cytokines"
LIBRARY = f"workflow/lib/crsreview/{Path(__file__).name}"
TITLE = "CAR-T CRS versus viral CRS: cytokine levels by syndrome"

LEVEL_UNITS = {"pg/mL": (0.5, 1e5), "ng/mL": (100.0, 5e5)}
BLOOD_SPECIMENS = frozenset({"serum", "plasma", "unspecified", ""})
NOT_LEVELS = {
    "mean_difference": "difference between groups, not a level",
    "cutoff": "threshold chosen by the authors, not a measured level",
}
ANALYTE_ORDER = ("IL-6", "IL-2", "IL-10", "IFN-gamma", "TNF-alpha")
SYNDROME_ORDER = (
    "CAR-T CRS",
    "COVID-19",
    "sepsis",
    "ARDS (non-COVID)",
    "MERS",
    "SARS",
    "influenza A pneumonia",
    "HLH (paediatric HPS)",
    "healthy controls",
)
SYNDROME_COLOURS = {
    "CAR-T CRS": figstyle.OKABE_ITO["vermillion"],
    "COVID-19": figstyle.OKABE_ITO["blue"],
    "sepsis": figstyle.OKABE_ITO["green"],
    "ARDS (non-COVID)": figstyle.OKABE_ITO["orange"],
    "MERS": figstyle.OKABE_ITO["sky"],
    "SARS": figstyle.OKABE_ITO["purple"],
    "HLH (paediatric HPS)": figstyle.OKABE_ITO["black"],
    "healthy controls": figstyle.GREY,
}
OTHER_SYNDROME_COLOUR = "#6B4E16"
STAT_MARKERS = {"median": "o", "pooled_mean": "D", "mean": "s", "group_value": "^"}
STAT_LABELS = {
    "median": "median",
    "pooled_mean": "pooled mean (meta-analysis)",
    "mean": "mean",
    "group_value": "group value (statistic not stated)",
}
OTHER_STAT_MARKER = "X"
LABEL_WIDTH = 62
ROW_UNIT = 0.135  # inches per single-line row
WRAPPED_ROW = 1.9  # rows per two-line label
INTERVAL_STYLES = {
    "IQR": {"lw": 1.8, "ls": "-", "label": "interquartile range"},
    "95CI": {"lw": 0.8, "ls": "-", "label": "95% confidence interval"},
    "unspecified": {"lw": 0.9, "ls": ":", "label": "interval type not stated"},
}


def facet_of(analyte: str) -> str:
    """Panel an analyte belongs to: ferritin variants share one panel."""
    return "ferritin" if analyte.lower().startswith("ferritin") else analyte


@dataclass
class Level:
    row: dict
    facet: str
    value: float
    lower: float | None
    upper: float | None
    unit: str
    fact_ids: list[str] = field(default_factory=list)

    @property
    def syndrome(self) -> str:
        return self.row["syndrome"]

    def label(self, width: int = LABEL_WIDTH) -> str:
        """Row label 'syndrome · subgroup[, qualifier of the analyte]', wrapped to two lines at most."""
        r = self.row
        extra = (
            f", {r['analyte'].split(' (', 1)[1].rstrip(')')}" if r["analyte"].startswith("ferritin (") else ""
        )
        text = f"{r['syndrome']} · {r['subgroup']}{extra}"
        lines = textwrap.wrap(text, width)
        if len(lines) > 2:
            lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")]
        return "\n".join(lines)

    def tag(self) -> str:
        n = self.row["n"].strip()
        return f"{self.row['source_id']}" + (f", n = {n}" if n else "")


def select(rows: list[dict], prov: Provenance) -> list[Level]:
    """Rows that are blood levels in a mass-concentration unit; the rest are recorded as skipped."""
    out = []
    for r in rows:
        rid = r["row_id"]
        if r["statistic"] in NOT_LEVELS:
            prov.skip(f"statistic {r['statistic']}", NOT_LEVELS[r["statistic"]], rid)
            continue
        if r["specimen"] not in BLOOD_SPECIMENS:
            prov.skip(f"specimen {r['specimen']}", "not blood: never drawn on the serum/plasma axis", rid)
            continue
        unit = r["unit_canonical"]
        if unit not in LEVEL_UNITS:
            prov.skip(f"unit {unit}", "not a mass concentration (no common axis with pg/mL)", rid)
            continue
        value = num(r["value_canonical"])
        if value is None or value <= 0:
            prov.skip("value", "no positive numeric value for a log axis", rid)
            continue
        lower, upper = num(r["lower_canonical"]), num(r["upper_canonical"])
        if lower is not None and lower <= 0:
            lower = None
        used = ["value"] + [c for c, v in (("lower", lower), ("upper", upper)) if v is not None]
        fids = [f for f in fig_common.ids(r["fact_ids"]) if f.rsplit(".", 1)[1] in used]
        out.append(Level(r, facet_of(r["analyte"]), value, lower, upper, unit, fids))
        prov.use(fids, [r["source_id"]])
    return out


def facets(levels: list[Level]) -> list[tuple[str, str, list[Level]]]:
    """(facet, unit, rows) in drawing order: the Hong analytes first, ferritin (ng/mL) last."""
    keys = sorted(
        {(lv.facet, lv.unit) for lv in levels},
        key=lambda k: (
            k[1] != "pg/mL",
            k[0] not in ANALYTE_ORDER,
            ANALYTE_ORDER.index(k[0]) if k[0] in ANALYTE_ORDER else 0,
            k[0].lower(),
        ),
    )
    syn_rank = {s: i for i, s in enumerate(SYNDROME_ORDER)}
    out = []
    for facet, unit in keys:
        rows = [lv for lv in levels if (lv.facet, lv.unit) == (facet, unit)]
        rows.sort(
            key=lambda lv: (
                syn_rank.get(lv.syndrome, len(syn_rank)),
                lv.syndrome,
                lv.row["source_id"],
                -lv.value,
                lv.row["row_id"],
            )
        )
        out.append((facet, unit, rows))
    return out


def _axis(ax, unit: str) -> None:
    lo, hi = LEVEL_UNITS[unit]
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    majors = [10.0**k for k in range(-3, 8) if lo <= 10.0**k <= hi]
    ax.xaxis.set_major_locator(FixedLocator(majors))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else fig_common.fmt(v)))
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=tuple(range(2, 10)), numticks=20))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(axis="x", which="major")


def row_positions(rows: list[Level]) -> tuple[list[float], float]:
    """y of each row (top to bottom) and the total extent; wrapped labels get more room."""
    ys, y = [], 0.0
    for k, lv in enumerate(rows):
        step = WRAPPED_ROW if "\n" in lv.label() else 1.0
        prev = WRAPPED_ROW if k and "\n" in rows[k - 1].label() else 1.0
        y += 0 if k == 0 else (step + prev) / 2
        ys.append(y)
    return ys, y + 1.0


def _draw_facet(ax, title: str, unit: str, rows: list[Level], show_x: bool) -> None:
    ys, extent = row_positions(rows)
    for lv, y in zip(rows, ys, strict=True):
        colour = SYNDROME_COLOURS.get(lv.syndrome, OTHER_SYNDROME_COLOUR)
        interval = lv.row["interval"]
        if lv.lower is not None or lv.upper is not None:
            style = INTERVAL_STYLES.get(interval, INTERVAL_STYLES["unspecified"])
            lo = lv.lower if lv.lower is not None else lv.value
            hi = lv.upper if lv.upper is not None else lv.value
            ax.plot(
                [lo, hi],
                [y, y],
                color=colour,
                lw=style["lw"],
                ls=style["ls"],
                solid_capstyle="butt",
                zorder=2,
            )
            if interval == "95CI":
                ax.plot([lo, hi], [y, y], linestyle="none", marker="|", markersize=4, color=colour, zorder=2)
        marker = STAT_MARKERS.get(lv.row["statistic"], OTHER_STAT_MARKER)
        ax.plot(
            [lv.value],
            [y],
            linestyle="none",
            zorder=3,
            **figstyle.marker_style(colour, lv.row["flag"], marker, 4.0),
        )
        right = max(v for v in (lv.value, lv.lower, lv.upper) if v is not None)
        ax.text(
            right * 1.3,
            y,
            lv.tag(),
            va="center",
            ha="left",
            fontsize=figstyle.SMALL_SIZE - 0.5,
            color="#555555",
        )
    ax.set_yticks(ys, [lv.label() for lv in rows])
    ax.set_ylim(extent - 0.5, -0.5)
    ax.tick_params(axis="y", length=0, labelsize=figstyle.SMALL_SIZE + 0.3)
    for y in ys:
        ax.axhline(y, color="#F2F2F2", lw=4.0, zorder=-1)
    _axis(ax, unit)
    ax.tick_params(axis="x", labelbottom=show_x)
    ax.set_title(f"{title} ({unit})", fontsize=figstyle.BASE_SIZE, pad=3)


def make(
    inputs: dict[str, Path],
    outputs: dict[str, Path],
    dpi: int,
    hashsalt: str,
    script: str | None = None,
    options: dict | None = None,
) -> dict:
    figstyle.apply(hashsalt)
    rows = tablesio.read(Path(inputs["syndrome_cytokines"]))
    prov = Provenance()
    levels = select(rows, prov)
    panels = facets(levels)
    if not panels:
        raise ValueError("no blood cytokine levels to plot in syndrome_cytokines.csv")

    last_of_unit = {unit: k for k, (_, unit, _) in enumerate(panels)}
    extents = [row_positions(r)[1] for _, _, r in panels]
    n_units = len(last_of_unit)
    fixed = len(panels) * 0.2 + n_units * 0.32 + 0.85
    height = sum(extents) * figstyle.row_height(ROW_UNIT, sum(extents), fixed) + fixed
    fig = figstyle.figure(figstyle.DOUBLE_COLUMN, height)
    gs = fig.add_gridspec(len(panels), 1, height_ratios=extents)
    shared: dict[str, object] = {}
    for k, (facet, unit, frows) in enumerate(panels):
        ax = fig.add_subplot(gs[k], sharex=shared.get(unit))
        shared.setdefault(unit, ax)
        _draw_facet(ax, facet, unit, frows, show_x=last_of_unit[unit] == k)
        if last_of_unit[unit] == k:
            what = "ferritin" if facet == "ferritin" else "cytokine concentration"
            ax.set_xlabel(f"{what} ({unit}, log scale); specimen serum or not stated (sputum excluded)")

    syndromes = [s for s in SYNDROME_ORDER if any(lv.syndrome == s for lv in levels)]
    syndromes += sorted({lv.syndrome for lv in levels} - set(syndromes))
    handles = [
        Line2D([], [], color=SYNDROME_COLOURS.get(s, OTHER_SYNDROME_COLOUR), lw=3, label=s) for s in syndromes
    ]
    stats = [s for s in STAT_MARKERS if any(lv.row["statistic"] == s for lv in levels)]
    handles += [
        Line2D(
            [],
            [],
            linestyle="none",
            label=STAT_LABELS[s],
            **figstyle.marker_style("#333333", "seen", STAT_MARKERS[s], 4.0),
        )
        for s in stats
    ]
    if any(lv.row["flag"] == "unverified" for lv in levels):
        handles.append(figstyle.unverified_handle())
    intervals = [i for i in INTERVAL_STYLES if any(lv.row["interval"] == i for lv in levels)]
    handles += [
        Line2D(
            [],
            [],
            color="#333333",
            lw=INTERVAL_STYLES[i]["lw"],
            ls=INTERVAL_STYLES[i]["ls"],
            label=INTERVAL_STYLES[i]["label"],
        )
        for i in intervals
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, handlelength=2.0, columnspacing=1.5)
    whats = sorted({what for (what, _) in prov.skipped})
    n_skipped = len({item for items in prov.skipped.values() for item in items})
    if n_skipped:
        fig.suptitle(
            f"Not plotted: {n_skipped} rows ({'; '.join(whats)}); listed with reasons in the sidecar JSON.",
            x=0.01,
            ha="left",
            fontsize=figstyle.SMALL_SIZE,
            color="#444444",
            fontweight="normal",
        )

    return finish(
        fig,
        outputs,
        dpi,
        prov,
        figure_id=FIGURE_ID,
        title=TITLE,
        library=LIBRARY,
        inputs=inputs,
        script=script,
        panels={facet: f"{len(r)} rows ({unit})" for facet, unit, r in panels},
    )
