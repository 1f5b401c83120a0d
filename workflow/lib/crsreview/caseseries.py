"""Case-series analysis of treated CAR-T patients, per modality group (ledger keys `cs.<group>.*`).

For each modality group (PE, HF/HDF, adsorption, ...; config `analysis.groups` are always
reported, other groups when present) over CAR-T *patient* entries:
- per analyte (never pooled): pairs by the pairing rule (pairing.py), censored pairs, median
  pre, median post, median relative change (post / pre - 1) with IQR, and a Wilcoxon
  signed-rank test of log(post / pre) when pairs >= `analysis.min_pairs_for_test`;
- direction: `fall` / `rise` by the sign of the median change, `unclear` when the median change
  is 0, when no pair exists, when no test could run (fewer pairs than the minimum) or when the
  test's p >= `analysis.alpha`;
- symptoms: fever resolved, CRS grade fell, vasopressors weaned, ICANS grade fell (n of N);
- regimen and timing: first session day, CRS onset to first session, sessions, volume per
  session, plasma volumes exchanged (0.07 x weight x (1 - Hct));
- outcomes: survived / died / unknown from `outcome`, else from the outcome wording.
Key names are documented in docs/ledger-keys.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import numfmt, pairing, plasma
from .ledger import Ledger
from .outcome import OUTCOMES, RULE_TEXT, outcome_class


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass(frozen=True)
class Settings:
    """Analysis choices (config `analysis:`; defaults and descriptions in the config schema)."""

    min_pairs_for_test: int
    alpha: float
    fever_threshold_c: float
    pairing_rule: str
    groups: tuple[str, ...]
    session_events: dict
    symptom_analytes: dict
    follows: str

    @classmethod
    def from_config(cls, analysis: dict, follows: str) -> Settings:
        return cls(
            int(analysis["min_pairs_for_test"]),
            float(analysis["alpha"]),
            float(analysis["fever_threshold_c"]),
            str(analysis["pairing_rule"]),
            tuple(analysis["groups"]),
            {k: tuple(v) for k, v in analysis["session_events"].items()},
            dict(analysis["symptom_analytes"]),
            follows,
        )


# --- statistics --------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedRank:
    p: float
    statistic: float
    method: str
    n: int


def signed_rank(log_ratios: list[float]) -> SignedRank | None:
    """Two-sided Wilcoxon signed-rank test of log(post/pre) against 0 (scipy.stats.wilcoxon).

    Exact null distribution where scipy allows it (n <= 50, no zero and no tied |difference|),
    else the normal approximation; zero differences are dropped ('wilcox'). None when every
    difference is zero (no test possible).
    """
    x = np.asarray(log_ratios, dtype=float)
    nonzero = x[x != 0]
    if nonzero.size == 0:
        return None
    ties = len(set(np.abs(nonzero).tolist())) < nonzero.size
    method = "exact" if nonzero.size <= 50 and not ties and nonzero.size == x.size else "approx"
    from scipy import stats  # imported here: about a second of start-up, needed only for a test

    res = stats.wilcoxon(x, zero_method="wilcox", alternative="two-sided", method=method)
    return SignedRank(float(res.pvalue), float(res.statistic), method, int(nonzero.size))


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """25th, 50th and 75th percentiles (numpy's default linear interpolation)."""
    q1, med, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return float(q1), float(med), float(q3)


def direction(median_change: float | None, test: SignedRank | None, s: Settings) -> str:
    """fall / rise / unclear (see the module docstring)."""
    if median_change is None or median_change == 0 or test is None or test.p >= s.alpha:
        return "unclear"
    return "fall" if median_change < 0 else "rise"


def fmt_value(x: float, unit: str) -> str:
    return f"{numfmt.significant(x, 3)} {unit}".strip()


def fmt_p(p: float) -> str:
    return "P < 0.001" if p < 0.001 else f"P = {numfmt.decimal(p, 3)}"


def signed_percent(fraction: float) -> str:
    text = numfmt.percent(fraction)
    return text if text.startswith("-") or fraction == 0 else f"+{text}"


# --- data access ------------------------------------------------------------------------------


class Data:
    """The tables the case series reads, indexed once."""

    def __init__(self, cases, measurements, events, fact_index, settings: Settings):
        self.s = settings
        self.fact_index = fact_index
        self.patients = [c for c in cases if c["context"] == "car-t" and c["kind"] == "patient"]
        self.measurements = measurements
        self.events_by_case: dict[str, list[dict]] = {}
        for e in events:
            self.events_by_case.setdefault(e["case_id"], []).append(e)

    def groups(self) -> list[str]:
        present = {c["modality_group"] for c in self.patients}
        return list(self.s.groups) + sorted(present - set(self.s.groups))

    def members(self, group: str) -> list[dict]:
        return sorted((c for c in self.patients if c["modality_group"] == group), key=lambda c: c["case_id"])

    def fact(self, case_id: str, field: str) -> dict | None:
        """The case fact when it holds a value (not empty, not 'NR')."""
        f = self.fact_index.get(f"{case_id}.{field}")
        if f is None or str(f["value"]).strip() in ("", "NR"):
            return None
        return f

    def number(self, case_id: str, field: str) -> tuple[float, str] | None:
        f = self.fact(case_id, field)
        if f is None:
            return None
        m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)(?:\s*-\s*\d+(?:\.\d+)?)?\s*", str(f["value"]))
        return (float(m.group(1)), f["fact_id"]) if m else None

    def sessions(self, case_id: str, group: str) -> list[dict]:
        kinds = set(self.s.session_events.get(group, ()))
        return [e for e in self.events_by_case.get(case_id, []) if e["event"] in kinds]

    def first_event(self, case_id: str, kinds) -> dict | None:
        dated = [
            e for e in self.events_by_case.get(case_id, []) if e["event"] in kinds and _day(e) is not None
        ]
        return min(dated, key=_day) if dated else None


