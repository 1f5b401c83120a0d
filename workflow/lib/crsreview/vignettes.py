"""Per-patient ledger entries for the narrative, and the choice of patients described one by one.

The results describe up to ``manuscript.max_vignettes`` (config) treated patients individually;
beyond that the text summarises the case series (``cs.*`` entries) and every patient stays in
Table 1, the figures and Appendix A.

Choice rule (``choose``), documented in the ledger formula of ``manuscript.vignettes``:
candidates are CAR-T patient entries (kind = patient) in the PE group; those with the most
analytes measured both before and after purification come first (the question the review
asks), then those with the most vignette fields with a value (``FIELDS`` below; not-reported
and empty do not count), ties broken by case id. Only the chosen patients get
``case.<case_slug>.<field>`` entries, so the ledger grows with ``max_vignettes``, not with the
number of cases.

This module also keeps the case details the prose quotes outside the vignettes: the count of
PE start days seen, deaths and IL-6 change ranges of other purification cohorts after CAR-T,
and COVID-19 PE regimens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import numfmt, pairing
from .caseseries import signed_percent
from .ledger import Ledger
from .outcome import RULE_TEXT, outcome_class
from .pairing import POST, PRE

ABSENT = ("", "NR")


@dataclass(frozen=True)
class Field:
    name: str  # column of cases.csv / field of facts.csv
    key: str  # case.<slug>.<key>
    kind: str  # count | grade | years | ml | day | text
    formula: str


FIELDS = (
    Field("age_years", "age", "years", "age as extracted"),
    Field("sex", "sex", "text", "sex as extracted"),
    Field("disease", "disease", "text", "disease as extracted"),
    Field("car_target", "car_target", "text", "CAR target as extracted"),
    Field("crs_onset_day", "crs_onset_day", "day", "day after infusion of CRS onset as extracted"),
    Field("crs_grade_max", "crs_grade", "grade", "maximum CRS grade as extracted (numeric grades only)"),
    Field("icans_grade_max", "icans_grade", "grade", "maximum ICANS grade as extracted (numeric only)"),
    Field("tocilizumab_doses", "tocilizumab_doses", "count", "tocilizumab doses as extracted"),
    Field("corticosteroids", "corticosteroids", "text", "corticosteroids as extracted"),
    Field("pe_start_day", "pe_start_day", "day", "day after infusion of the first PE as extracted"),
    Field("pe_sessions", "sessions", "count", "PE sessions as extracted"),
    Field("pe_volume_ml_per_session", "volume_ml", "ml", "exchange volume per session as extracted"),
    Field("pe_volume_ml_per_day", "volume_ml_per_day", "ml", "plasma exchanged per day as printed"),
    Field("pe_replacement_fluid", "replacement_fluid", "text", "replacement fluid as extracted"),
    Field("outcome_status", "outcome_text", "text", "outcome wording as extracted"),
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _fact(fact_index: dict, case_id: str, name: str) -> dict | None:
    f = fact_index.get(f"{case_id}.{name}")
    return f if f and f.get("value", "") not in ABSENT else None


def _formatted(kind: str, raw: str) -> tuple[object, str] | None:
    """(value, text) of a case field, or None where the kind cannot show it (e.g. 'severe')."""
    raw = raw.strip()
    number = re.fullmatch(r"-?\d+(?:\.\d+)?", raw)
    if kind == "text":
        return raw, raw
    if kind == "day":
        return raw, "day " + raw.replace(">=", "≥").replace("<=", "≤").replace("-", "–")
    if not number:
        return None
    x = float(raw)
    if kind == "grade":
        return int(x), f"grade {int(x)}"
    if kind == "count":
        return int(x), numfmt.count(int(x))
    if kind == "years":
        return x, f"{numfmt.plain(x)} years"
    return x, f"{numfmt.count(int(x)) if x == int(x) else numfmt.plain(x)} mL"


def _measurements(case_id: str, measurements, course: frozenset[str]) -> dict[str, list[dict]]:
    """Laboratory measurements of one case by analyte, in listed order; the symptom course
    (config analysis.symptom_analytes) is summarised by the case series, not in a vignette."""
    out: dict[str, list[dict]] = {}
    for m in measurements:
        if m["case_id"] == case_id and m["analyte"] not in course:
            out.setdefault(m["analyte"], []).append(m)
    return out


def _pre_post(rows: list[dict]) -> tuple[dict | None, dict | None]:
    """Last value before purification and first value after it, ordered as the case series'
    pairing rule orders them (pairing.in_time_order)."""
    usable = [(i, r) for i, r in enumerate(rows) if pairing.value_of(r) is not None]
    pre = pairing.in_time_order([(i, r) for i, r in usable if r["relation"] == PRE])
    post = pairing.in_time_order([(i, r) for i, r in usable if r["relation"] == POST])
    return (pre[-1] if pre else None), (post[0] if post else None)


def _censored(m: dict) -> bool:
    return m["qualifier"] in ("<", ">")


def completeness(case: dict, fact_index: dict, measurements, course=frozenset()) -> tuple[int, int]:
    """(analytes with a value before and after purification, vignette fields with a value)."""
    fields = sum(_fact(fact_index, case["case_id"], f.name) is not None for f in FIELDS)
    by_analyte = _measurements(case["case_id"], measurements, course)
    return sum(all(_pre_post(rows)) for rows in by_analyte.values()), fields


def choose(cases, fact_index: dict, measurements, limit: int, course=frozenset()) -> list[dict]:
    """The vignette patients: most complete first, ties by case id (module docstring)."""
    candidates = [
        c for c in cases if c["context"] == "car-t" and c["kind"] == "patient" and c["modality_group"] == "PE"
    ]

    by_case: dict[str, list[dict]] = {}  # one pass over the measurements, not one per case
    for m in measurements:
        by_case.setdefault(m["case_id"], []).append(m)

    def rank(c: dict) -> tuple:
        paired, fields = completeness(c, fact_index, by_case.get(c["case_id"], []), course)
        return -paired, -fields, c["case_id"]

    ranked = sorted(candidates, key=rank)
    return ranked[:limit]


def _case_fields(L: Ledger, case: dict, base: str, fact_index: dict) -> None:
    for f in FIELDS:
        fact = _fact(fact_index, case["case_id"], f.name)
        shown = _formatted(f.kind, fact["value"]) if fact else None
        if shown is None:
            continue
        L.add(
            f"{base}.{f.key}",
            shown[0],
            shown[1],
            f.formula,
            facts=[fact["fact_id"]],
            fact_index=fact_index,
            unit=fact.get("unit", ""),
        )
    others = [m for m in case["modalities"].split(";") if m.strip() and m.strip() not in ("PE", "TPE")]
    if others:
        L.add(
            f"{base}.other_modalities",
            others,
            " and ".join(others),
            "other purification techniques of the entry (modalities other than PE)",
            source_ids=[case["source_id"]],
        )
    L.add(
        f"{base}.source",
        case["source_id"],
        case["source_id"],
        "source of the case entry",
        source_ids=[case["source_id"]],
    )


def _outcome(L: Ledger, case: dict, base: str, fact_index: dict) -> None:
    fid = next(
        (
            f"{case['case_id']}.{n}"
            for n in ("outcome", "outcome_status")
            if _fact(fact_index, case["case_id"], n)
        ),
        None,
    )
    if fid is None:
        return
    cls = outcome_class(case.get("outcome", ""), case.get("outcome_status", ""))
    L.add(
        f"{base}.outcome",
        cls,
        cls,
        f"outcome class: {RULE_TEXT}",
        facts=[fid],
        fact_index=fact_index,
    )


def _value_text(m: dict) -> str:
    q = m["qualifier"] if m["qualifier"] in ("<", ">", "~") else ""
    return f"{q}{numfmt.plain(float(m['value']))} {m['unit']}"


def _day_entry(L: Ledger, key: str, m: dict, fact_index: dict) -> None:
    if m["day_post_infusion"]:
        day = m["day_post_infusion"].replace("-", "–")
        L.add(
            key,
            m["day_post_infusion"],
            f"day{'s' if '–' in day else ''} {day}",
            "day after CAR-T infusion of the measurement",
            facts=[m["fact_id"]],
            fact_index=fact_index,
        )


def _analyte(L: Ledger, base: str, analyte: str, rows: list[dict], fact_index: dict) -> None:
    a = f"{base}.{slug(analyte)}"
    L.count(
        f"{a}.values",
        rows,
        f"{analyte} values of the entry (before, during and after purification)",
        facts=[m["fact_id"] for m in rows],
        fact_index=fact_index,
    )
    pre, post = _pre_post(rows)
    for side, m in (("pre", pre), ("post", post)):
        if m is None:
            continue
        L.add(
            f"{a}.{side}",
            float(m["value"]),
            _value_text(m),
            f"{analyte}, {'last value before' if side == 'pre' else 'first value after'} purification",
            facts=[m["fact_id"]],
            fact_index=fact_index,
            unit=m["unit"],
        )
        _day_entry(L, f"{a}.{side}_day", m, fact_index)
    if pre is None or post is None:
        return
    if _censored(pre) or _censored(post) or float(pre["value"]) == 0:
        L.add(
            f"{a}.change",
            None,
            "not computed (a censored or zero value)",
            "post / pre - 1 needs two exact values",
            derived_from=[f"{a}.pre", f"{a}.post"],
            status="insufficient",
        )
        return
    change = float(post["value"]) / float(pre["value"]) - 1
    L.add(
        f"{a}.change",
        change,
        signed_percent(change),
        f"{analyte}: post / pre - 1",
        derived_from=[f"{a}.pre", f"{a}.post"],
        unit="%",
    )


def _vignette(L: Ledger, case: dict, fact_index: dict, measurements, course) -> None:
    base = f"case.{slug(case['case_id'])}"
    _case_fields(L, case, base, fact_index)
    _outcome(L, case, base, fact_index)
    by_analyte = _measurements(case["case_id"], measurements, course)
    # Paired analytes first (most informative), then by name.
    order = sorted(by_analyte, key=lambda a: (not all(_pre_post(by_analyte[a])), a))
    for analyte in order:
        _analyte(L, base, analyte, by_analyte[analyte], fact_index)
    if order:
        L.add(
            f"{base}.analytes",
            [slug(a) for a in order],
            ", ".join(order),
            "analytes measured in the entry (paired before/after purification first, then by name)",
            facts=[m["fact_id"] for a in order for m in by_analyte[a]],
            fact_index=fact_index,
        )


def add(L: Ledger, tables: dict[str, list[dict]], max_vignettes: int, course_analytes=()) -> None:
    """The one call from the ledger step: vignette entries, the choice, and the quoted details.

    ``course_analytes``: the symptom-course analytes (config analysis.symptom_analytes), which
    the case series summarises and a vignette does not list.
    """
    cases, measurements = tables["cases"], tables["measurements"]
    fact_index = {f["fact_id"]: f for f in tables["facts"]}
    course = frozenset(course_analytes)
    chosen = choose(cases, fact_index, measurements, max_vignettes, course)
    for case in chosen:
        _vignette(L, case, fact_index, measurements, course)
    pe_sources = sorted(
        {c["source_id"] for c in cases if c["context"] == "car-t" and c["modality_group"] == "PE"}
    )
    L.add(
        "manuscript.vignettes",
        [slug(c["case_id"]) for c in chosen],
        ", ".join(c["case_id"] for c in chosen) or "none",
        f"at most {max_vignettes} (config manuscript.max_vignettes) CAR-T PE patient entries: most analytes "
        "paired before/after purification first, then most vignette fields with a value, then case id",
        source_ids=sorted({c["source_id"] for c in chosen})
        or pe_sources
        or sorted({c["source_id"] for c in cases}),
    )
    L.count(
        "manuscript.vignettes.count",
        chosen,
        "patients described individually (length of manuscript.vignettes)",
        derived_from=["manuscript.vignettes"],
    )
    case_mix(L, cases, fact_index, measurements, course)
    start_day_seen(L, cases, fact_index)
    comparator_details(L, cases, fact_index)
    problems = L.check(set(fact_index))
    if problems:
        raise ValueError("ledger provenance problems:\n" + "\n".join(problems))


def case_mix(L: Ledger, cases, fact_index, measurements, course=frozenset()) -> None:
    """Who the PE narrative is about: patient entries by origin, the placeholder cohort of the
    review's institutional cases (until its patients arrive), co-treatment and post-PE values."""
    pe = [c for c in cases if c["context"] == "car-t" and c["modality_group"] == "PE"]
    sources = sorted({c["source_id"] for c in pe}) or sorted({c["source_id"] for c in cases})
    patients = [c for c in pe if c["kind"] == "patient"]
    post = {m["case_id"] for m in measurements if m["relation"] == POST and m["analyte"] not in course}
    groups = {
        "institutional_patients": (
            [c for c in patients if c["origin"] == "institutional"],
            "CAR-T PE patient entries with origin = institutional",
        ),
        "placeholder_cohorts": (
            [c for c in pe if c["kind"] != "patient" and c["origin"] == "institutional"],
            "CAR-T PE entries with origin = institutional that are not patients (a placeholder "
            "for institutional cases whose data are not available)",
        ),
        "tocilizumab": (
            [
                c
                for c in patients
                if _fact(fact_index, c["case_id"], "tocilizumab_doses")
                or _fact(fact_index, c["case_id"], "tocilizumab")
            ],
            "CAR-T PE patient entries with tocilizumab reported (doses or description)",
        ),
        "corticosteroids": (
            [c for c in patients if _fact(fact_index, c["case_id"], "corticosteroids")],
            "CAR-T PE patient entries with corticosteroids reported",
        ),
        "with_post_value": (
            [c for c in patients if c["case_id"] in post],
            "CAR-T PE patient entries with at least one cytokine or marker value after purification",
        ),
    }
    for name, (rows, formula) in groups.items():
        L.count(
            f"case_mix.pe.{name}", rows, formula, source_ids=sorted({c["source_id"] for c in rows}) or sources
        )


