"""Figure "What each technique can remove": size windows of techniques beside mediator sizes.

Panel a: cut-offs and size windows stated for each technique (purification_methods, property
cutoff_kda or size_window_kda). Panel b: molecular weights of the mediators (mediators.csv), one
row per mediator, marker shape = molecular form, ranges drawn as lines. Panel c: published
sieving coefficients per mediator (rows ordered by the mediator's molecular weight).
Everything not drawn is listed, with the reason, in the sidecar JSON.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

from . import fig_common, figstyle, supersede, tablesio
from .fig_common import Provenance, finish, num

FIGURE_ID = "size-windows"
LIBRARY = f"workflow/lib/crsreview/{Path(__file__).name}"
TITLE = "What each technique can remove"
XLIM = (0.03, 2000.0)

# Technique groups in the order drawn (top to bottom) and the modalities they gather.
TECHNIQUES = {
    "HD": ("HD",),
    "high-flux": ("high-flux",),
    "HF/HDF": ("HF", "HDF", "CVVHDF", "CRRT"),
    "MCO": ("MCO",),
    "HCO": ("HCO",),
    "adsorption": ("CytoSorb", "hemoadsorption"),
    "oXiris": ("oXiris",),
    "PE": ("TPE", "PE"),
}
TECHNIQUE_LABELS = {
    "HD": "HD",
    "high-flux": "high-flux",
    "HF/HDF": "HF / HDF",
    "MCO": "MCO",
    "HCO": "HCO",
    "adsorption": "CytoSorb",
    "oXiris": "oXiris",
    "PE": "TPE",
}
SIZE_PROPERTIES = ("cutoff_kda", "size_window_kda")

FORM_MARKERS = {
    "monomer": "o",
    "mature": "s",
    "precursor": "v",
    "glycosylated": "D",
    "unglycosylated": "d",
    "dimer": "^",
    "trimer": ">",
    "oligomer": "h",
    "pentamer": "p",
    "24-mer": "*",
}
OTHER_FORM_MARKER = "X"

QUALIFIER_MARKERS = {"": "o", "=": "o", "~": "D", "<": "<", ">": ">", "<=": "<", ">=": ">"}
QUALIFIER_LABELS = {
    "o": "value as reported",
    "D": "approximate (~)",
    "<": "upper bound (<)",
    ">": "lower bound (>)",
}

NOT_SIZE_REASONS = {
    "clearance_ml_min": "clearance depends on blood and effluent flows; not a size property",
    "removal_fraction": "removal fraction depends on time, dose and circuit (TPE values are in pe-kinetics)",
    "qualitative": "non-numeric finding (kept for the text)",
    "pore_nm": "pore size in nm is not a molecular weight",
    "albumin_loss_g": "operating property, not a size property",
    "blood_flow_ml_min": "operating property, not a size property",
    "max_hours": "operating property, not a size property",
}


def technique_group(modality: str) -> str | None:
    for group, members in TECHNIQUES.items():
        if modality in members:
            return group
    return None


# ---------------------------------------------------------------------------------------------
# Selection (pure functions, unit-tested)


@dataclass
class Window:
    """One drawn technique row: a cut-off or size window, possibly stated by several sources."""

    group: str
    prop: str
    device: str
    value: float | None
    lower: float | None
    upper: float | None
    qualifier: str
    flag: str
    source_ids: list[str] = field(default_factory=list)
    fact_ids: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)

    @property
    def key(self):
        return (self.group, self.prop, self.device, self.value, self.lower, self.upper, self.qualifier)

    def text(self) -> str:
        q = "~" if self.qualifier == "~" else self.qualifier if self.qualifier in ("<", ">") else ""
        if self.value is not None:
            return f"{q}{fig_common.fmt(self.value)} kDa"
        if self.upper is None:
            return f"from {fig_common.fmt(self.lower)} kDa"
        return f"{fig_common.fmt(self.lower)}–{fig_common.fmt(self.upper)} kDa"


def select_windows(methods: list[dict], prov: Provenance) -> list[Window]:
    """Technique rows with a size property; merged when group, device and numbers agree."""
    merged: dict[tuple, Window] = {}
    for r in methods:
        prop = r["property"]
        if prop not in SIZE_PROPERTIES:
            continue
        group = technique_group(r["modality"])
        if group is None:
            prov.skip(
                "technique size limit",
                f"modality {r['modality']!r} is not one of the drawn techniques",
                r["row_id"],
            )
            continue
        if r["device_or_membrane"].lower().startswith("reference value"):
            prov.skip(
                "technique size limit", "reference value (e.g. the native kidney), not a device", r["row_id"]
            )
            continue
        value, lower, upper = num(r["value"]), num(r["lower"]), num(r["upper"])
        if value is None and lower is None:
            prov.skip("technique size limit", "no numeric value", r["row_id"])
            continue
        w = Window(group, prop, r["device_or_membrane"], value, lower, upper, r["qualifier"], r["flag"])
        w = merged.setdefault(w.key, w)
        w.source_ids.append(r["source_id"])
        w.fact_ids.extend(fig_common.ids(r["fact_ids"]))
        w.modalities.append(r["modality"])
        if r["flag"] == "unverified":
            w.flag = "unverified"
        prov.use_row(r)
    order = list(TECHNIQUES)

    def sort_key(w: Window):
        edge = w.value if w.value is not None else w.lower
        return (order.index(w.group), SIZE_PROPERTIES.index(w.prop), edge, w.device)

    return sorted(merged.values(), key=sort_key)


@dataclass
class MwPoint:
    mediator: str
    form: str
    value: float | None
    low: float | None
    high: float | None
    flag: str
    source_id: str
    row_id: str
    fact_ids: list[str]

    @property
    def smallest(self) -> float:
        return self.value if self.value is not None else self.low


def select_mediators(mediators: list[dict], prov: Provenance) -> dict[str, list[MwPoint]]:
    """Mediator -> its molecular-weight values (kDa); mediators without a number are skipped."""
    out: dict[str, list[MwPoint]] = {}
    for r in mediators:
        value, low, high = num(r["mw_kda"]), num(r["mw_kda_low"]), num(r["mw_kda_high"])
        if value is None and (low is None or high is None):
            prov.skip(
                "mediator",
                "no molecular weight in kDa in mediators.csv (e.g. size given only as a sedimentation class)",
                f"{r['mediator']} ({r['row_id']})",
            )
            continue
        out.setdefault(r["mediator"], []).append(
            MwPoint(
                r["mediator"],
                r["form"],
                value,
                low,
                high,
                r["flag"],
                r["source_id"],
                r["row_id"],
                fig_common.ids(r["fact_ids"]),
            )
        )
    for points in out.values():
        points.sort(key=lambda p: (p.smallest, p.form, p.source_id, p.row_id))
    return dict(sorted(out.items(), key=lambda kv: (min(p.smallest for p in kv[1]), kv[0].lower())))


def mw_range(points: list[MwPoint]) -> tuple[float, float]:
    vals = [v for p in points for v in (p.value, p.low, p.high) if v is not None]
    return min(vals), max(vals)


@dataclass
class Sieving:
    mediator: str
    group: str
    value: float | None
    lower: float | None
    upper: float | None
    qualifier: str
    setting: str
    flag: str
    source_id: str
    row_id: str
    fact_ids: list[str]


def select_sieving(methods: list[dict], known_mw: set[str], prov: Provenance) -> list[Sieving]:
    out = []
    for r in methods:
        if r["property"] != "sieving_coefficient":
            continue
        group = technique_group(r["modality"])
        if ";" in r["mediator"]:
            prov.skip("sieving coefficient", "row names several mediators", r["row_id"])
        elif r["mediator"] not in known_mw:
            prov.skip("sieving coefficient", "mediator has no molecular weight in mediators.csv", r["row_id"])
        elif group is None:
            prov.skip(
                "sieving coefficient",
                f"modality {r['modality']!r} is not one of the drawn techniques",
                r["row_id"],
            )
        elif num(r["value"]) is None and num(r["lower"]) is None:
            prov.skip("sieving coefficient", "no numeric value", r["row_id"])
        else:
            out.append(
                Sieving(
                    r["mediator"],
                    group,
                    num(r["value"]),
                    num(r["lower"]),
                    num(r["upper"]),
                    r["qualifier"],
                    r["setting"],
                    r["flag"],
                    r["source_id"],
                    r["row_id"],
                    fig_common.ids(r["fact_ids"]),
                )
            )
            prov.use_row(r)
    return out


def skip_other_methods(methods: list[dict], prov: Provenance) -> None:
    for r in methods:
        reason = NOT_SIZE_REASONS.get(r["property"])
        if reason:
            prov.skip(f"purification property {r['property']}", reason, r["row_id"])


# ---------------------------------------------------------------------------------------------
# Drawing


def _log_axis(ax) -> None:
    ax.set_xscale("log")
    ax.set_xlim(*XLIM)
    ax.xaxis.set_major_locator(FixedLocator([0.1, 1, 10, 100, 1000]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fig_common.fmt(v)))
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=tuple(range(2, 10)), numticks=20))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(axis="x", which="major")


def _draw_windows(ax, windows: list[Window]) -> None:
    """One row per technique size limit; the device text sits in the free space of each row."""
    labels = []
    small = figstyle.SMALL_SIZE
    for y, w in enumerate(windows):
        colour = figstyle.MODALITY_COLOURS.get(w.group, figstyle.GREY)
        sources = f"[{', '.join(sorted(set(w.source_ids)))}]"
        if w.flag == "unverified":
            sources += " (unverified value)"
        device = textwrap.shorten(w.device, 52, placeholder="…")
        if w.prop == "cutoff_kda":
            edge = w.value if w.value is not None else w.lower
            top = w.value if w.value is not None else w.upper
            ax.barh(y, edge - XLIM[0], left=XLIM[0], height=0.62, color=colour, alpha=0.3, linewidth=0)
            if top > edge:
                ax.barh(
                    y,
                    top - edge,
                    left=edge,
                    height=0.62,
                    color=colour,
                    alpha=0.3,
                    linewidth=0,
                    hatch="////",
                    edgecolor=colour,
                )
            for x in sorted({edge, top}):
                ax.plot(
                    [x, x],
                    [y - 0.34, y + 0.34],
                    color=figstyle.line_colour(colour),
                    lw=1.6,
                    solid_capstyle="butt",
                )
            ax.text(edge / 1.15, y, device, va="center", ha="right", fontsize=small, color="#222222")
            ax.text(top * 1.15, y, f"{w.text()} {sources}", va="center", ha="left", fontsize=small)
        else:
            right = w.upper if w.upper is not None else XLIM[1]
            ax.barh(y, right - w.lower, left=w.lower, height=0.62, color=colour, alpha=0.9, linewidth=0)
            if w.upper is None:
                ax.annotate(
                    "",
                    xy=(XLIM[1], y),
                    xytext=(XLIM[1] / 2.5, y),
                    arrowprops={"arrowstyle": "-|>", "color": "white", "lw": 1.0},
                )
                ax.text(
                    w.lower / 1.15,
                    y,
                    f"{device}: {w.text()} {sources}",
                    va="center",
                    ha="right",
                    fontsize=small,
                )
            else:
                if math.log10(w.lower / XLIM[0]) >= 1.5:
                    ax.text(
                        w.lower / 1.15, y, device, va="center", ha="right", fontsize=small, color="#222222"
                    )
                else:  # no room on the left: write inside the (dark) bar
                    ax.text(
                        math.sqrt(w.lower * right),
                        y,
                        device,
                        va="center",
                        ha="center",
                        fontsize=small,
                        color="white",
                    )
                ax.text(right * 1.15, y, f"{w.text()} {sources}", va="center", ha="left", fontsize=small)
        members = [m for m in TECHNIQUES[w.group] if m in w.modalities]
        labels.append(" / ".join(members) if len(members) > 1 else TECHNIQUE_LABELS[w.group])
    ax.set_yticks(range(len(windows)), labels)
    ax.set_ylim(len(windows) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)


def _dodge(n: int, span: float = 0.62) -> list[float]:
    if n == 1:
        return [0.0]
    step = min(span / (n - 1), 0.16)
    start = -step * (n - 1) / 2
    return [start + k * step for k in range(n)]


def _draw_mediators(ax, meds: dict[str, list[MwPoint]], windows: list[Window]) -> set[str]:
    forms_seen = set()
    guides: dict[float, str] = {}  # one guide line per limit (first technique's colour)
    for w in windows:
        for x in sorted({v for v in (w.value, w.lower, w.upper) if v is not None}):
            if 1 <= x < XLIM[1]:
                guides.setdefault(
                    x, figstyle.line_colour(figstyle.MODALITY_COLOURS.get(w.group, figstyle.GREY))
                )
    for x, colour in sorted(guides.items()):
        ax.axvline(x, color=colour, lw=0.7, ls=(0, (3, 2)), alpha=0.6, zorder=0)
    for i, (_med, points) in enumerate(meds.items()):
        offsets = _dodge(len(points), 0.8)
        for p, dy in zip(points, offsets, strict=True):
            marker = FORM_MARKERS.get(p.form, OTHER_FORM_MARKER)
            forms_seen.add(p.form)
            style = figstyle.marker_style("#222222", p.flag, marker, size=3.6)
            y = i + dy
            if p.value is not None:
                ax.plot([p.value], [y], linestyle="none", zorder=3, **style)
            else:
                ax.plot([p.low, p.high], [y, y], color="#555555", lw=1.2, zorder=2, solid_capstyle="butt")
                ax.plot([p.low, p.high], [y, y], linestyle="none", zorder=3, **style)
    ax.set_yticks(range(len(meds)), list(meds))
    ax.set_ylim(len(meds) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="y", color="#F2F2F2", lw=4.5, zorder=-1)
    return forms_seen


def _draw_sieving(ax, rows: list[Sieving], meds: dict[str, list[MwPoint]]) -> list[str]:
    order = [m for m in meds if any(s.mediator == m for s in rows)]
    tech_order = list(TECHNIQUES)
    labels = []
    for i, med in enumerate(order):
        lo, hi = mw_range(meds[med])
        mw = f"{fig_common.fmt(lo)} kDa" if lo == hi else f"{fig_common.fmt(lo)}–{fig_common.fmt(hi)} kDa"
        labels.append(f"{med} ({mw})")
        here = sorted(
            (s for s in rows if s.mediator == med),
            key=lambda s: (tech_order.index(s.group), s.value if s.value is not None else s.lower, s.row_id),
        )
        for s, dy in zip(here, _dodge(len(here), 0.7), strict=True):
            colour = figstyle.MODALITY_COLOURS.get(s.group, figstyle.GREY)
            y = i + dy
            marker = QUALIFIER_MARKERS.get(s.qualifier, "o")
            style = figstyle.marker_style(colour, s.flag, marker, size=3.6)
            if s.value is not None:
                ax.plot([s.value], [y], linestyle="none", zorder=3, **style)
            else:
                hi_v = s.upper if s.upper is not None else s.lower
                ax.plot([s.lower, hi_v], [y, y], color=colour, lw=1.4, zorder=2, solid_capstyle="butt")
                ax.plot([s.lower, hi_v], [y, y], linestyle="none", zorder=3, **style)
    ax.set_yticks(range(len(order)), labels)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(-0.04, 1.1)
    ax.axvline(1.0, color=figstyle.GREY, lw=0.6, ls=":")
    ax.grid(axis="x")
    ax.grid(axis="y", color="#F2F2F2", lw=4.5, zorder=-1)
    return order


def make(
    inputs: dict[str, Path],
    outputs: dict[str, Path],
    dpi: int,
    hashsalt: str,
    script: str | None = None,
    options: dict | None = None,
) -> dict:
    """Draw the figure from the processed tables and write SVG, PNG and the sidecar."""
    figstyle.apply(hashsalt)
    mediators = tablesio.read(Path(inputs["mediators"]))
    methods = tablesio.read(Path(inputs["purification_methods"]))
    prov = Provenance()

    windows = select_windows(methods, prov)
    chosen = supersede.select(mediators)
    for row, why in chosen.hidden:
        prov.skip(
            "mediator value", "superseded by a better-sourced row (superseded_by)", f"{row['row_id']}: {why}"
        )
    meds = select_mediators(chosen.shown, prov)
    for points in meds.values():
        for p in points:
            prov.use(p.fact_ids, [p.source_id])
    sieving = select_sieving(methods, set(meds), prov)
    skip_other_methods(methods, prov)

    n_sc = len({s.mediator for s in sieving})
    rows = [max(len(windows), 1), len(meds), max(n_sc, 1)]
    unit = figstyle.row_height(0.16, sum(rows), 1.45)
    heights = [rows[0] * unit + 0.3, rows[1] * unit * 0.97 + 0.45, rows[2] * unit + 0.45]
    fig = figstyle.figure(figstyle.DOUBLE_COLUMN, sum(heights) + 0.25)
    gs = fig.add_gridspec(3, 1, height_ratios=heights)
    ax_a = fig.add_subplot(gs[0])
    ax_b = fig.add_subplot(gs[1], sharex=ax_a)
    ax_c = fig.add_subplot(gs[2])
    title_size = figstyle.BASE_SIZE + 0.5

    # a: technique size limits
    _log_axis(ax_a)
    _draw_windows(ax_a, windows)
    ax_a.set_title("a  Size limits stated for each technique (kDa)", fontsize=title_size, pad=13)
    ax_a.tick_params(axis="x", labelbottom=False)
    ax_a.legend(
        handles=[
            Patch(
                facecolor="#999999",
                alpha=0.4,
                label="cut-off: smaller molecules pass (hatched: stated range)",
            ),
            Patch(
                facecolor="#777777",
                alpha=0.9,
                label="size window stated by the source (arrow: no upper limit)",
            ),
        ],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=2,
        borderaxespad=0.1,
        handlelength=1.4,
        fontsize=figstyle.SMALL_SIZE,
    )

    # b: mediator sizes
    forms = _draw_mediators(ax_b, meds, windows)
    ax_b.set_title(
        "b  Molecular weight of mediators (all reported forms; superseded values left out)",
        fontsize=title_size,
    )
    ax_b.set_xlabel("molecular weight (kDa, log scale)")
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            label=form,
            **figstyle.marker_style("#222222", "seen", FORM_MARKERS[form], 3.6),
        )
        for form in FORM_MARKERS
        if form in forms
    ]
    if forms - set(FORM_MARKERS):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                label="other form",
                **figstyle.marker_style("#222222", "seen", OTHER_FORM_MARKER, 3.6),
            )
        )
    handles.append(Line2D([], [], color="#555555", lw=1.2, label="reported range"))
    handles.append(Line2D([], [], color=figstyle.GREY, lw=0.7, ls=(0, (3, 2)), label="limits from panel a"))
    if any(p.flag == "unverified" for pts in meds.values() for p in pts) or any(
        w.flag == "unverified" for w in windows
    ):
        handles.append(figstyle.unverified_handle())
    ax_b.legend(
        handles=handles,
        title="molecular form",
        loc="lower left",
        bbox_to_anchor=(0.0, 0.07),
        ncols=2,
        frameon=True,
        facecolor="white",
        edgecolor="#CCCCCC",
        framealpha=0.9,
        borderpad=0.6,
        alignment="left",
    )
    skipped_meds = sorted(
        {i.split(" (")[0] for (what, _), items in prov.skipped.items() if what == "mediator" for i in items}
    )
    if skipped_meds:
        ax_b.text(
            0.01,
            0.02,
            "not plotted (no kDa value in the data): " + ", ".join(skipped_meds),
            transform=ax_b.transAxes,
            ha="left",
            va="bottom",
            fontsize=figstyle.SMALL_SIZE,
            color="#444444",
        )

    # c: sieving coefficients
    order = _draw_sieving(ax_c, sieving, meds)
    ax_c.set_title(
        "c  Published sieving coefficients (rows ordered by molecular weight)", fontsize=title_size
    )
    ax_c.set_xlabel("sieving coefficient (filtrate / plasma concentration, dimensionless)")
    groups = [g for g in TECHNIQUES if any(s.group == g for s in sieving)]
    handles = [Patch(color=figstyle.MODALITY_COLOURS[g], label=TECHNIQUE_LABELS[g]) for g in groups]
    quals = sorted(
        {QUALIFIER_MARKERS.get(s.qualifier, "o") for s in sieving}, key=list(QUALIFIER_LABELS).index
    )
    handles += [
        Line2D(
            [],
            [],
            linestyle="none",
            label=QUALIFIER_LABELS[m],
            **figstyle.marker_style("#333333", "seen", m, 3.6),
        )
        for m in quals
    ]
    handles.append(Line2D([], [], color="#333333", lw=1.4, label="reported range"))
    if any(s.flag == "unverified" for s in sieving):
        handles.append(figstyle.unverified_handle())
    ax_c.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.45, -0.2),
        ncols=6,
        borderaxespad=0,
        handlelength=1.4,
        columnspacing=1.2,
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
        panels={
            "a": f"{len(windows)} technique size limits (cutoff_kda, size_window_kda)",
            "b": f"{sum(len(p) for p in meds.values())} molecular-weight values of {len(meds)} mediators",
            "c": f"{len(sieving)} sieving coefficients of {len(order)} mediators",
        },
    )
