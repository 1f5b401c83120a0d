"""Figure "case timelines" (swimmer plot) of treated CAR-T patients, from events.csv.

One row per treated CAR-T patient (up to config `analysis.max_timeline_patients`), x = day after
CAR-T infusion, one marker per event: CRS onset, drugs, ICU, each purification session
(coloured by its modality group), resolution, discharge, death. An event given as a range of
days is a marker at the first day with a thin line to the last. Patients without a dated event
keep their row, labelled so. Above the limit the figure summarises instead: the day of the
first session and the sessions per patient, by modality group. Undated events and events of
other entries are listed in the sidecar with the reason.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.lines import Line2D

from . import figstyle, pairing, tablesio
from .fig_common import Provenance, finish

FIGURE_ID = "case-timelines"
LIBRARY = f"workflow/lib/crsreview/{Path(__file__).name}"
TITLE = "Case timelines of treated CAR-T patients"
SUMMARY_TITLE = "Case timelines summarised: first session day and sessions per patient by modality group"

_C = figstyle.OKABE_ITO
# event -> (marker, colour, legend label); purification sessions take their group's colour.
DRUGS = frozenset({"tocilizumab", "corticosteroid", "anakinra", "ruxolitinib", "other_drug"})
DRUG_OFFSET = 0.22  # rows are 1 unit apart; drugs sit just below the line (y grows downwards)
EVENT_STYLE = {
    "crs_onset": ("o", _C["orange"], "CRS onset"),
    "icans_onset": ("o", _C["purple"], "ICANS onset"),
    "tocilizumab": ("s", _C["blue"], "tocilizumab"),
    "corticosteroid": ("D", _C["sky"], "corticosteroid"),
    "anakinra": ("P", _C["blue"], "anakinra"),
    "ruxolitinib": ("X", _C["blue"], "ruxolitinib"),
    "other_drug": ("x", _C["blue"], "other drug"),
    "icu_admission": ("^", "#444444", "ICU admission"),
    "crs_resolution": ("*", _C["green"], "CRS resolved"),
    "icans_resolution": ("*", _C["purple"], "ICANS resolved"),
    "discharge": (">", _C["green"], "discharge"),
    "death": ("X", _C["black"], "death"),
}
SESSION_MARKER = "|"


def treated(cases: list[dict], order=()) -> list[dict]:
    """Treated CAR-T patients, the configured groups first (in their order), then by case id."""
    rows = [c for c in cases if c["context"] == "car-t" and c["kind"] == "patient"]
    rank = {g: k for k, g in enumerate(order)}
    return sorted(
        rows, key=lambda c: (rank.get(c["modality_group"], len(rank)), c["modality_group"], c["case_id"])
    )


def session_group(event: str, options: dict) -> str | None:
    for group, kinds in options["session_events"].items():
        if event in kinds:
            return group
    return None


def select(cases, events, options: dict, prov: Provenance) -> dict[str, list[dict]]:
    """Dated events of each treated patient; the others recorded as skipped."""
    patients = {c["case_id"] for c in treated(cases)}
    out: dict[str, list[dict]] = {cid: [] for cid in patients}
    for e in events:
        if e["case_id"] not in patients:
            prov.skip("event", "not a treated CAR-T patient entry", e["fact_id"])
        elif pairing.day_low(e) is None:
            prov.skip("event", "no day after infusion (undated)", e["fact_id"])
        elif e["event"] not in EVENT_STYLE and session_group(e["event"], options) is None:
            prov.skip("event", "event type without a marker in this figure", e["fact_id"])
        else:
            out[e["case_id"]].append(e)
            prov.use([e["fact_id"]], [e["source_id"]])
    return out


def _day_high(e: dict) -> float:
    try:
        return float(e["day_high"])
    except (KeyError, ValueError):
        return pairing.day_low(e)


def _style(e: dict, options: dict) -> tuple[str, str]:
    group = session_group(e["event"], options)
    if group is not None:
        return SESSION_MARKER, figstyle.MODALITY_COLOURS.get(group, figstyle.GREY)
    marker, colour, _ = EVENT_STYLE[e["event"]]
    return marker, colour


def _draw_event(ax, e: dict, y: float, options: dict) -> None:
    marker, colour = _style(e, options)
    colour = figstyle.line_colour(colour)
    lo, hi = pairing.day_low(e), _day_high(e)
    dy = DRUG_OFFSET if e["event"] in DRUGS else 0.0
    if hi > lo:
        ax.plot([lo, hi], [y + dy, y + dy], color=colour, lw=0.8, zorder=2)
    style = figstyle.marker_style(colour, e["flag"], marker, 3.5 if dy else 4.0)
    if marker == SESSION_MARKER:
        style.update(markersize=7.0, markeredgewidth=1.6)
    ax.plot([lo], [y + dy], linestyle="none", zorder=3, **style)


def _draw_rows(patients: list[dict], by_case: dict[str, list[dict]], options: dict):
    n = max(len(patients), 1)
    row_h = figstyle.row_height(0.22, n, 1.3, minimum=0.1)
    fig = figstyle.figure(figstyle.DOUBLE_COLUMN, n * row_h + 1.3)
    # Extra side padding: the layout is solved at screen resolution, and case ids drawn at the
    # PNG's 300 dpi came out a little wider than that and were clipped at the edge.
    fig.get_layout_engine().set(w_pad=0.1)
    ax = fig.add_subplot()
    for y, c in enumerate(patients):
        evs = by_case[c["case_id"]]
        if not evs:
            ax.text(
                0.0,
                y,
                "no dated event extracted",
                va="center",
                ha="left",
                fontsize=figstyle.SMALL_SIZE,
                color="#777777",
            )
            continue
        days = [pairing.day_low(e) for e in evs] + [_day_high(e) for e in evs]
        ax.plot(
            [min(days), max(days)], [y, y], color=figstyle.LIGHT_GREY, lw=3.0, solid_capstyle="butt", zorder=1
        )
        for e in evs:
            _draw_event(ax, e, y, options)
    labels = [f"{c['case_id']} ({c['modality_group']})" for c in patients]
    ax.set_yticks(range(len(patients)), labels, fontsize=figstyle.SMALL_SIZE)
    ax.set_ylim(len(patients) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("day after CAR-T infusion")
    ax.grid(axis="x")
    if not any(by_case.values()):
        ax.set_xticks([])  # no day to show: no invented scale
    _legend(fig, [e for evs in by_case.values() for e in evs], options)
    return fig


def _legend(fig, events: list[dict], options: dict) -> None:
    handles = []
    groups = sorted({g for e in events if (g := session_group(e["event"], options))})
    for g in groups:
        colour = figstyle.line_colour(figstyle.MODALITY_COLOURS.get(g, figstyle.GREY))
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=SESSION_MARKER,
                markersize=7,
                markeredgewidth=1.6,
                color=colour,
                label=f"{g} session",
            )
        )
    for kind in [k for k in EVENT_STYLE if any(e["event"] == k for e in events)]:
        marker, colour, label = EVENT_STYLE[kind]
        handles.append(
            Line2D(
                [], [], linestyle="none", label=label, **figstyle.marker_style(colour, "seen", marker, 4.0)
            )
        )
    if any(e["flag"] == "unverified" for e in events):
        handles.append(figstyle.unverified_handle())
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=5, handlelength=1.2, columnspacing=1.2)


def summary(patients, by_case, options) -> dict[str, dict[str, list[float]]]:
    """Per modality group: first session day and sessions per patient (from session events)."""
    out: dict[str, dict[str, list[float]]] = {}
    for c in patients:
        group = c["modality_group"]
        kinds = set(options["session_events"].get(group, ()))
        sessions = [e for e in by_case[c["case_id"]] if e["event"] in kinds]
        slot = out.setdefault(group, {"first_day": [], "sessions": []})
        if sessions:
            slot["first_day"].append(min(pairing.day_low(e) for e in sessions))
            slot["sessions"].append(float(len(sessions)))
    return out


def _draw_summary(patients, by_case, options):
    data = summary(patients, by_case, options)
    groups = sorted(data)
    fig = figstyle.figure(figstyle.DOUBLE_COLUMN, 2.6)
    axes = fig.subplots(1, 2)
    for ax, key, label in (
        (axes[0], "first_day", "day of the first session"),
        (axes[1], "sessions", "sessions per patient"),
    ):
        for y, g in enumerate(groups):
            xs = data[g][key]
            colour = figstyle.line_colour(figstyle.MODALITY_COLOURS.get(g, figstyle.GREY))
            jitter = [y + ((k % 7) - 3) * 0.06 for k in range(len(xs))]
            ax.plot(xs, jitter, linestyle="none", marker="o", markersize=2.5, alpha=0.6, color=colour)
            n_all = sum(c["modality_group"] == g for c in patients)
            ax.text(
                1.0,
                y,
                f"n = {len(xs)} of {n_all}",
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="bottom",
                fontsize=figstyle.SMALL_SIZE,
            )
        ax.set_yticks(range(len(groups)), groups)
        ax.set_ylim(len(groups) - 0.5, -0.5)
        ax.set_xlabel(label)
        ax.grid(axis="x")
    return fig, data


def _empty_note(fig, n_patients: int) -> None:
    fig.suptitle(
        f"No dated event has been extracted for any of the {n_patients} treated CAR-T patients; "
        "rows are empty (see the sidecar case-timelines.json).",
        x=0.01,
        ha="left",
        fontsize=figstyle.SMALL_SIZE,
        color="#444444",
        fontweight="normal",
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
    cases = tablesio.read(Path(inputs["cases"]))
    events = tablesio.read(Path(inputs["events"]))
    prov = Provenance()
    patients = treated(cases, options["groups"])
    by_case = select(cases, events, options, prov)
    limit = int(options["max_timeline_patients"])
    extra: dict = {"max_rows": limit, "rows": [c["case_id"] for c in patients]}
    if len(patients) <= limit:
        title = TITLE
        fig = _draw_rows(patients, by_case, options)
        if not any(by_case.values()):
            _empty_note(fig, len(patients))
            prov.note("no treated patient has a dated event: every row is empty and labelled so")
    else:
        title = SUMMARY_TITLE
        fig, data = _draw_summary(patients, by_case, options)
        extra["mode"] = "summary"
        extra["summary"] = {g: {k: sorted(v) for k, v in d.items()} for g, d in sorted(data.items())}
        prov.note(
            f"{len(patients)} treated patients exceed the {limit} rows drawn one per patient: summarised by group"
        )
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
        events_per_patient={
            c["case_id"]: sorted(e["fact_id"] for e in by_case[c["case_id"]]) for c in patients
        },
        **extra,
    )