def start_day_seen(L: Ledger, cases, fact_index) -> None:
    pe_car_t = [c for c in cases if c["context"] == "car-t" and c["modality_group"] == "PE"]
    seen = [
        c
        for c in pe_car_t
        if fact_index.get(f"{c['case_id']}.pe_start_day", {}).get("flag") in ("seen", "computed")
    ]
    L.count(
        "pe.car_t.start_day_seen",
        seen,
        "CAR-T PE entries whose PE start day was seen (not unverified, not not-reported)",
        facts=[
            f
            for c in pe_car_t
            for f in (f"{c['case_id']}.pe_start_day", f"{c['case_id']}.nr.pe_start_day")
            if f in fact_index
        ],
        fact_index=fact_index,
        source_ids=[c["source_id"] for c in pe_car_t] or sorted({c["source_id"] for c in cases}),
    )


def _cohort_deaths_and_il6(L: Ledger, c: dict, fact_index) -> None:
    base = f"cases.{slug(c['case_id'])}"
    fact = _fact(fact_index, c["case_id"], "deaths")
    if fact and re.fullmatch(r"\d+(?:\.0+)?", fact["value"].strip()):
        L.add(
            f"{base}.deaths",
            int(float(fact["value"])),
            numfmt.count(int(float(fact["value"]))),
            f"deaths as extracted (cohort n = {c['n']})",
            facts=[fact["fact_id"]],
            fact_index=fact_index,
        )
    fact = _fact(fact_index, c["case_id"], "il6_percent_change_range")
    m = fact and re.fullmatch(r"\s*(-?[\d.]+)\s*to\s*(-?[\d.]+)\s*", fact["value"])
    if m:
        lo, hi = (x.replace("-", "−") for x in m.groups())
        L.add(
            f"{base}.il6_percent_change_range",
            [float(m.group(1)), float(m.group(2))],
            f"{lo}% to {hi}%",
            "range of IL-6 percent change during purification as printed",
            facts=[fact["fact_id"]],
            fact_index=fact_index,
            unit="%",
        )


def comparator_details(L: Ledger, cases, fact_index) -> None:
    """Details the prose quotes about other purification after CAR-T and PE in COVID-19."""
    for c in cases:
        if c["context"] == "car-t" and c["modality_group"] != "PE":
            _cohort_deaths_and_il6(L, c, fact_index)
    for c in cases:
        if c["context"] != "covid-19" or c["modality_group"] != "PE" or c["pe_sessions"] in ABSENT:
            continue
        fact = _fact(fact_index, c["case_id"], "pe_volume")
        if fact:
            L.add(
                f"pe.covid.{slug(c['case_id'])}.volume",
                fact["value"],
                fact["value"],
                "exchange volume per session as printed (text)",
                facts=[fact["fact_id"]],
                fact_index=fact_index,
            )
        L.add(
            f"pe.covid.{slug(c['case_id'])}.sessions",
            c["pe_sessions"],
            c["pe_sessions"].replace("-", "–"),
            "PE sessions per patient as extracted",
            facts=[f"{c['case_id']}.pe_sessions"],
            fact_index=fact_index,
        )
