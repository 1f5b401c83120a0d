"""The data dictionary of extraction fact names (workflow/schemas/case_fields.yaml).

A fact's name must be in the dictionary (`case_fields` under a case, `source_fields` under
`source_facts:`), and its value must fit the field's type. Unknown names are errors with the
nearest known name, so a co-author's `age` never silently disappears from the tables.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .suggest import did_you_mean

FILE_NAME = "case_fields.yaml"
# Text allowed in a numeric field of a cohort summary: a qualified number or a range ("5-7").
QUALIFIED_RE = re.compile(r"^(>=|<=|>|<|~)?\s*(\d+(\.\d+)?)$")
RANGE_RE = re.compile(r"^(\d+(\.\d+)?)\s*-\s*(\d+(\.\d+)?)$")
NUMERIC_TYPES = ("integer", "number")


@dataclass(frozen=True)
class Dictionary:
    case_fields: dict[str, dict]
    source_fields: dict[str, dict]
    not_reported_topics: frozenset[str]

    def allowed_not_reported(self) -> set[str]:
        return set(self.case_fields) | set(self.not_reported_topics)


def load(schemas_dir: Path) -> Dictionary:
    data = yaml.safe_load((Path(schemas_dir) / FILE_NAME).read_text(encoding="utf-8"))
    return Dictionary(
        dict(data["case_fields"]),
        dict(data["source_fields"]),
        frozenset(data.get("not_reported_topics", [])),
    )


def unknown_name(name: str, known: dict[str, dict] | set[str], where: str) -> str:
    return (
        f"{name!r} is not a known {where} name{did_you_mean(name, known)}; "
        "the names and their types are listed in data/README.md (data dictionary)"
    )


def numbers_in_text(text: str) -> list[float] | None:
    """Numbers of a qualified number (">=5") or a range ("5-7"), or None for other text."""
    if m := QUALIFIED_RE.match(text.strip()):
        return [float(m.group(2))]
    if m := RANGE_RE.match(text.strip()):
        return [float(m.group(1)), float(m.group(3))]
    return None


def _range_problem(value: float, spec: dict, whole: bool) -> str | None:
    low, high = spec.get("min", -math.inf), spec.get("max", math.inf)
    if not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if value < low or value > high:
        return f"{value:g} is outside the plausible range {low:g} to {high:g}"
    if whole and value != int(value):
        return f"{value:g} must be a whole number"
    return None


def _numeric_problem(value: object, spec: dict) -> str | None:
    whole = spec["type"] == "integer"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _range_problem(float(value), spec, whole)
    if isinstance(value, str):
        numbers = numbers_in_text(value)
        if numbers is None:
            if spec.get("text_allowed"):
                return None
            kind = "a whole number" if whole else "a number"
            return f"{value!r} must be {kind}, a qualified number (>=5) or a range (5-7)"
        for num in numbers:
            if msg := _range_problem(num, spec, False):
                return msg
        return None
    return f"{value!r} must be a number"


def value_problem(value: object, spec: dict) -> str | None:
    """Why `value` does not fit the field described by `spec`, or None."""
    kind = spec["type"]
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if kind in NUMERIC_TYPES:
        return _numeric_problem(value, spec)
    if kind == "choice":
        if value not in spec["values"]:
            allowed = ", ".join(spec["values"])
            return f"{value!r} is not one of: {allowed}{did_you_mean(value, spec['values'])}"
        return None
    target = spec.get("numbers_go_to")
    if target and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"a number here belongs in the field {target!r} (this field holds the wording as printed)"
    return None