def _day(e: dict) -> float | None:
    return pairing.day_low(e)


def sources_of(rows, fallback: str) -> list[str]:
    return sorted({r["source_id"] for r in rows}) or [fallback]


# --- per analyte ------------------------------------------------------------------------------


def analyte_entries(L: Ledger, base: str, analyte: str, pairs: list[pairing.Pair], d: Data, src) -> int:
    """All entries of one analyte in one group; returns the number of usable pairs."""
    s = d.s
    usable = [p for p in pairs if p.relative_change() is not None]
    censored = [p for p in pairs if p.censored]
    other = [p for p in pairs if not p.censored and p.relative_change() is None]
    facts = sorted({f for p in pairs for f in p.fact_ids})
    common = dict(facts=facts, fact_index=d.fact_index, source_ids=src)
    rule = (
        f"pairing rule {s.pairing_rule}: pre = last pre-purification value, post = first "
        "post-purification value (days ordered by their lower bound)"
    )
    k = f"{base}.{slug(analyte)}"
    L.count(f"{k}.pairs", usable, f"patients with an exact {analyte} pre and post value; {rule}", **common)
    L.count(
        f"{k}.censored",
        censored,
        f"{analyte} pairs whose pre or post value is censored (< or >): left out of every change and test",
        **common,
    )
    n = len(usable)
    unit = usable[0].pre["unit"] if usable else (pairs[0].pre["unit"] if pairs else "")
    why = f"not estimable: {n} pair{'' if n == 1 else 's'}"
    if other:
        why += f" ({len(other)} more with a pre value of 0, so no relative change)"
    if n == 0:
        for stat in ("pre_median", "post_median", "change_median", "change_iqr", "test_p"):
            L.add(
                f"{k}.{stat}",
                None,
                why,
                f"{stat.replace('_', ' ')} of {analyte} over pairs",
                status="insufficient",
                **common,
            )
        L.add(
            f"{k}.direction",
            "unclear",
            "unclear (no pairs)",
            "direction needs pairs",
            status="insufficient",
            **common,
        )
        return 0
    _medians(L, k, analyte, usable, unit, common)
    changes = [p.relative_change() for p in usable]
    q1, med, q3 = quartiles(changes)
    L.add(
        f"{k}.change_median",
        med,
        signed_percent(med),
        f"median over {n} exact pairs of (post / pre - 1) for {analyte}; {len(censored)} censored "
        f"pair{'' if len(censored) == 1 else 's'} left out",
        unit="%",
        **common,
    )
    L.add(
        f"{k}.change_iqr",
        [q1, q3],
        f"{signed_percent(q1)} to {signed_percent(q3)}",
        f"25th-75th percentile (linear interpolation) over {n} pairs of (post / pre - 1) for {analyte}",
        unit="%",
        **common,
    )
    test = None
    if n < s.min_pairs_for_test:
        L.add(
            f"{k}.test_p",
            None,
            f"{why}; at least {s.min_pairs_for_test} needed for the signed-rank test",
            "Wilcoxon signed-rank test of log(post / pre), two-sided",
            status="insufficient",
            **common,
        )
    else:
        test = signed_rank([math.log(p.post_value / p.pre_value) for p in usable])
        _test_entry(L, k, analyte, test, n, common)
    _direction_entry(L, k, analyte, med, test, n, common, d.s)
    return n


