"""Computations behind every number in the paper, written into the ledger.

Inputs are the processed tables (lists of dict rows as read from CSV). Each function adds
entries with their formula and input facts; nothing here formats prose.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from . import caseseries, numfmt, pairing, supersede
from .ledger import Ledger
from .outcome import RULE_TEXT, outcome_class

CYTOKINES = frozenset(
    {
        "IL-6",
        "IL-2",
        "IL-10",
        "IFN-gamma",
        "TNF-alpha",
        "IL-8",
        "IL-1beta",
        "IL-18",
        "IL-2R",
        "IL-2Ralpha (CD25)",
        "CXCL10 (IP-10)",
        "IL-17A",
        "IL-1ra",
        "MCP-1",
        "GM-CSF",
    }
)
MODEL_DOSES = (1.0, 1.5)


slug = caseseries.slug


def evidence_counts(L: Ledger, sources, cases, facts, fact_index, follows: str) -> None:
    all_sources = [s["source_id"] for s in sources]
    L.count(
        "sources.count",
        sources,
        "rows of data/raw/sources.csv",
        source_ids=all_sources,
    )
    by_quality = Counter(s["quality"] for s in sources)
    for q in sorted(by_quality):
        ids = [s["source_id"] for s in sources if s["quality"] == q]
        L.add(
            f"sources.quality.{q}",
            by_quality[q],
            numfmt.count(by_quality[q]),
            f"sources with quality = {q}",
            source_ids=ids,
        )
    abstract_only = [
        s["source_id"]
        for s in sources
        if set(a.strip() for a in s["access"].split(";")) <= {"abstract", "summary"}
    ]
    L.count(
        "sources.abstract_only",
        abstract_only,
        "sources whose access is only abstract and/or summary (no full text, table or figure)",
        source_ids=abstract_only,
    )
    full_text = [s["source_id"] for s in sources if "full-text" in s["access"]]
    L.count(
        "sources.full_text",
        full_text,
        "sources read in full text",
        source_ids=full_text,
    )
    unverified_biblio = [s["source_id"] for s in sources if s["biblio_unverified"]]
    L.count(
        "sources.biblio_unverified",
        unverified_biblio,
        "sources with at least one bibliographic field recalled, not seen",
        source_ids=unverified_biblio,
    )

    def case_set(key, rows, formula):
        L.count(
            f"cases.{key}.entries",
            rows,
            f"case entries: {formula}",
            source_ids=sorted({r["source_id"] for r in rows}) or [follows],
        )
        total = sum(int(r["n"]) for r in rows)
        L.add(
            f"cases.{key}.patients",
            total,
            numfmt.count(total),
            f"sum of n over case entries ({formula}); a patient entry counts 1",
            source_ids=sorted({r["source_id"] for r in rows}) or [follows],
        )

    case_set("all", cases, "all")
    car_t = [c for c in cases if c["context"] == "car-t"]
    covid = [c for c in cases if c["context"] == "covid-19"]
    case_set("car_t", car_t, "context = car-t")
    case_set("covid", covid, "context = covid-19")
    for group in sorted({c["modality_group"] for c in car_t}):
        rows = [c for c in car_t if c["modality_group"] == group]
        case_set(f"car_t.group.{slug(group)}", rows, f"context = car-t and modality group = {group}")
    pe_car_t = [c for c in car_t if c["modality_group"] == "PE"]
    pe_lit_patients = [c for c in pe_car_t if c["kind"] == "patient" and c["origin"] == "literature"]
    case_set(
        "pe_car_t_literature_patients",
        pe_lit_patients,
        "context = car-t, PE, kind = patient, origin = literature",
    )
    pe_covid = [c for c in covid if c["modality_group"] == "PE"]
    case_set("pe_covid", pe_covid, "context = covid-19 and PE")

    # Facts and flags
    L.count(
        "facts.count",
        facts,
        "rows of facts.csv (values incl. not-reported)",
        source_ids=sorted({f["source_id"] for f in facts}),
    )
    for flag in ("seen", "computed", "unverified", "not_reported"):
        rows = [f for f in facts if f["flag"] == flag]
        L.count(
            f"facts.flag.{flag}",
            rows,
            f"rows of facts.csv with flag = {flag}",
            source_ids=sorted({f["source_id"] for f in rows}) or [follows],
        )
    nr = [f for f in facts if f["table"] == "not_reported"]
    nr_car_t_pe = [f for f in nr if f["case_id"] in {c["case_id"] for c in pe_car_t}]
    L.count(
        "facts.not_reported.pe_car_t",
        nr_car_t_pe,
        "fields listed as not reported in CAR-T PE entries",
        facts=[f["fact_id"] for f in nr_car_t_pe],
        fact_index=fact_index,
    )


def outcomes(L: Ledger, cases, fact_index, follows: str) -> None:
    """Outcome of each CAR-T patient entry: the coded outcome, else its wording (caseseries)."""
    patients = [c for c in cases if c["context"] == "car-t" and c["kind"] == "patient"]
    for group in ("PE", "all"):
        rows = [c for c in patients if group == "all" or c["modality_group"] == group]
        reported = [
            c
            for c in rows
            if c.get("outcome", "") not in ("", "NR", "unknown") or c["outcome_status"] not in ("", "NR")
        ]
        classes = Counter(outcome_class(c.get("outcome", ""), c["outcome_status"]) for c in reported)
        fids = [f"{c['case_id']}.{f}" for c in reported for f in ("outcome", "outcome_status")]
        fids = [f for f in fids if f in fact_index]
        base = f"cases.car_t_patients.{slug(group)}"
        L.count(
            f"{base}.outcome_reported",
            reported,
            f"CAR-T patient entries ({group}) with an outcome",
            facts=fids,
            fact_index=fact_index,
            source_ids=[c["source_id"] for c in rows] or [follows],
        )
        # 'unclear' keeps its old key: the wording of a reported outcome says neither.
        for cls, key in (("survived", "survived"), ("died", "died"), ("unknown", "unclear")):
            L.add(
                f"{base}.{key}",
                classes[cls],
                numfmt.count(classes[cls]),
                f"outcome classified as {cls}: {RULE_TEXT}",
                facts=fids,
                fact_index=fact_index,
                source_ids=[c["source_id"] for c in rows] or [follows],
            )


def pe_cytokine_data(L: Ledger, cases, measurements, fact_index) -> None:
    """How much cytokine data CAR-T PE entries hold (the per-analyte analysis is caseseries.py)."""
    pe_ids = {c["case_id"] for c in cases if c["context"] == "car-t" and c["modality_group"] == "PE"}
    pe_sources = sorted({c["source_id"] for c in cases if c["case_id"] in pe_ids})
    cyto = [m for m in measurements if m["case_id"] in pe_ids and m["analyte"] in CYTOKINES]
    with_any = sorted({m["case_id"] for m in cyto})
    L.count(
        "pe.car_t.with_cytokine",
        with_any,
        "CAR-T PE entries with at least one cytokine value",
        facts=[m["fact_id"] for m in cyto],
        fact_index=fact_index,
        source_ids=pe_sources,
    )
    pairs = [p for ps in pairing.pairs_by_analyte(cyto, pe_ids).values() for p in ps]
    L.count(
        "pe.car_t.paired_prepost",
        pairs,
        "CAR-T PE (entry, cytokine) pairs with both a pre- and a post-PE value (censored pairs included; "
        "per-analyte changes: cs.pe.*)",
        facts=[m["fact_id"] for m in cyto],
        fact_index=fact_index,
        source_ids=pe_sources,
    )


UNSTATED_SEVERITY = frozenset({"", "not stated", "nr", "unspecified"})


def same_severity(a: dict, b: dict) -> bool:
    """Both rows state a severity and it is the same ('not stated' never matches)."""
    return a["severity"].strip().lower() not in UNSTATED_SEVERITY and a["severity"] == b["severity"]


def comparisons(syndrome_rows, reference: str) -> list[tuple[str, list[dict]]]:
    """Groups of syndrome rows one source reports for one analyte with one statistic and unit,
    holding the reference syndrome (CAR-T CRS) and at least one comparator syndrome; the first
    row per syndrome (file order). Groups in which a comparator matches the reference's severity
    come first, then the rest, each in file order."""
    groups: dict[tuple, dict[str, dict]] = {}
    for r in syndrome_rows:
        key = (r["source_id"], r["analyte"], r["statistic"], r["unit_canonical"])
        groups.setdefault(key, {}).setdefault(r["syndrome"], r)
    out = []
    for (source, analyte, _stat, _unit), by in groups.items():
        if reference in by and len(by) > 1:
            rows = list(by.values())
            matched = any(same_severity(r, by[reference]) for r in rows if r is not by[reference])
            out.append((0 if matched else 1, f"{slug(source)}.{slug(analyte)}", rows))
    return [(k, rows) for _, k, rows in sorted(out, key=lambda t: t[0])]


def _value_and_interval(L: Ledger, prefix: str, r, fact_index) -> None:
    """Entries for one reported group: the statistic, its interval and n, as printed."""
    stat = slug(r["statistic"])
    L.add(
        f"{prefix}.{stat}",
        float(r["value"]),
        f"{r['value']} {r['unit']}",
        f"{r['statistic'].replace('_', ' ')} ({r['interval']} {r['lower']}-{r['upper']}), n = {r['n']}",
        facts=[f"{r['row_id']}.value"],
        fact_index=fact_index,
        unit=r["unit"],
    )
    if r["lower"] and r["upper"]:
        L.add(
            f"{prefix}.interval",
            f"{r['lower']}-{r['upper']}",
            f"{r['lower']}–{r['upper']}",
            f"{r['interval']} as reported",
            facts=[f"{r['row_id']}.lower", f"{r['row_id']}.upper"],
            fact_index=fact_index,
            unit=r["unit"],
        )
    if r["n"]:
        L.add(
            f"{prefix}.n",
            int(float(r["n"])),
            numfmt.count(int(float(r["n"]))),
            f"{r['syndrome']} group size",
            facts=[f"{r['row_id']}.n"],
            fact_index=fact_index,
        )


def syndrome_comparison(L: Ledger, syndrome_rows, fact_index, reference: str) -> None:
    """Every source that reports the reference syndrome (CAR-T CRS) and a comparator syndrome
    with the same statistic: each group's value, interval and n, and the ratios
    reference / comparator (and comparator / reference where the comparator is higher).
    Keys: syn.<source>.<analyte>.<syndrome>.{<statistic>,interval,n,ratio_vs_<syndrome>}."""
    matched = set()
    for key, rows in comparisons(syndrome_rows, reference):
        ref = next(r for r in rows if r["syndrome"] == reference)
        stat = slug(ref["statistic"])
        for r in rows:
            _value_and_interval(L, f"syn.{key}.{slug(r['syndrome'])}", r, fact_index)
        for r in rows:
            if r is ref:
                continue
            if same_severity(r, ref):
                matched.add(r["source_id"])
            same = "same severity" if same_severity(r, ref) else "severity not the same or not stated"
            a, b = f"syn.{key}.{slug(ref['syndrome'])}", f"syn.{key}.{slug(r['syndrome'])}"
            ratio = float(ref["value_canonical"]) / float(r["value_canonical"])
            for num, den, value in ((ref, r, ratio), (r, ref, 1 / ratio)):
                if num is r and value <= 1:
                    continue  # the inverse only where the comparator is the higher group
                L.add(
                    f"syn.{key}.{slug(num['syndrome'])}.ratio_vs_{slug(den['syndrome'])}",
                    value,
                    numfmt.fold(value),
                    f"{num['statistic'].replace('_', ' ')} {num['analyte']} of {num['syndrome']} ({num['severity']}) / "
                    f"{den['syndrome']} ({den['severity']}), same source and unit; {same}",
                    derived_from=[f"{a}.{stat}", f"{b}.{stat}"]
                    if num is ref
                    else [f"{b}.{stat}", f"{a}.{stat}"],
                )
    L.add(
        "syn.matched_sources",
        len(matched),
        numfmt.count(len(matched)),
        f"sources reporting {reference} and a comparator syndrome at the same severity with the same statistic",
        facts=[f"{r['row_id']}.value" for r in syndrome_rows if r["source_id"] in matched],
        fact_index=fact_index,
        source_ids=sorted(matched) or sorted({r["source_id"] for r in syndrome_rows}),
    )


def pe_kinetics(L: Ledger, methods, fact_index) -> None:
    """First-order removal 1 - exp(-V) at 1.0 and 1.5 plasma volumes, beside reported values."""
    formula_rows = [
        r
        for r in methods
        if r["modality"] == "TPE"
        and r["property"] == "removal_fraction"
        and r["setting"] == "formula"
        and r["flag"] == "seen"
    ]
    model_sources = sorted({r["source_id"] for r in formula_rows})
    for dose in MODEL_DOSES:
        value = 1 - math.exp(-dose)
        key = f"pe.model.removal_{str(dose).replace('.', '_')}pv"
        L.add(
            key,
            value,
            numfmt.percent(value),
            f"1 - exp(-V) with V = {dose} plasma volumes (one-compartment first-order model)",
            facts=[
                f"{r['row_id']}.finding"
                for r in methods
                if r["modality"] == "TPE" and r["property"] == "qualitative" and r["setting"] == "formula"
            ],
            fact_index=fact_index,
            source_ids=model_sources,
            unit="%",
        )
        reported = [r for r in formula_rows if _dose(r) == dose]
        for r in reported:
            L.add(
                f"{key}.reported.{r['source_id']}",
                float(r["value"]),
                numfmt.percent(float(r["value"]), 0 if len(r["value"]) <= 4 else 1),
                f"removal at {dose} plasma volumes as printed by the source ({r['qualifier'] or '='})",
                facts=[f"{r['row_id']}.value"],
                fact_index=fact_index,
                unit="%",
            )
        L.add(
            f"pe.model.dose_{str(dose).replace('.', '_')}pv",
            dose,
            f"{dose:.1f} plasma volume{'' if dose == 1 else 's'}",
            "exchange dose (plasma volumes) at which the model is evaluated; a dose the sources print",
            facts=[f"{r['row_id']}.value" for r in formula_rows if _dose(r) == dose],
            fact_index=fact_index,
            source_ids=model_sources,
        )
    observed = [
        r
        for r in methods
        if r["modality"] == "TPE" and r["property"] == "removal_fraction" and r["setting"] == "patients"
    ]
    # The model at the mean dose of the one patient series with a stated dose, for comparison.
    for r in observed:
        dose = _dose(r)
        if dose is None:
            continue
        value = 1 - math.exp(-dose)
        L.add(
            f"pe.model.removal_at_observed_dose.{slug(r['source_id'])}",
            value,
            numfmt.percent(value),
            f"1 - exp(-V) with V = {dose} plasma volumes, the dose stated with the observed removal in "
            f"{r['row_id']} (note dose_pv=)",
            facts=[f"{r['row_id']}.{c}" for c in ("value", "lower", "upper") if r[c]],
            fact_index=fact_index,
            source_ids=model_sources,
            unit="%",
        )
    observed_cyto = [r for r in observed if any(m.strip() in CYTOKINES for m in r["mediator"].split(";"))]
    L.count(
        "pe.observed.cytokine_count",
        observed_cyto,
        "removal fractions measured in patients during TPE whose mediator is a cytokine",
        facts=[f"{r['row_id']}.{c}" for r in observed for c in ("value", "lower", "upper") if r[c]],
        fact_index=fact_index,
    )
    counter = [r for r in methods if re.match(r"(COUNTER-EVIDENCE|REBOUND)", r["note"])]
    L.count(
        "pm.counter_evidence.count",
        counter,
        "purification_methods rows whose note starts with COUNTER-EVIDENCE or REBOUND",
        facts=[f"{r['row_id']}.finding" for r in counter],
        fact_index=fact_index,
    )
    counter_pe = [r for r in counter if r["modality"] == "TPE"]
    L.count(
        "pm.counter_evidence.tpe_count",
        counter_pe,
        "of these, rows about TPE",
        facts=[f"{r['row_id']}.finding" for r in counter_pe],
        fact_index=fact_index,
    )
    L.count(
        "pe.observed.count",
        observed,
        "removal fractions measured in patients (purification_methods, TPE, setting = patients)",
        facts=[f"{r['row_id']}.{c}" for r in observed for c in ("value", "lower", "upper") if r[c]],
        fact_index=fact_index,
    )


def _dose(row) -> float | None:
    m = re.match(r"dose_pv=([\d.]+)(?:[;\s]|$)", row["note"])
    return float(m.group(1)) if m else None


def _review_fact(fact_index, follows: str, field: str) -> str | None:
    """The followed review's publication-level fact `field` (a source fact, or a fact of one of
    its case entries while it is extracted as a cohort placeholder)."""
    found = sorted(
        fid
        for fid, f in fact_index.items()
        if f["source_id"] == follows and fid.endswith(f".{field}") and f["value"]
    )
    return found[0] if found else None


def review_cases(L: Ledger, cases, fact_index, follows: str) -> None:
    """The followed review's own case counts (institutional + literature) and what we hold of them."""
    inst = _review_fact(fact_index, follows, "n_institutional_cases")
    lit = _review_fact(fact_index, follows, "n_literature_cases_reviewed")
    if inst is None or lit is None:
        return
    n_inst, n_lit = int(float(fact_index[inst]["value"])), int(float(fact_index[lit]["value"]))
    L.add(
        "review.cases.institutional",
        n_inst,
        numfmt.count(n_inst),
        "as reported by the review",
        facts=[inst],
        fact_index=fact_index,
    )
    L.add(
        "review.cases.literature",
        n_lit,
        numfmt.count(n_lit),
        "as reported by the review",
        facts=[lit],
        fact_index=fact_index,
    )
    L.add(
        "review.cases.total",
        n_inst + n_lit,
        numfmt.count(n_inst + n_lit),
        "institutional + literature",
        derived_from=["review.cases.institutional", "review.cases.literature"],
    )
    inst_ids = {c["case_id"] for c in cases if c["source_id"] == follows and c["origin"] == "institutional"}
    nr_inst = sorted(
        fid for fid, f in fact_index.items() if f["case_id"] in inst_ids and f["flag"] == "not_reported"
    )
    L.count(
        "review.cases.institutional.not_reported",
        nr_inst,
        "fields of the review's institutional case entries looked for and not reported",
        facts=nr_inst,
        fact_index=fact_index,
        source_ids=[follows],
    )
    held = L.entries["cases.pe_car_t_literature_patients.patients"]
    missing = n_inst + n_lit - int(held.value)
    L.add(
        "review.cases.missing_at_least",
        missing,
        numfmt.count(missing),
        "review total - CAR-T PE literature patients held here (assumes every held case is one of "
        "the review's; identities unknown)",
        derived_from=["review.cases.total", "cases.pe_car_t_literature_patients.patients"],
    )


