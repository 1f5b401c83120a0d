"""Checks of one extraction document beyond its JSON Schema: vocabularies, the data dictionary,
plausible ranges, units, the clinical timeline (events) and cross-references.

The checks tolerate values of the wrong type (the schema step has already reported them), so
one type error never hides the file's other mistakes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from . import casefields, units
from .suggest import did_you_mean
from .table_checks import vocab_reason

DAY_RANGE_RE = re.compile(r"(-?\d+)-(\d+)")
PE_EVENT = "pe"
DEATH_EVENT = "death"
SESSIONS_FIELD = "pe_sessions"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def day_bounds(day: object) -> tuple[int, int] | None:
    """(low, high) of a day written as an integer or 'a-b'; None for null or malformed days."""
    if isinstance(day, int) and not isinstance(day, bool):
        return day, day
    if isinstance(day, str) and (m := DAY_RANGE_RE.fullmatch(day.strip())):
        return int(m.group(1)), int(m.group(2))
    return None


def default_event_id(position: int) -> str:
    """Id of the k-th event (1-based) when the extraction gives none."""
    return f"e{position}"


def event_ids(case: dict) -> list[str]:
    events = case.get("events") or []
    return [
        str(ev.get("id", default_event_id(k))) if isinstance(ev, dict) else default_event_id(k)
        for k, ev in enumerate(events, start=1)
    ]


def _item_label(items: object, index: int, kind: str) -> str:
    if not isinstance(items, list) or index >= len(items):
        return f"[{index}]"
    item = items[index]
    if kind == "events":
        default = default_event_id(index + 1)
        return str(item.get("id", default)) if isinstance(item, dict) else default
    return str(item.get("id", f"[{index}]")) if isinstance(item, dict) else f"[{index}]"


def record_of(doc: object, path: list) -> tuple[str, str]:
    """(record, field) of a schema error at `path`: the case id and a dotted field name."""
    if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
        cases = doc.get("cases") if isinstance(doc, dict) else None
        case = cases[path[1]] if isinstance(cases, list) and path[1] < len(cases) else {}
        fallback = f"cases[{path[1]}]"
        record = case.get("case_id", fallback) if isinstance(case, dict) else fallback
        rest = path[2:]
        if len(rest) >= 2 and rest[0] in ("measurements", "events") and isinstance(rest[1], int):
            items = case.get(rest[0]) if isinstance(case, dict) else None
            rest = [f"{rest[0]}.{_item_label(items, rest[1], rest[0])}", *rest[2:]]
        return str(record), ".".join(map(str, rest)) or "-"
    return "-", ".".join(map(str, path)) or "-"


@dataclass
class Checks:
    """The semantic checks of extraction files, sharing vocabularies and the problem sink."""

    vocab: dict
    dictionary: casefields.Dictionary
    out: object  # FileProblems of the file being checked
    known_sources: set[str] | None
    seen_cases: dict[str, str]

    def vocab_value(self, record, fld, value, allowed: str) -> None:
        if isinstance(value, str) and (msg := vocab_reason(value, self.vocab, allowed)):
            self.out.add(record, fld, msg)

    # -- the document -------------------------------------------------------------------------
    def document(self, doc: dict, stem: str) -> None:
        source_id = doc.get("source_id")
        if isinstance(source_id, str):
            self.source_id(source_id, stem)
        facts = doc.get("source_facts")
        if isinstance(facts, dict):
            self.facts("-", "source_facts", facts, self.dictionary.source_fields, "source fact")
        cases = doc.get("cases")
        for case in cases if isinstance(cases, list) else []:
            if isinstance(case, dict):
                self.case(case)

    def source_id(self, source_id: str, stem: str) -> None:
        if source_id != stem:
            self.out.add("-", "source_id", f"{source_id!r} must equal the file name ({stem!r})")
        if self.known_sources is not None and source_id not in self.known_sources:
            hint = did_you_mean(source_id, self.known_sources)
            self.out.add("-", "source_id", f"{source_id!r} is not in references.json and sources.csv{hint}")

    # -- one case -----------------------------------------------------------------------------
    def case(self, case: dict) -> None:
        cid = str(case.get("case_id", "-"))
        self.case_header(cid, case)
        facts = case.get("facts")
        if isinstance(facts, dict):
            self.facts(cid, "facts", facts, self.dictionary.case_fields, "case fact")
        self.not_reported(cid, case)
        meas = case.get("measurements")
        # Fact ids <case_id>.<name> of facts, measurements and events share one namespace.
        ids: set[str] = set(facts) if isinstance(facts, dict) else set()
        for m in meas if isinstance(meas, list) else []:
            if isinstance(m, dict):
                self.measurement(cid, m, ids)
        self.events(cid, case, ids)

    def case_header(self, cid: str, case: dict) -> None:
        if cid in self.seen_cases:
            self.out.add(cid, "case_id", f"duplicate case id (also in {self.seen_cases[cid]})")
        self.seen_cases.setdefault(cid, self.out.file)
        for key, allowed in (("kind", "kinds"), ("context", "contexts"), ("origin", "origins")):
            self.vocab_value(cid, key, case.get(key), allowed)
        mods = case.get("modalities")
        for m in mods if isinstance(mods, list) else []:
            self.vocab_value(cid, "modalities", m, "modalities")
        for key in case:
            if key in self.dictionary.case_fields:
                self.out.add(
                    cid,
                    key,
                    f"{key!r} is a case fact: write it under facts: with its value, locator and flag",
                )
        n = case.get("n")
        if case.get("kind") == "cohort" and not (isinstance(n, int) and not isinstance(n, bool) and n >= 1):
            self.out.add(cid, "n", "a cohort needs its size n (a whole number >= 1)")
        if case.get("kind") == "patient" and "n" in case:
            self.out.add(cid, "n", "n is for cohorts; a patient entry must not set it")

    def facts(self, record: str, prefix: str, facts: dict, known: dict[str, dict], what: str) -> None:
        for fname, fact in facts.items():
            fld = f"{prefix}.{fname}"
            spec = known.get(fname)
            if spec is None:
                self.out.add(record, fld, casefields.unknown_name(str(fname), known, what))
            if not isinstance(fact, dict):
                continue
            self.vocab_value(record, f"{fld}.flag", fact.get("flag"), "flags")
            if "unit" in fact:
                self.vocab_value(record, f"{fld}.unit", fact["unit"], "units")
            value = fact.get("value")
            scalar = value is not None and not isinstance(value, (dict, list))
            if spec is not None and scalar and (msg := casefields.value_problem(value, spec)):
                self.out.add(record, f"{fld}.value", msg)

    def not_reported(self, cid: str, case: dict) -> None:
        names = case.get("not_reported")
        facts = case.get("facts") if isinstance(case.get("facts"), dict) else {}
        allowed = self.dictionary.allowed_not_reported()
        for fname in names if isinstance(names, list) else []:
            if not isinstance(fname, str):
                continue
            if fname in facts:
                self.out.add(cid, f"not_reported.{fname}", "listed as not reported but also given as a fact")
            if fname not in allowed:
                self.out.add(
                    cid, f"not_reported.{fname}", casefields.unknown_name(fname, allowed, "case fact")
                )

    # -- measurements -------------------------------------------------------------------------
    def measurement(self, cid: str, meas: dict, ids: set[str]) -> None:
        mid = str(meas.get("id", "?"))
        fld = f"measurements.{mid}"
        if mid in ids:
            self.out.add(
                cid, f"{fld}.id", "duplicate id in this case (facts, measurements and events share ids)"
            )
        ids.add(mid)
        for key, allowed in (
            ("analyte", "analytes"),
            ("relation", "relations"),
            ("flag", "flags"),
            ("unit", "units"),
        ):
            self.vocab_value(cid, f"{fld}.{key}", meas.get(key), allowed)
        if "specimen" in meas:
            self.vocab_value(cid, f"{fld}.specimen", meas["specimen"], "specimens")
        if meas.get("qualifier") is not None:
            self.vocab_value(cid, f"{fld}.qualifier", meas["qualifier"], "qualifiers")
        self.measurement_value(cid, fld, meas)
        self.day(cid, f"{fld}.day_post_infusion", meas.get("day_post_infusion"))

    def measurement_value(self, cid: str, fld: str, meas: dict) -> None:
        value, unit, analyte = meas.get("value"), meas.get("unit"), meas.get("analyte")
        if value is None and "value" in meas:
            reason = "qualifier without value" if meas.get("qualifier") else "value is missing"
            self.out.add(
                cid, f"{fld}.value", f"{reason}; list an unreported value under not_reported instead"
            )
            return
        if not _is_number(value) or not isinstance(unit, str) or not isinstance(analyte, str):
            return  # wrong types were reported by the schema step
        if not math.isfinite(value):
            self.out.add(cid, f"{fld}.value", f"{value!r} is not a finite number")
            return
        if msg := units.analyte_unit_problem(analyte, unit):
            self.out.add(cid, f"{fld}.unit", msg)
            return
        if value < 0:
            self.out.add(cid, f"{fld}.value", f"{value:g} is negative; a measurement cannot be below 0")
            return
        try:
            conv = units.to_canonical(float(value), unit, analyte)
        except units.UnitError as exc:
            if unit in self.vocab["units"]:
                self.out.add(cid, f"{fld}.unit", str(exc))
            return
        self.symptom_range(cid, fld, analyte, conv)

    def symptom_range(self, cid: str, fld: str, analyte: str, conv: units.Conversion) -> None:
        rule = units.symptom_range(analyte)
        if rule is None:
            return
        low, high, whole = rule
        if not low <= conv.value <= high:
            self.out.add(
                cid,
                f"{fld}.value",
                f"{conv.value:g} {conv.unit} is not a plausible {analyte} ({low:g} to {high:g} {conv.unit})",
            )
        elif whole and conv.value != int(conv.value):
            self.out.add(cid, f"{fld}.value", f"{conv.value:g}: {analyte} is a whole number")

    def day(self, cid: str, fld: str, day: object) -> None:
        bounds = day_bounds(day)
        if bounds is None:
            return
        if bounds[0] < 0 or bounds[1] < 0:
            self.out.add(cid, fld, f"{day!r} is before the infusion (day 0); days must be >= 0")
        elif bounds[0] > bounds[1]:
            self.out.add(cid, fld, f"range {day!r} ends before it starts")

    # -- events (the clinical timeline) -------------------------------------------------------
    def events(self, cid: str, case: dict, taken: set[str]) -> None:
        events = case.get("events")
        if not isinstance(events, list):
            return
        ids = event_ids(case)
        death: tuple[int, dict] | None = None
        for k, (eid, ev) in enumerate(zip(ids, events, strict=True), start=1):
            if not isinstance(ev, dict):
                continue
            fld = f"events.{eid}"
            if eid in taken:
                self.out.add(
                    cid, f"{fld}.id", "duplicate id in this case (facts, measurements and events share ids)"
                )
            taken.add(eid)
            self.vocab_value(cid, f"{fld}.event", ev.get("event"), "events")
            self.vocab_value(cid, f"{fld}.flag", ev.get("flag"), "flags")
            self.day(cid, f"{fld}.day_post_infusion", ev.get("day_post_infusion"))
            if death is not None:
                self.out.add(
                    cid, fld, f"listed after the death event ({ids[death[0] - 1]}); nothing follows death"
                )
            elif ev.get("event") == DEATH_EVENT:
                death = (k, ev)
        if death is not None:
            self.after_death(cid, events, ids, death)
        self.session_count(cid, case, events)

    def after_death(self, cid: str, events: list, ids: list[str], death: tuple[int, dict]) -> None:
        death_day = day_bounds(death[1].get("day_post_infusion"))
        if death_day is None:
            return
        for eid, ev in zip(ids[: death[0] - 1], events, strict=False):
            day = day_bounds(ev.get("day_post_infusion")) if isinstance(ev, dict) else None
            if day is not None and day[0] > death_day[1]:
                self.out.add(
                    cid,
                    f"events.{eid}.day_post_infusion",
                    f"day {ev['day_post_infusion']} is after death (day {death[1]['day_post_infusion']})",
                )

    def session_count(self, cid: str, case: dict, events: list) -> None:
        """One `pe` event per session: where both are given, the count must agree with pe_sessions."""
        n_pe = sum(isinstance(ev, dict) and ev.get("event") == PE_EVENT for ev in events)
        facts = case.get("facts") if isinstance(case.get("facts"), dict) else {}
        fact = facts.get(SESSIONS_FIELD)
        if n_pe == 0 or not isinstance(fact, dict):
            return
        value = fact.get("value")
        if _is_number(value):
            low = high = float(value)
        elif isinstance(value, str) and (nums := casefields.numbers_in_text(value)) and len(nums) == 2:
            low, high = nums
        else:
            return  # a qualified count (">=5") or a sentence cannot be compared
        if not low <= n_pe <= high:
            self.out.add(
                cid,
                "events",
                f"{n_pe} 'pe' event(s) but facts.{SESSIONS_FIELD} is {value}; give one 'pe' event per session",
            )