def _medians(L: Ledger, k: str, analyte: str, usable, unit: str, common) -> None:
    for stat, values in (("pre", [p.pre_value for p in usable]), ("post", [p.post_value for p in usable])):
        med = float(np.median(values))
        L.add(
            f"{k}.{stat}_median",
            med,
            fmt_value(med, unit),
            f"median of the {stat}-purification {analyte} values over {len(usable)} exact pairs",
            unit=unit,
            **common,
        )


def _test_entry(L: Ledger, k: str, analyte: str, test: SignedRank | None, n: int, common) -> None:
    if test is None:
        L.add(
            f"{k}.test_p",
            None,
            f"not estimable: all {n} changes are zero",
            "Wilcoxon signed-rank test of log(post / pre), two-sided",
            status="insufficient",
            **common,
        )
        return
    L.add(
        f"{k}.test_p",
        test.p,
        fmt_p(test.p),
        f"Wilcoxon signed-rank test of log(post / pre) for {analyte}, two-sided, scipy.stats.wilcoxon "
        f"({test.method} null distribution, zero differences dropped), n = {test.n}, W = {test.statistic:g}",
        **common,
    )


def _direction_entry(L: Ledger, k, analyte, med, test, n, common, s: Settings) -> None:
    value = direction(med, test, s)
    if test is None:
        reason = (
            f"no signed-rank test ({n} pair{'' if n == 1 else 's'}; at least {s.min_pairs_for_test} needed)"
        )
    else:
        reason = f"median change {signed_percent(med)}, {fmt_p(test.p)} (alpha {s.alpha:g})"
    L.add(
        f"{k}.direction",
        value,
        value if value != "unclear" else f"unclear: {reason}",
        f"fall / rise by the sign of the median change of {analyte} when the signed-rank test gives "
        f"P < {s.alpha:g}; unclear otherwise ({reason})",
        **common,
    )


def analytes(L: Ledger, base: str, members: list[dict], d: Data, src) -> None:
    symptom = set(d.s.symptom_analytes.values())
    ids = {c["case_id"] for c in members}
    by = pairing.pairs_by_analyte([m for m in d.measurements if m["analyte"] not in symptom], ids)
    counts = {a: analyte_entries(L, base, a, ps, d, src) for a, ps in sorted(by.items())}
    paired = sorted((a for a, n in counts.items() if n > 0), key=lambda a: (-counts[a], a))
    L.add(
        f"{base}.paired_analytes",
        [slug(a) for a in paired],
        ", ".join(paired) if paired else "none",
        "analytes with at least one exact pair, most pairs first (slugs)",
        derived_from=[f"{base}.{slug(a)}.pairs" for a in paired],
        source_ids=src,
    )


# --- symptoms ---------------------------------------------------------------------------------

# name -> (eligible(pre), responded(pre, post), wording)
SYMPTOM_RULES: dict[str, tuple[Callable, Callable, str]] = {
    "fever": (
        lambda pre, s: pre >= s.fever_threshold_c,
        lambda pre, post, s: post < s.fever_threshold_c,
        "first post temperature < {t} degC among patients with a last pre temperature >= {t} degC",
    ),
    "crs_grade": (
        lambda pre, s: pre >= 1,
        lambda pre, post, s: post <= pre - 1,
        "CRS grade fell by >= 1 (post <= pre - 1) among patients with a pre grade >= 1",
    ),
    "vasopressors": (
        lambda pre, s: pre >= 1,
        lambda pre, post, s: post == 0,
        "no vasopressor agent after purification among patients on >= 1 before",
    ),
    "icans": (
        lambda pre, s: pre >= 1,
        lambda pre, post, s: post <= pre - 1,
        "ICANS grade fell by >= 1 among patients with a pre grade >= 1",
    ),
}