def mediator_sizes(L: Ledger, mediators, methods, fact_index) -> None:
    """Size ranges per mediator (min-max over sources) and technique cut-offs for the prose."""
    by, source_of = {}, {}
    for r in supersede.shown(mediators):  # a superseded weak row only where nothing replaces it
        for col in ("mw_kda", "mw_kda_low", "mw_kda_high"):
            if r[col]:
                by.setdefault(r["mediator"], []).append((float(r[col]), f"{r['row_id']}.{col}", r[col]))
                source_of[f"{r['row_id']}.{col}"] = r["source_id"]
    for med, vals in sorted(by.items()):
        # Print the extremes as the sources printed them (no added or dropped digits).
        lo_v, _, lo_text = min(vals)
        hi_v, _, hi_text = max(vals)
        lo, hi = lo_v, hi_v
        text = f"{lo_text} kDa" if lo == hi else f"{lo_text}–{hi_text} kDa"
        L.add(
            f"mw.{slug(med)}.range",
            [lo, hi],
            text,
            "min-max over all forms and sources",
            facts=[f for _, f, _ in vals],
            fact_index=fact_index,
            unit="kDa",
        )
        # The prose cites the sources of the extremes it prints, read from here (not typed in).
        ends = [f for v, f, _ in vals if v in (lo, hi)]
        cited = sorted({source_of[f] for f in ends})
        L.add(
            f"mw.{slug(med)}.range_sources",
            cited,
            "; ".join(cited),
            "sources of the lowest and highest value",
            facts=ends,
            fact_index=fact_index,
        )
    for r in methods:
        if r["property"] in ("cutoff_kda", "size_window_kda") and (r["value"] or r["lower"]):
            key = f"cutoff.{slug(r['modality'])}.{slug(r['source_id'])}"
            if key in L.entries:
                continue
            if r["value"]:
                text = f"{r['qualifier'] if r['qualifier'] == '~' else ''}{r['value']} kDa"
                facts = [f"{r['row_id']}.value"]
            else:
                text = f"{r['lower']}–{r['upper']} kDa" if r["upper"] else f"{r['lower']} kDa"
                facts = [f"{r['row_id']}.{c}" for c in ("lower", "upper") if r[c]]
            L.add(
                key,
                r["value"] or r["lower"],
                text,
                f"{r['property']} of {r['device_or_membrane']}",
                facts=facts,
                fact_index=fact_index,
                unit="kDa",
            )


