"""Figure "cytokines before and after purification" of treated CAR-T patients.

One panel per analyte with at least one pair (pairing.py: last pre-purification value, first
post-purification value), log scale, one line per patient coloured by modality group. A pair
with a censored value (`<`, `>`) is drawn dashed with triangle markers at the printed bound
(never as exact); during-purification values are small grey marks between, not paired. Thick
bars are each group's medians over its exact pairs. Every other measurement of a treated
patient is listed in the sidecar with the reason it is not drawn. With no pair at all the
figure says so in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from . import fig_common, figstyle, pairing, tablesio
from .fig_common import Provenance, finish

FIGURE_ID = "case-cytokines"
LIBRARY = f"workflow/lib/crsreview/{Path(__file__).name}"
TITLE = "Cytokines before and after purification in treated CAR-T patients"
MAX_PANELS = 12  # analytes drawn (most pairs first); the rest are listed in the sidecar
COLUMNS = 3
X_PRE, X_DURING, X_POST = 0.0, 0.5, 1.0


@dataclass
class Panel:
    analyte: str
    unit: str
    pairs: list[pairing.Pair]
    during: list[dict]

    @property
    def exact(self) -> list[pairing.Pair]:
        return [p for p in self.pairs if not p.censored]


def treated(cases: list[dict]) -> list[dict]:
    return [c for c in cases if c["context"] == "car-t" and c["kind"] == "patient"]


def _skip_untreated(cases, measurements, prov: Provenance) -> None:
    patients = {c["case_id"] for c in treated(cases)}
    kinds = {c["case_id"]: c for c in cases}
    for m in measurements:
        if m["case_id"] in patients:
            continue
        c = kinds.get(m["case_id"], {})
        why = (
            "cohort entry (group summary, no patient pair)"
            if c.get("kind") == "cohort"
            else "not a CAR-T patient"
        )
        prov.skip("measurement", why, m["fact_id"])


def select(cases, measurements, options: dict, prov: Provenance) -> list[Panel]:
    """Panels (analytes with >= 1 pair, most pairs first); everything else recorded as skipped."""
    symptom = set(options["symptom_analytes"].values())
    group_of = {c["case_id"]: c["modality_group"] for c in treated(cases)}
    _skip_untreated(cases, measurements, prov)
    mine = [m for m in measurements if m["case_id"] in group_of]
    for m in mine:
        if m["analyte"] in symptom:
            prov.skip(
                "measurement", "symptom course (analysed as a symptom response, not drawn)", m["fact_id"]
            )
    labs = [m for m in mine if m["analyte"] not in symptom]
    by_analyte = pairing.pairs_by_analyte(labs, set(group_of))
    panels = []
    for analyte, pairs in by_analyte.items():
        rows = [m for m in labs if m["analyte"] == analyte]
        paired_ids = {f for p in pairs for f in p.fact_ids}
        drawable = [p for p in pairs if p.pre_value > 0 and p.post_value > 0]
        for p in pairs:
            if p not in drawable:
                for fid in p.fact_ids:
                    prov.skip("measurement", "pair with a value of 0 cannot be drawn on a log scale", fid)
        with_pair = {p.case_id for p in drawable}
        during = [m for m in rows if m["relation"] == pairing.DURING and m["case_id"] in with_pair]
        for m in rows:
            if m["fact_id"] in paired_ids or m in during:
                continue
            prov.skip("measurement", _why_unpaired(m, with_pair, {p.case_id for p in pairs}), m["fact_id"])
        if drawable:
            panels.append(Panel(analyte, drawable[0].pre["unit"], drawable, during))
    panels.sort(key=lambda p: (-len(p.pairs), p.analyte))
    for panel in panels[MAX_PANELS:]:
        for p in panel.pairs:
            for fid in p.fact_ids:
                prov.skip("measurement", f"analyte beyond the {MAX_PANELS} panels with most pairs", fid)
    for panel in panels[:MAX_PANELS]:
        for p in panel.pairs:
            prov.use(p.fact_ids, [p.pre["source_id"]])
        for m in panel.during:
            prov.use([m["fact_id"]], [m["source_id"]])
    return panels[:MAX_PANELS]


def _why_unpaired(m: dict, with_pair: set[str], paired_cases: set[str]) -> str:
    if m["case_id"] in paired_cases:
        return "not chosen by the pairing rule (an earlier pre or a later post value of a paired patient)"
    if m["relation"] == pairing.DURING:
        return "during-purification value of a patient without a pair"
    return "no partner: the patient has no value on the other side of purification"


def _log_axis(ax) -> None:
    ax.set_yscale("log")
    # 1-2-5 steps: a panel often spans less than two decades, where powers of ten alone label one tick.
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=12))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else fig_common.fmt(v)))
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=tuple(range(2, 10)), numticks=12))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(axis="y", which="major")


def _draw_pairs(ax, pairs: list[pairing.Pair], colour: str) -> None:
    """One group's patient lines (solid; dashed when censored) and their end markers.

    Lines go into one collection and markers of one kind into one call, so thousands of
    patients draw in about the time of a few (one artist per line took seconds per panel)."""
    line = figstyle.line_colour(colour)
    for censored, ls in ((False, "-"), (True, "--")):
        segs = [[(X_PRE, p.pre_value), (X_POST, p.post_value)] for p in pairs if p.censored == censored]
        if segs:
            ax.add_collection(
                LineCollection(segs, colors=line, linewidths=0.8, linestyles=ls, alpha=0.8, zorder=2)
            )
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for p in pairs:
        for x, row in ((X_PRE, p.pre), (X_POST, p.post)):
            marker = {">": "^", "<": "v"}.get(row["qualifier"].strip(), "o")
            points.setdefault((marker, row["flag"]), []).append((x, float(row["value"])))
    for (marker, flag), xy in sorted(points.items()):
        ax.plot(
            [x for x, _ in xy],
            [y for _, y in xy],
            linestyle="none",
            zorder=3,
            **figstyle.marker_style(colour, flag, marker, 3.5),
        )


def _draw_medians(ax, panel: Panel, groups: list[str], group_of: dict[str, str]) -> None:
    for g in groups:
        exact = [p for p in panel.exact if group_of[p.case_id] == g]
        if not exact:
            continue
        pre = float(np.median([p.pre_value for p in exact]))
        post = float(np.median([p.post_value for p in exact]))
        colour = figstyle.MODALITY_COLOURS.get(g, figstyle.GREY)
        ax.plot(
            [X_PRE, X_POST],
            [pre, post],
            color=figstyle.line_colour(colour),
            lw=2.6,
            alpha=0.55,
            zorder=1,
            solid_capstyle="butt",
        )


def _draw_panel(ax, panel: Panel, groups: list[str], group_of: dict[str, str]) -> None:
    for g in groups:
        mine = [p for p in panel.pairs if group_of[p.case_id] == g]
        _draw_pairs(ax, mine, figstyle.MODALITY_COLOURS.get(g, figstyle.GREY))
    if panel.during:
        ax.plot(
            [X_DURING] * len(panel.during),
            [float(m["value"]) for m in panel.during],
            linestyle="none",
            marker="_",
            markersize=6,
            color="#666666",
            zorder=2,
        )
    _draw_medians(ax, panel, groups, group_of)
    _log_axis(ax)
    ax.set_xlim(-0.25, 1.25)
    ax.set_xticks([X_PRE, X_POST], ["before", "after"])
    n_cens = len(panel.pairs) - len(panel.exact)
    extra = f", {n_cens} censored" if n_cens else ""
    ax.set_title(
        f"{panel.analyte} ({panel.unit})\n{len(panel.exact)} exact pair{'s' if len(panel.exact) != 1 else ''}{extra}",
        fontsize=figstyle.SMALL_SIZE + 0.5,
        pad=3,
    )


def _legend(fig, panels: list[Panel], groups: list[str]) -> None:
    handles = [
        Line2D(
            [],
            [],
            color=figstyle.line_colour(figstyle.MODALITY_COLOURS.get(g, figstyle.GREY)),
            lw=1.2,
            label=f"patient, {g}",
        )
        for g in groups
    ]
    handles.append(Line2D([], [], color="#666666", lw=2.6, alpha=0.55, label="group median (exact pairs)"))
    if any(p.censored for panel in panels for p in panel.pairs):
        handles.append(
            Line2D(
                [],
                [],
                color="#333333",
                lw=0.8,
                ls="--",
                marker="^",
                markersize=3.5,
                label="censored pair (> or <; not exact)",
            )
        )
    if any(panel.during for panel in panels):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="_",
                markersize=6,
                color="#666666",
                label="during purification (not paired)",
            )
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=3, handlelength=2.0, columnspacing=1.2)


def _empty(prov: Provenance, n_patients: int, n_meas: int):
    fig = figstyle.figure(figstyle.SINGLE_COLUMN * 1.45, 1.6)
    ax = fig.add_subplot()
    ax.axis("off")
    text = (
        f"No data to draw: none of the {n_patients} treated CAR-T patients has a value of any laboratory\n"
        f"analyte both before and after purification ({n_meas} measurements of these patients;\n"
        "each is listed with the reason in the sidecar case-cytokines.json)."
    )
    ax.text(
        0.0, 0.5, text, ha="left", va="center", fontsize=figstyle.SMALL_SIZE + 0.5, transform=ax.transAxes
    )
    prov.note("no analyte has a pair: the figure states that there is nothing to draw")
    return fig


def make(
    inputs: dict[str, Path],
    outputs: dict[str, Path],
    dpi: int,
    hashsalt: str,
    script: str | None = None,
    options: dict | None = None,
) -> dict:
    figstyle.apply(hashsalt)
    cases = tablesio.read(Path(inputs["cases"]))
    measurements = tablesio.read(Path(inputs["measurements"]))
    prov = Provenance()
    panels = select(cases, measurements, options, prov)
    patients = treated(cases)
    group_of = {c["case_id"]: c["modality_group"] for c in patients}
    present = {group_of[p.case_id] for panel in panels for p in panel.pairs}
    groups = [g for g in options["groups"] if g in present] + sorted(present - set(options["groups"]))
    if not panels:
        fig = _empty(prov, len(patients), sum(m["case_id"] in group_of for m in measurements))
    else:
        fig = _grid(panels, groups, group_of)
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
        facts=inputs["facts"],
        pairing_rule=options["pairing_rule"],
        panels=[
            {
                "analyte": panel.analyte,
                "unit": panel.unit,
                "pairs": [
                    {
                        "case_id": p.case_id,
                        "group": group_of[p.case_id],
                        "pre": p.pre["fact_id"],
                        "post": p.post["fact_id"],
                        "censored": p.censored,
                    }
                    for p in panel.pairs
                ],
                "during": sorted(m["fact_id"] for m in panel.during),
            }
            for panel in panels
        ],
        treated_patients=len(patients),
    )


def _grid(panels: list[Panel], groups: list[str], group_of: dict[str, str]):
    cols = min(COLUMNS, len(panels))
    rows = -(-len(panels) // cols)
    width = figstyle.DOUBLE_COLUMN if cols > 1 else figstyle.SINGLE_COLUMN * 1.2
    fig = figstyle.figure(width, min(figstyle.MAX_HEIGHT, 1.9 * rows + 0.7))
    for k, panel in enumerate(panels):
        ax = fig.add_subplot(rows, cols, k + 1)
        _draw_panel(ax, panel, groups, group_of)
        if k % cols == 0:
            ax.set_ylabel("value (log scale)")
    _legend(fig, panels, groups)
    return fig
