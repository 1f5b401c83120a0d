"""Row checks of the CSV reference tables: vocabularies, numbers, ranges, cross-references.

Each check is a small named step so that a table's rules read as a list (and stay within the
complexity budget). The same plausibility rules as the extractions apply: a count (patients,
studies, sessions, ...) is a non-negative whole number; a percentage lies in 0-100.
"""

from __future__ import annotations

import re

from .suggest import did_you_mean

NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
NON_NEGATIVE_STATISTICS_EXCLUDED = {"mean_difference"}
# Units that count things: their values are whole numbers >= 0.
COUNT_UNITS = {"patients", "studies", "sessions", "articles", "centres", "cytokines", "mediators", "subunits"}
PERCENT_UNITS = {"%"}
# A removal or reduction can be negative (a measured rise) but never above 100 %; a change or a
# difference has no fixed range. Every other percentage is a share of 0-100.
_REMOVAL_WORDS = ("removal", "reduction")
_CHANGE_WORDS = ("change", "difference")
SHOWN_VOCAB_CHARS = 300


def vocab_reason(value: str, vocab, allowed: str) -> str | None:
    """Why `value` is not in vocabulary `allowed` (with the nearest entry), or None."""
    if value in vocab[allowed]:
        return None
    shown = ", ".join(sorted(vocab[allowed]))
    if len(shown) > SHOWN_VOCAB_CHARS:
        shown = shown[: shown.rindex(", ", 0, SHOWN_VOCAB_CHARS)] + ", ..."
    return f"{value!r} is not in the '{allowed}' vocabulary{did_you_mean(value, vocab[allowed])} ({shown})"


def check_vocab_columns(row: dict, schema: dict, vocab, out) -> None:
    for col, spec in schema["properties"].items():
        value = row[col]
        if "x-vocab" in spec and (value or not spec.get("x-optional")):
            parts = value.split(";") if spec.get("x-multi") else [value]
            for part in parts:
                if msg := vocab_reason(part.strip(), vocab, spec["x-vocab"]):
                    out.add(row["_record"], col, msg)


def _numbers(row: dict, schema: dict, out) -> dict[str, float]:
    numbers: dict[str, float] = {}
    for col in schema.get("x-numeric", []):
        cell = row[col].strip()
        if not cell:
            continue
        if not NUMBER_RE.match(cell):
            out.add(row["_record"], col, f"{cell!r} is not a number")
            continue
        numbers[col] = float(cell)
    return numbers


def _check_sources(row: dict, out, known_sources: set[str] | None) -> None:
    if known_sources is None:
        return  # references.json or sources.csv unreadable: reported once, not per row
    for sid in filter(None, (s.strip() for s in row.get("source_id", "").split(";"))):
        if sid not in known_sources:
            out.add(
                row["_record"],
                "source_id",
                f"{sid!r} is not in references.json and sources.csv{did_you_mean(sid, known_sources)}",
            )


def _check_bounds(row: dict, numbers: dict[str, float], out) -> None:
    for low, high in (("mw_kda_low", "mw_kda_high"), ("lower", "upper")):
        if low in numbers and high in numbers and numbers[low] > numbers[high]:
            out.add(
                row["_record"], low, f"lower bound {numbers[low]:g} is above upper bound {numbers[high]:g}"
            )


def _percent_range(quantity: str) -> tuple[float, float] | None:
    if any(w in quantity for w in _CHANGE_WORDS):
        return None
    if any(w in quantity for w in _REMOVAL_WORDS):
        return (float("-inf"), 100.0)
    return (0.0, 100.0)


def _check_units(row: dict, numbers: dict[str, float], out) -> None:
    """Counts are whole numbers >= 0; percentages lie in 0-100 (issue: a negative patient count)."""
    unit = row.get("unit", "")
    for col in ("value", "lower", "upper"):
        if col not in numbers:
            continue
        num = numbers[col]
        if unit in COUNT_UNITS and (num < 0 or num != int(num)):
            out.add(row["_record"], col, f"{num:g} {unit}: a count must be a whole number of 0 or more")
        elif (
            unit in PERCENT_UNITS
            and (bounds := _percent_range(row.get("quantity", "")))
            and not bounds[0] <= num <= bounds[1]
        ):
            shown = "at most 100" if bounds[0] < 0 else "from 0 to 100"
            out.add(row["_record"], col, f"{num:g} %: a percentage here lies {shown}")


def _check_mediator(row: dict, numbers: dict[str, float], out) -> None:
    # Rows without a number are allowed: immune complexes have only a sedimentation class.
    for col, num in numbers.items():
        if num <= 0:
            out.add(row["_record"], col, f"{num:g} kDa: a molecular weight must be above 0")


def _check_method(row: dict, numbers: dict[str, float], out) -> None:
    record, prop = row["_record"], row["property"]
    if prop == "qualitative" and numbers:
        out.add(record, "value", "a qualitative row must not carry numbers (put them in note)")
    if prop != "qualitative" and not numbers:
        out.add(record, "value", f"property {prop!r} needs value or lower/upper")
    if row["qualifier"] and not numbers:
        out.add(record, "qualifier", "qualifier without value")
    for col, num in numbers.items():
        # A negative removal fraction is a measured rise (e.g. LPS across a cartridge).
        if prop == "removal_fraction" and not -1 <= num <= 1:
            out.add(record, col, f"{num:g}: removal_fraction is a fraction from -1 to 1")
        elif prop != "removal_fraction" and num < 0:
            out.add(record, col, f"{num:g} is negative")


def _check_syndrome(row: dict, numbers: dict[str, float], out) -> None:
    record = row["_record"]
    if row["statistic"] not in NON_NEGATIVE_STATISTICS_EXCLUDED:
        for col, num in numbers.items():
            if num < 0:
                out.add(record, col, f"{num:g} is negative; a concentration cannot be below 0")
    if row["interval"] == "none" and (row["lower"] or row["upper"]):
        out.add(record, "interval", "interval is 'none' but lower/upper are given")


def _check_background(row: dict, numbers: dict[str, float], out) -> None:
    if row["qualifier"] and "value" not in numbers:
        out.add(row["_record"], "qualifier", "qualifier without value")


_TABLE_CHECKS = {
    "mw-": _check_mediator,
    "pm-": _check_method,
    "sc-": _check_syndrome,
    "bg-": _check_background,
}


def check_row(row: dict, schema: dict, vocab, out, known_sources: set[str] | None) -> None:
    """Every check of one reference-table row."""
    check_vocab_columns(row, schema, vocab, out)
    numbers = _numbers(row, schema, out)
    _check_sources(row, out, known_sources)
    _check_bounds(row, numbers, out)
    _check_units(row, numbers, out)
    _TABLE_CHECKS[schema["x-row-prefix"]](row, numbers, out)
