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


README_START = "<!-- data dictionary: generated from workflow/schemas/case_fields.yaml -->"
README_END = "<!-- end of data dictionary -->"


def _type_text(spec: dict) -> str:
    kind = spec["type"]
    if kind == "choice":
        return "one of " + ", ".join(f"`{v}`" for v in spec["values"])
    if kind in NUMERIC_TYPES:
        low, high = spec.get("min"), spec.get("max")
        word = "whole number" if kind == "integer" else "number"
        text = f"{word} {low:g}–{high:g}" if low is not None and high is not None else word
        if spec.get("text_allowed"):
            text += ", or a sentence"
        return text
    return "text"


def markdown(dictionary: Dictionary) -> str:
    """The data-dictionary tables of data/README.md (between README_START and README_END)."""
    lines = [README_START, "", "Case fields (`facts:` of a case; each is a column of `cases.csv`):", ""]
    lines += ["| field | type | unit | meaning |", "|---|---|---|---|"]
    for name, spec in dictionary.case_fields.items():
        unit = f"`{spec['unit']}`" if spec.get("unit") else ""
        lines.append(f"| `{name}` | {_type_text(spec)} | {unit} | {spec['description']} |")
    lines += ["", "Source fields (`source_facts:` of a file):", ""]
    lines += ["| field | type | meaning |", "|---|---|---|"]
    for name, spec in dictionary.source_fields.items():
        lines.append(f"| `{name}` | {_type_text(spec)} | {spec['description']} |")
    topics = ", ".join(f"`{t}`" for t in sorted(dictionary.not_reported_topics))
    lines += ["", f"Allowed under `not_reported:` besides the case fields: {topics}.", "", README_END]
    return "\n".join(lines)


def update_readme(readme: Path, dictionary: Dictionary) -> bool:
    """Rewrite the generated block of data/README.md; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    new = text[:start] + markdown(dictionary) + text[end:]
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    import sys

    changed = update_readme(Path(sys.argv[2]), load(Path(sys.argv[1])))
    print("data dictionary in", sys.argv[2], "updated" if changed else "already up to date")