def symptoms(L: Ledger, base: str, members: list[dict], d: Data, src) -> None:
    ids = {c["case_id"] for c in members}
    for name, (eligible_if, responded_if, wording) in SYMPTOM_RULES.items():
        analyte = d.s.symptom_analytes[name]
        pairs = pairing.pairs_by_analyte(d.measurements, ids, {analyte}).get(analyte, [])
        exact = [p for p in pairs if not p.censored]
        eligible = [p for p in exact if eligible_if(p.pre_value, d.s)]
        responders = [p for p in eligible if responded_if(p.pre_value, p.post_value, d.s)]
        rule = wording.format(t=f"{d.s.fever_threshold_c:g}")
        n_cens = len(pairs) - len(exact)
        note = f"; {n_cens} censored pair{'' if n_cens == 1 else 's'} left out" if n_cens else ""
        facts = sorted({f for p in pairs for f in p.fact_ids})
        common = dict(facts=facts, fact_index=d.fact_index, source_ids=src)
        L.count(
            f"{base}.{name}.eligible", eligible, f"{analyte}: patients eligible for '{rule}'{note}", **common
        )
        L.count(f"{base}.{name}.responders", responders, f"{analyte}: {rule}{note}", **common)


# --- regimen and timing -----------------------------------------------------------------------


def _session_facts(d: Data, c: dict, group: str) -> tuple[int | None, float | None, list[str]]:
    """(sessions, first session day, fact ids) from events, else from the case fields."""
    cid = c["case_id"]
    ev = d.sessions(cid, group)
    if ev:
        days = [_day(e) for e in ev if _day(e) is not None]
        return len(ev), (min(days) if days else None), [e["fact_id"] for e in ev]
    n = d.number(cid, "pe_sessions") if group == "PE" else None
    start = d.number(cid, "pe_start_day" if group == "PE" else "purification_start_day")
    facts = [x[1] for x in (n, start) if x]
    return (int(n[0]) if n else None), (start[0] if start else None), facts


def _onset(d: Data, cid: str) -> tuple[float, str] | None:
    e = d.first_event(cid, {"crs_onset"})
    return (_day(e), e["fact_id"]) if e else d.number(cid, "crs_onset_day")


def _plasma_volumes(d: Data, cid: str) -> tuple[float, list[str]] | None:
    vol, w, h = (d.number(cid, f) for f in ("pe_volume_ml_per_session", "weight_kg", "haematocrit_percent"))
    if not (vol and w and h) or not 0 < h[0] < 100 or w[0] <= 0:
        return None
    return plasma.volumes_exchanged(vol[0], w[0], h[0]), [vol[1], w[1], h[1]]


def regimen_values(d: Data, members: list[dict], group: str) -> dict[str, list[tuple[float, list[str]]]]:
    out: dict[str, list[tuple[float, list[str]]]] = {
        k: [] for k in ("first_pe_day", "onset_to_pe", "sessions", "volume_ml", "plasma_volumes")
    }
    for c in members:
        cid = c["case_id"]
        n, first, facts = _session_facts(d, c, group)
        if n is not None:
            out["sessions"].append((n, facts))
        if first is not None:
            out["first_pe_day"].append((first, facts))
            onset = _onset(d, cid)
            if onset is not None:
                out["onset_to_pe"].append((first - onset[0], [*facts, onset[1]]))
        vol = d.number(cid, "pe_volume_ml_per_session")
        if vol:
            out["volume_ml"].append((vol[0], [vol[1]]))
        pv = _plasma_volumes(d, cid)
        if pv:
            out["plasma_volumes"].append(pv)
    return out


REGIMEN_TEXT = {
    "first_pe_day": ("day after infusion of the first session of the group's modality", "day", 0),
    "onset_to_pe": ("days from CRS onset to the first session", "days", 0),
    "sessions": ("sessions per patient (events, else the pe_sessions field)", "", 0),
    "volume_ml": ("exchange volume per session", "mL", 0),
    "plasma_volumes": (
        f"plasma volumes exchanged per session = volume / ({plasma.FORMULA})",
        "",
        2,
    ),
}