def background(L: Ledger, rows, fact_index) -> None:
    """Numbers quoted in the background prose, one entry per raw row (no arithmetic)."""
    for r in rows:
        unit = r["unit"]
        text = f"{r['value']}{'%' if unit == '%' else (' ' + unit if unit else '')}"
        L.add(
            f"bg.{r['row_id'][3:].replace('-', '_')}",
            r["value"],
            text,
            f"{r['quantity']} as stated",
            facts=[f"{r['row_id']}.value"],
            fact_index=fact_index,
            unit=unit,
        )


def build(tables: dict[str, list[dict]], analysis_config: dict, follows: str) -> Ledger:
    """The whole ledger. `analysis_config` is config `analysis:`; `follows` the followed review's
    source id (config paper.follows.source_id)."""
    facts = tables["facts"]
    fact_index = {f["fact_id"]: f for f in facts}
    settings = caseseries.Settings.from_config(analysis_config, follows)
    L = Ledger()
    evidence_counts(L, tables["sources"], tables["cases"], facts, fact_index, follows)
    outcomes(L, tables["cases"], fact_index, follows)
    pe_cytokine_data(L, tables["cases"], tables["measurements"], fact_index)
    caseseries.build(
        L, tables["cases"], tables["measurements"], tables.get("events", []), fact_index, settings
    )
    syndrome_comparison(L, tables["syndrome_cytokines"], fact_index, analysis_config["reference_syndrome"])
    pe_kinetics(L, tables["purification_methods"], fact_index)
    review_cases(L, tables["cases"], fact_index, follows)
    mediator_sizes(L, tables["mediators"], tables["purification_methods"], fact_index)
    background(L, tables["background_facts"], fact_index)
    supersede.weak_source_entries(L, tables["sources"], tables["mediators"], fact_index)
    problems = L.check(set(fact_index))
    if problems:
        raise ValueError("ledger provenance problems:\n" + "\n".join(problems))
    return L
