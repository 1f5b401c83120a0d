"""The pairing rule: which measurement of a patient is 'before' and which is 'after' purification.

Rule `last-pre-first-post` (config `analysis.pairing_rule`):
- pre  = the last value whose relation is pre-purification (taken before the first session),
- post = the first value whose relation is post-purification (taken after the last session),
- during-purification values are shown in figures but never paired.
"Last" and "first" order values by the lower bound of their day after infusion (a range
"2-4" orders as day 2); ties, and any candidate set in which a value has no day, fall back
to the order the values are listed in the extraction (authors list them in time order).

A censored value (qualifier `<` or `>`) is never treated as exact: a pair whose chosen pre or
post value is censored is *censored* - counted, but left out of every change and test.
"""

from __future__ import annotations

from dataclasses import dataclass

PRE, DURING, POST = "pre-purification", "during-purification", "post-purification"
CENSORING = frozenset({"<", ">"})
RULES = ("last-pre-first-post",)


def day_low(row: dict) -> float | None:
    """Lower bound of the measurement's day after infusion (None when no day is given)."""
    text = str(row.get("day_low", "")).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def is_censored(row: dict) -> bool:
    return str(row.get("qualifier", "")).strip() in CENSORING


def value_of(row: dict) -> float | None:
    try:
        return float(row["value"])
    except (KeyError, TypeError, ValueError):
        return None


def in_time_order(rows: list[tuple[int, dict]]) -> list[dict]:
    """(position, row) candidates in time order: by day's lower bound, then listed position;
    by listed position alone when any candidate has no day."""
    if all(day_low(r) is not None for _, r in rows):
        return [r for _, r in sorted(rows, key=lambda pr: (day_low(pr[1]), pr[0]))]
    return [r for _, r in sorted(rows, key=lambda pr: pr[0])]


@dataclass(frozen=True)
class Pair:
    """One patient's before/after values of one analyte (rows as in measurements.csv)."""

    case_id: str
    analyte: str
    pre: dict
    post: dict

    @property
    def censored(self) -> bool:
        return is_censored(self.pre) or is_censored(self.post)

    @property
    def fact_ids(self) -> list[str]:
        return [self.pre["fact_id"], self.post["fact_id"]]

    @property
    def pre_value(self) -> float:
        return float(self.pre["value"])

    @property
    def post_value(self) -> float:
        return float(self.post["value"])

    def relative_change(self) -> float | None:
        """post / pre - 1; None when censored or the pre value is not positive."""
        if self.censored or self.pre_value <= 0:
            return None
        return self.post_value / self.pre_value - 1


def pair(rows: list[dict], rule: str = RULES[0]) -> Pair | None:
    """The pair of one patient and one analyte (rows in listed order), or None."""
    if rule not in RULES:
        raise ValueError(f"unknown pairing rule {rule!r}; known: {', '.join(RULES)}")
    usable = [(i, r) for i, r in enumerate(rows) if value_of(r) is not None]
    pre = in_time_order([(i, r) for i, r in usable if r["relation"] == PRE])
    post = in_time_order([(i, r) for i, r in usable if r["relation"] == POST])
    if not pre or not post:
        return None
    return Pair(pre[-1]["case_id"], pre[-1]["analyte"], pre[-1], post[0])


def pairs_by_analyte(measurements: list[dict], case_ids: set[str], analytes=None) -> dict[str, list[Pair]]:
    """Every analyte's pairs over the given patients (rows of measurements.csv, listed order kept)."""
    grouped: dict[tuple[str, str], list[dict]] = {}
    for m in measurements:
        if m["case_id"] in case_ids and (analytes is None or m["analyte"] in analytes):
            grouped.setdefault((m["analyte"], m["case_id"]), []).append(m)
    out: dict[str, list[Pair]] = {}
    for (analyte, _cid), rows in sorted(grouped.items()):
        p = pair(rows)
        out.setdefault(analyte, [])
        if p is not None:
            out[analyte].append(p)
    return out
