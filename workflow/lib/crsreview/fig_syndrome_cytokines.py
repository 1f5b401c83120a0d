"""Figure 2, "CAR-T CRS versus viral CRS": blood cytokine levels by syndrome.

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
from .fig_common import Provenance, num

FIGURE_ID = "fig2-syndrome-cytokines"
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

    def label(self) -> str:
        r = self.row
        extra = (
            f", {r['analyte'].split(' (', 1)[1].rstrip(')')}" if r["analyte"].startswith("ferritin (") else ""
        )
        text = f"{r['syndrome']} · {r['subgroup']}{extra}"
        return textwrap.shorten(text, 58, placeholder="…")

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


def _draw_facet(ax, title: str, unit: str, rows: list[Level]) -> None:
    for i, lv in enumerate(rows):
        colour = SYNDROME_COLOURS.get(lv.syndrome, OTHER_SYNDROME_COLOUR)
        interval = lv.row["interval"]
        if lv.lower is not None or lv.upper is not None:
            style = INTERVAL_STYLES.get(interval, INTERVAL_STYLES["unspecified"])
            lo = lv.lower if lv.lower is not None else lv.value
            hi = lv.upper if lv.upper is not None else lv.value
            ax.plot(
                [lo, hi],
                [i, i],
                color=colour,
                lw=style["lw"],
                ls=style["ls"],
                solid_capstyle="butt",
                zorder=2,
            )
            if interval == "95CI":
                ax.plot([lo, hi], [i, i], linestyle="none", marker="|", markersize=4, color=colour, zorder=2)
        marker = STAT_MARKERS.get(lv.row["statistic"], OTHER_STAT_MARKER)
        ax.plot(
            [lv.value],
            [i],
            linestyle="none",
            zorder=3,
            **figstyle.marker_style(colour, lv.row["flag"], marker, 4.2),
        )
        right = max(v for v in (lv.value, lv.lower, lv.upper) if v is not None)
        ax.text(
            right * 1.25,
            i,
            lv.tag(),
            va="center",
            ha="left",
            fontsize=figstyle.SMALL_SIZE - 0.5,
            color="#555555",
        )
    ax.set_yticks(range(len(rows)), [lv.label() for lv in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="y", color="#F4F4F4", lw=5, zorder=-1)
    _axis(ax, unit)
    ax.set_title(f"{title} ({unit})", fontsize=figstyle.BASE_SIZE)


def make(inputs: dict[str, Path], outputs: dict[str, Path], dpi: int, hashsalt: str, script: str) -> dict:
    figstyle.apply(hashsalt)
    rows = tablesio.read(Path(inputs["syndrome_cytokines"]))
    prov = Provenance()
    levels = select(rows, prov)
    panels = facets(levels)
    if not panels:
        raise ValueError("no blood cytokine levels to plot in syndrome_cytokines.csv")

    heights = [len(r) * 0.165 + 0.42 for _, _, r in panels]
    fig = figstyle.figure(figstyle.DOUBLE_COLUMN, min(sum(heights) + 1.15, figstyle.MAX_HEIGHT))
    gs = fig.add_gridspec(len(panels) + 1, 1, height_ratios=[*heights, 0.75])
    axes = []
    first_pg = None
    for k, (facet, unit, frows) in enumerate(panels):
        share = first_pg if unit == "pg/mL" and first_pg is not None else None
        ax = fig.add_subplot(gs[k], sharex=share)
        if unit == "pg/mL" and first_pg is None:
            first_pg = ax
        _draw_facet(ax, facet, unit, frows)
        axes.append(ax)
    # x labels: on the last pg/mL panel and on every other-unit panel.
    for k, (_, unit, _) in enumerate(panels):
        last_pg = unit == "pg/mL" and (k + 1 == len(panels) or panels[k + 1][1] != "pg/mL")
        if unit != "pg/mL" or last_pg:
            what = "ferritin" if panels[k][0] == "ferritin" else "concentration"
            axes[k].set_xlabel(f"{what} in blood ({unit}, log scale)")
        else:
            axes[k].tick_params(axis="x", labelbottom=True)

    leg_ax = fig.add_subplot(gs[-1])
    leg_ax.axis("off")
    syndromes = [s for s in SYNDROME_ORDER if any(lv.syndrome == s for lv in levels)]
    syndromes += sorted({lv.syndrome for lv in levels} - set(syndromes))
    h_syn = [
        Line2D([], [], color=SYNDROME_COLOURS.get(s, OTHER_SYNDROME_COLOUR), lw=3, label=s) for s in syndromes
    ]
    stats = [s for s in STAT_MARKERS if any(lv.row["statistic"] == s for lv in levels)]
    h_stat = [
        Line2D(
            [],
            [],
            linestyle="none",
            label=STAT_LABELS[s],
            **figstyle.marker_style("#333333", "seen", STAT_MARKERS[s], 4.2),
        )
        for s in stats
    ]
    intervals = [i for i in INTERVAL_STYLES if any(lv.row["interval"] == i for lv in levels)]
    h_int = [
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
    if any(lv.row["flag"] == "unverified" for lv in levels):
        h_stat.append(figstyle.unverified_handle())
    leg1 = leg_ax.legend(
        handles=h_syn, title="syndrome", loc="upper left", ncols=3, bbox_to_anchor=(0.0, 1.0)
    )
    leg_ax.add_artist(leg1)
    leg2 = leg_ax.legend(handles=h_stat, title="statistic", loc="upper left", bbox_to_anchor=(0.55, 1.0))
    leg_ax.add_artist(leg2)
    leg_ax.legend(handles=h_int, title="interval", loc="upper left", bbox_to_anchor=(0.8, 1.0))

    skipped = sorted({item for (what, _), items in prov.skipped.items() for item in items})
    if skipped:
        whats = sorted({what for (what, _) in prov.skipped})
        leg_ax.text(
            0.0,
            -0.05,
            textwrap.fill(
                f"Not plotted ({len(skipped)} rows): " + "; ".join(whats) + " — listed in the sidecar JSON.",
                150,
            ),
            transform=leg_ax.transAxes,
            ha="left",
            va="top",
            fontsize=figstyle.SMALL_SIZE,
            color="#444444",
        )

    figstyle.save(fig, outputs["svg"], outputs["png"], dpi)
    return figstyle.write_sidecar(
        outputs["json"],
        FIGURE_ID,
        TITLE,
        script,
        inputs,
        prov.fact_ids,
        prov.source_ids,
        prov.notes(),
        panels={facet: f"{len(r)} rows ({unit})" for facet, unit, r in panels},
        outputs={k: Path(v).name for k, v in sorted(outputs.items())},
    )
