"""Figure "plasma-exchange kinetics": fraction removed versus plasma volumes exchanged.

The one-compartment first-order model 1 - exp(-V) is drawn for V = 0-3 plasma volumes, with the
1.0 and 1.5 PV points marked. Reported removal fractions of TPE (purification_methods,
property removal_fraction) are placed at the dose given by `dose_pv=` at the start of their
note: model values printed by sources (setting 'formula') apart from values measured in
patients. Each CAR-T PE case is placed on the curve only if its plasma volume can be computed
(body weight and haematocrit); otherwise the figure says why.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.lines import Line2D

from . import fig_common, figstyle, plasma, tablesio
from .fig_common import Provenance, num

FIGURE_ID = "pe-kinetics"
LIBRARY = f"workflow/lib/crsreview/{Path(__file__).name}"
TITLE = "Plasma exchange: fraction removed versus plasma volumes exchanged"
MAX_PV = 3.0
MARKED_DOSES = (1.0, 1.5)
WEIGHT_FIELDS = ("body_weight_kg", "body_weight", "weight_kg", "weight")
HCT_FIELDS = ("haematocrit", "hematocrit", "haematocrit_percent", "hematocrit_percent", "hct")

_DOSE_RE = re.compile(r"^\s*dose_pv=(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?(?=$|[\s;(,])")

SETTING_STYLE = {
    "formula": {
        "colour": figstyle.OKABE_ITO["blue"],
        "marker": "s",
        "label": "model value printed or computed by a source (setting: formula)",
    },
    "patients": {
        "colour": figstyle.OKABE_ITO["vermillion"],
        "marker": "o",
        "label": "measured in patients (setting: patients)",
    },
}
OTHER_SETTING = {"colour": figstyle.GREY, "marker": "^", "label": "setting not stated or other"}


# Above this many CAR-T PE entries the regimens are counted, not listed one by one.
MAX_LISTED = 8


def model(v: float) -> float:
    """Fraction of an intravascular solute removed after V plasma volumes (first order)."""
    return 1.0 - math.exp(-v)


def parse_dose(note: str) -> tuple[float, float] | None:
    """`dose_pv=1.0` -> (1.0, 1.0); `dose_pv=1.0-1.5; ...` -> (1.0, 1.5); anything else -> None."""
    m = _DOSE_RE.match(note or "")
    if not m:
        return None
    low = float(m.group(1))
    high = float(m.group(2)) if m.group(2) else low
    return (low, high) if low <= high else None


@dataclass
class Removal:
    row: dict
    dose: tuple[float, float]
    value: float | None
    lower: float | None
    upper: float | None
    fact_ids: list[str] = field(default_factory=list)

    @property
    def centre(self) -> tuple[float, float]:
        x = (self.dose[0] + self.dose[1]) / 2
        y = (
            self.value
            if self.value is not None
            else (self.lower + (self.upper if self.upper is not None else self.lower)) / 2
        )
        return x, y


def select_removals(methods: list[dict], prov: Provenance) -> list[Removal]:
    """TPE removal fractions with a stated dose; rows without one are recorded as skipped."""
    out = []
    for r in methods:
        if r["modality"] != "TPE" or r["property"] != "removal_fraction":
            continue
        dose = parse_dose(r["note"])
        if dose is None:
            prov.skip(
                "TPE removal fraction",
                "no dose in plasma volumes (note does not start with dose_pv=)",
                r["row_id"],
            )
            continue
        if dose[1] > MAX_PV:
            prov.skip(
                "TPE removal fraction",
                f"dose above {MAX_PV:g} plasma volumes (outside the axis)",
                r["row_id"],
            )
            continue
        value, lower, upper = num(r["value"]), num(r["lower"]), num(r["upper"])
        if value is None and lower is None:
            prov.skip("TPE removal fraction", "no numeric value", r["row_id"])
            continue
        out.append(Removal(r, dose, value, lower, upper, fig_common.ids(r["fact_ids"])))
        prov.use_row(r)
    return sorted(out, key=lambda x: (x.row["setting"], x.dose, x.row["row_id"]))


@dataclass
class Regimen:
    case: dict
    dose: float | None
    reason: str
    text: str
    fact_ids: list[str]


def _fact(facts_by_id: dict, cid: str, names) -> dict | None:
    for name in names:
        f = facts_by_id.get(f"{cid}.{name}")
        if f is not None and f["value"].strip():
            return f
    return None


def _nr(facts_by_id: dict, cid: str, names) -> list[str]:
    return [f"{cid}.nr.{n}" for n in names if f"{cid}.nr.{n}" in facts_by_id]


def regimen(case: dict, facts_by_id: dict) -> Regimen:
    """Sessions x volume of one PE case and, if weight and Hct are known, the plasma volumes."""
    cid = case["case_id"]
    used, parts = [], []
    sessions = _fact(facts_by_id, cid, ("pe_sessions",))
    volume = _fact(facts_by_id, cid, ("pe_volume_ml_per_session",))

    def flagged(f: dict, text: str) -> str:
        return f"{text} (unverified)" if f["flag"] == "unverified" else text

    if sessions is not None:
        used.append(sessions["fact_id"])
        parts.append(flagged(sessions, f"{fig_common.fmt(float(sessions['value']))} sessions"))
    else:
        used += _nr(facts_by_id, cid, ("pe_sessions",))
        parts.append("sessions NR" if case.get("pe_sessions") == fig_common.NR else "sessions not extracted")
    if volume is not None:
        used.append(volume["fact_id"])
        parts.append(flagged(volume, f"{float(volume['value']):.0f} mL per session"))
    else:
        used += _nr(facts_by_id, cid, ("pe_volume_ml_per_session",))
        parts.append(
            "volume NR" if case.get("pe_volume_ml_per_session") == fig_common.NR else "volume not extracted"
        )
    weight = _fact(facts_by_id, cid, WEIGHT_FIELDS)
    hct = _fact(facts_by_id, cid, HCT_FIELDS)
    missing = [
        name
        for name, f in (("body weight", weight), ("haematocrit", hct), ("exchange volume", volume))
        if f is None
    ]
    used += _nr(facts_by_id, cid, (*WEIGHT_FIELDS, *HCT_FIELDS))
    text = ", ".join(parts)
    if missing:
        return Regimen(case, None, "not computable: " + ", ".join(missing) + " not reported", text, used)
    w, h = num(weight["value"]), num(hct["value"])
    v = num(volume["value"])
    if w is None or h is None or v is None:
        return Regimen(
            case, None, "not computable: weight, haematocrit or volume is not a number", text, used
        )
    used += [weight["fact_id"], hct["fact_id"]]
    dose = plasma.volumes_exchanged(v, w, h)
    return Regimen(case, dose, f"{dose:.2f} plasma volumes per session ({plasma.FORMULA})", text, used)


def pe_cases(cases: list[dict]) -> list[dict]:
    return [c for c in cases if c["context"] == "car-t" and c["modality_group"] == "PE"]


def _draw_model(ax) -> None:
    """The first-order model curve and its marked doses."""
    xs = [MAX_PV * k / 300 for k in range(301)]
    ax.plot(
        xs,
        [model(x) for x in xs],
        color="#222222",
        lw=1.2,
        zorder=2,
        label="first-order model: fraction removed = 1 − e^(−V)",
    )
    for d in MARKED_DOSES:
        y = model(d)
        ax.plot([d, d], [0, y], color=figstyle.GREY, lw=0.6, ls=":", zorder=1)
        ax.plot([0, d], [y, y], color=figstyle.GREY, lw=0.6, ls=":", zorder=1)
        ax.plot(
            [d],
            [y],
            marker="o",
            markersize=5.5,
            markerfacecolor="#222222",
            markeredgecolor="white",
            markeredgewidth=0.8,
            zorder=4,
            linestyle="none",
        )
        ax.annotate(
            f"{d:.1f} PV: {100 * y:.1f}% removed",
            xy=(d, y),
            xytext=(d - 0.45, y + 0.11),
            fontsize=figstyle.SMALL_SIZE,
            ha="center",
            va="center",
            arrowprops={"arrowstyle": "-", "color": figstyle.GREY, "lw": 0.5},
        )


def _draw_removals(ax, removals: list[Removal]) -> list[dict]:
    """Reported removal fractions at their stated doses; returns the settings drawn (legend)."""
    settings_seen = []
    for rm in removals:
        st = SETTING_STYLE.get(rm.row["setting"], OTHER_SETTING)
        if st not in settings_seen:
            settings_seen.append(st)
        x, y = rm.centre
        xerr = [[x - rm.dose[0]], [rm.dose[1] - x]] if rm.dose[1] > rm.dose[0] else None
        yerr = None
        if rm.value is None:
            top = rm.upper if rm.upper is not None else rm.lower
            yerr = [[y - rm.lower], [top - y]]
        style = figstyle.marker_style(st["colour"], rm.row["flag"], st["marker"], 4.2)
        ax.errorbar(
            [x],
            [y],
            xerr=xerr,
            yerr=yerr,
            linestyle="none",
            elinewidth=0.9,
            capsize=2.0,
            ecolor=st["colour"],
            zorder=3,
            **style,
        )
        if rm.row["setting"] == "patients":
            label = f"{rm.row['mediator']} [{rm.row['source_id']}]"
            ax.annotate(
                textwrap.fill(label, 26),
                xy=(x, y),
                xytext=(x + 0.3, y - 0.2),
                fontsize=figstyle.SMALL_SIZE,
                ha="left",
                va="top",
                color=st["colour"],
                arrowprops={"arrowstyle": "-", "color": st["colour"], "lw": 0.5},
            )

    return settings_seen


def _draw_regimens(ax, regimens: list[Regimen], prov: Provenance) -> None:
    """CAR-T PE regimens placed on the curve where their plasma volumes are computable."""
    for rg in regimens:
        prov.use(rg.fact_ids, [rg.case["source_id"]])
        if rg.dose is not None and 0 < rg.dose <= MAX_PV:
            ax.plot(
                [rg.dose],
                [model(rg.dose)],
                marker="*",
                markersize=8,
                color=figstyle.OKABE_ITO["green"],
                zorder=5,
                linestyle="none",
            )
            if len(regimens) > MAX_LISTED:
                continue
            ax.annotate(
                rg.case["case_id"],
                xy=(rg.dose, model(rg.dose)),
                xytext=(4, -8),
                textcoords="offset points",
                fontsize=figstyle.SMALL_SIZE,
            )
        else:
            prov.skip("CAR-T PE case regimen", rg.reason, rg.case["case_id"])


def _finish_axes(ax, removals: list[Removal], settings_seen: list[dict]) -> None:
    """Axis limits, ticks, labels and the legend of the kinetics panel."""
    ax.set_xlim(0, MAX_PV + 0.06)
    ax.set_ylim(0, 1.02)
    ax.set_xticks([0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0], ["0%", "20%", "40%", "60%", "80%", "100%"])
    ax.set_xlabel("plasma volumes exchanged, V (multiples of the patient's plasma volume)")
    ax.set_ylabel("fraction of an intravascular solute removed (%)")
    ax.grid(True)
    handles = [Line2D([], [], color="#222222", lw=1.2, label="first-order model 1 − e^(−V)")]
    handles += [
        Line2D(
            [],
            [],
            linestyle="none",
            label=st["label"],
            **figstyle.marker_style(st["colour"], "seen", st["marker"], 4.2),
        )
        for st in settings_seen
    ]
    handles.append(
        Line2D([], [], color="#555555", lw=0.9, label="bars: reported range of removal or of dose")
    )
    if any(rm.row["flag"] == "unverified" for rm in removals):
        handles.append(figstyle.unverified_handle())
    ax.legend(handles=handles, loc="lower right", fontsize=figstyle.SMALL_SIZE)


def _draw_case_text(tax, regimens: list[Regimen], prov: Provenance) -> None:
    """The text panel: each CAR-T PE case and where it is placed, or counts above MAX_LISTED."""
    tax.axis("off")
    lines = ["CAR-T cases treated with PE (cases.csv):"]
    if len(regimens) <= MAX_LISTED:
        for rg in regimens:
            where = f"placed at {rg.dose:.2f} PV" if rg.dose is not None else rg.reason
            lines.append(
                textwrap.fill(f"• {rg.case['case_id']}: {rg.text}; {where}", 78, subsequent_indent="   ")
            )
    else:
        # Many entries (a complete extraction): count them; the sidecar lists each one.
        placed = sum(rg.dose is not None for rg in regimens)
        reasons: dict[str, int] = {}
        for rg in regimens:
            if rg.dose is None:
                reasons[rg.reason] = reasons.get(rg.reason, 0) + 1
        lines.append(f"• {len(regimens)} entries; {placed} placed on the curve (listed in the sidecar)")
        lines += [f"• {k} entries {why}" for why, k in sorted(reasons.items())]
    no_dose = sorted(
        i for (what, why), items in prov.skipped.items() if what == "TPE removal fraction" for i in items
    )
    if no_dose:
        lines.append(
            f"Not plotted: {len(no_dose)} TPE removal fractions without a stated dose (listed in the sidecar)."
        )
    tax.text(
        0.0,
        1.0,
        "\n".join(lines),
        ha="left",
        va="top",
        fontsize=figstyle.SMALL_SIZE,
        transform=tax.transAxes,
        linespacing=1.35,
    )


def make(
    inputs: dict[str, Path],
    outputs: dict[str, Path],
    dpi: int,
    hashsalt: str,
    script: str | None = None,
    options: dict | None = None,
) -> dict:
    figstyle.apply(hashsalt)
    methods = tablesio.read(Path(inputs["purification_methods"]))
    cases = tablesio.read(Path(inputs["cases"]))
    facts = tablesio.read(Path(inputs["facts"]))
    facts_by_id = {f["fact_id"]: f for f in facts}
    prov = Provenance()

    removals = select_removals(methods, prov)
    regimens = [regimen(c, facts_by_id) for c in pe_cases(cases)]
    for c in cases:
        if c["modality_group"] == "PE" and c["context"] != "car-t":
            prov.skip("PE case", f"context {c['context']}, not CAR-T", c["case_id"])

    fig = figstyle.figure(figstyle.SINGLE_COLUMN * 1.45, 4.3)
    gs = fig.add_gridspec(2, 1, height_ratios=[3.0, 0.95])
    ax = fig.add_subplot(gs[0])
    _draw_model(ax)
    settings_seen = _draw_removals(ax, removals)
    _draw_regimens(ax, regimens, prov)
    _finish_axes(ax, removals, settings_seen)
    _draw_case_text(fig.add_subplot(gs[1]), regimens, prov)

    return fig_common.finish(
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
        model={
            "formula": "fraction removed = 1 - exp(-V), V = plasma volumes exchanged",
            "marked": {f"{d:.1f}": round(model(d), 4) for d in MARKED_DOSES},
        },
        pe_cases=[
            {
                "case_id": rg.case["case_id"],
                "regimen": rg.text,
                "plasma_volumes": rg.dose,
                "status": rg.reason,
            }
            for rg in regimens
        ],
    )