def regimen(L: Ledger, base: str, members: list[dict], d: Data, group: str, src) -> None:
    for name, values in regimen_values(d, members, group).items():
        what, unit, places = REGIMEN_TEXT[name]
        facts = sorted({f for _, fs in values for f in fs})
        common = dict(facts=facts, fact_index=d.fact_index, source_ids=src)
        k = f"{base}.{name}"
        L.count(f"{k}.n", values, f"patients with a value: {what}", **common)
        if not values:
            for stat in ("median", "range"):
                L.add(
                    f"{k}.{stat}",
                    None,
                    "not estimable: no patient with a value",
                    f"{stat} of {what}",
                    status="insufficient",
                    **common,
                )
            continue
        xs = [v for v, _ in values]
        med, lo, hi = float(np.median(xs)), min(xs), max(xs)
        L.add(
            f"{k}.median",
            med,
            _fmt_num(med, places, unit),
            f"median over {len(xs)} patients of {what}",
            unit=unit,
            **common,
        )
        L.add(
            f"{k}.range",
            [lo, hi],
            _fmt_range(lo, hi, places, unit),
            f"minimum-maximum over {len(xs)} patients of {what}",
            unit=unit,
            **common,
        )


def _number(x: float, places: int) -> str:
    if places:
        return numfmt.decimal(x, places)
    return numfmt.count(int(x)) if x == int(x) else numfmt.decimal(x, 1)


def _fmt_num(x: float, places: int, unit: str) -> str:
    """A value with its unit; a day after infusion reads "day 4", not "4 day"."""
    if unit == "day":
        return f"day {_number(x, places)}"
    return f"{_number(x, places)} {unit}".strip()


def _fmt_range(lo: float, hi: float, places: int, unit: str) -> str:
    """A range with its unit once: "2–5 days", "days 2–5" for days after infusion."""
    if lo == hi:
        return _fmt_num(lo, places, unit)
    span = f"{_number(lo, places)}–{_number(hi, places)}"
    return f"days {span}" if unit == "day" else f"{span} {unit}".strip()


# --- outcomes and the whole group -------------------------------------------------------------


def outcomes(L: Ledger, base: str, members: list[dict], d: Data, src) -> None:
    classes: dict[str, list[dict]] = {k: [] for k in OUTCOMES}
    for c in members:
        classes[outcome_class(c.get("outcome", ""), c.get("outcome_status", ""))].append(c)
    facts = [
        f"{c['case_id']}.{f}"
        for c in members
        for f in ("outcome", "outcome_status")
        if f"{c['case_id']}.{f}" in d.fact_index
    ]
    for cls in OUTCOMES:
        L.count(
            f"{base}.outcome.{cls}",
            classes[cls],
            f"patients classified {cls}: {RULE_TEXT}",
            facts=facts,
            fact_index=d.fact_index,
            source_ids=src,
        )


def build(L: Ledger, cases, measurements, events, fact_index, settings: Settings) -> None:
    """All `cs.*` entries."""
    d = Data(cases, measurements, events, fact_index, settings)
    with_patients = []
    for group in d.groups():
        members = d.members(group)
        base = f"cs.{slug(group)}"
        src = sources_of(members, settings.follows)
        L.count(
            f"{base}.patients", members, f"CAR-T patient entries with modality group {group}", source_ids=src
        )
        if members:
            with_patients.append(slug(group))
        analytes(L, base, members, d, src)
        symptoms(L, base, members, d, src)
        regimen(L, base, members, d, group, src)
        outcomes(L, base, members, d, src)
    L.add(
        "cs.groups",
        with_patients,
        ", ".join(with_patients) or "none",
        "modality groups (slugs) with at least one treated CAR-T patient, configured groups first",
        source_ids=sources_of(d.patients, settings.follows),
    )
    compared(L, settings, d)


def compared(L: Ledger, settings: Settings, d: Data) -> None:
    """`cs.compared_analytes`: analytes with an exact pair in every configured group (PE and
    HF/HDF by default), most pairs in all of them first - the per-analyte changes that can be
    set side by side."""
    groups = [slug(g) for g in settings.groups]
    pairs = {
        g: {
            k.split(".")[2]: int(e.value)
            for k, e in L.entries.items()
            if k.startswith(f"cs.{g}.") and k.endswith(".pairs") and k.count(".") == 3
        }
        for g in groups
    }
    shared = [a for a in pairs[groups[0]] if all(pairs[g].get(a, 0) > 0 for g in groups)] if groups else []
    shared.sort(key=lambda a: (-sum(pairs[g][a] for g in groups), a))
    L.add(
        "cs.compared_analytes",
        shared,
        ", ".join(shared) or "none",
        f"analytes (slugs) with at least one exact pair in each of {', '.join(settings.groups)}, most pairs first",
        derived_from=[f"cs.{g}.{a}.pairs" for g in groups for a in shared],
        source_ids=sources_of(d.patients, settings.follows),
    )
