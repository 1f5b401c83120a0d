"""JSON-Schema errors in words a clinician can act on (what is allowed, the nearest valid value)."""

from __future__ import annotations

import datetime
import re

from .suggest import did_you_mean

# What a pattern means, in words; keyed by the pattern text used in workflow/schemas/.
ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"
PATTERN_RULES = {
    ID_PATTERN: "ids use lower-case letters, digits and hyphens (no spaces, no capitals)",
    "\\S": "must not be empty",
    "^10\\.\\d{4,9}/\\S+$": "a DOI starts with '10.' and has no 'doi:' or https:// prefix, e.g. 10.1000/xyz123",
    "^\\d+$": "must be digits only",
    "^$|^\\d+$": "must be a whole number (digits only) or empty",
}
FACT_MAPS = ("facts", "source_facts")
MAX_LISTED_FIELDS = 20  # longer lists (CSL-JSON has ~100 variables) are not printed
DAY_RULE = "write the day after infusion as a number (day 0 = infusion day), a range such as '2-4', or null"
_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of named fields",
    "null": "empty (null)",
}


def _types(expected) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(_TYPE_WORDS.get(n, n) for n in names)


def _id_suggestion(value: str) -> str:
    fixed = re.sub(r"[^a-z0-9-]+", "-", value.strip().lower()).strip("-")
    return f": try {fixed!r}" if fixed and fixed != value else ""


def _pattern_reason(err) -> str:
    rule = PATTERN_RULES.get(err.validator_value)
    if rule is None:
        return f"{err.instance!r} does not have the required form ({err.validator_value})"
    if err.validator_value == "\\S":
        return rule
    suggestion = _id_suggestion(err.instance) if err.validator_value == ID_PATTERN else ""
    return f"{err.instance!r}: {rule}{suggestion}"


def _is_date(value: object) -> bool:
    return isinstance(value, (datetime.date, datetime.datetime))


def _date_reason(err, path: list) -> str:
    if path and path[-1] == "day_post_infusion":
        return f"{err.instance} looks like a calendar date; {DAY_RULE}"
    return (
        f"{err.instance} was read as a calendar date; to keep it as text put it in quotes (YAML) "
        "or format the cell as Text (spreadsheet)"
    )


def _unknown_fields(err) -> str:
    allowed = list(err.schema.get("properties", {}))
    extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
    parts = [f"{name!r}{did_you_mean(name, allowed)}" for name in extra]
    if len(allowed) > MAX_LISTED_FIELDS:
        return f"unknown field(s): {', '.join(parts)}; see the schema for the allowed names"
    return f"unknown field(s): {', '.join(parts)}; allowed here: {', '.join(allowed)}"


def reason(err, path: list) -> str:
    """One plain sentence for one jsonschema error."""
    if _is_date(err.instance):
        return _date_reason(err, path)
    if err.validator == "required":
        return "required field is missing"
    if err.validator == "additionalProperties":
        return _unknown_fields(err)
    if path and path[-1] == "day_post_infusion":
        return f"{err.instance!r}: {DAY_RULE}"
    if err.validator == "oneOf" and path and path[-1] == "value":
        return f"{err.instance!r} must be a non-empty text, a number or true/false"
    if err.validator == "pattern":
        return _pattern_reason(err)
    if (
        err.validator == "type"
        and err.validator_value == "object"
        and len(path) >= 2
        and path[-2] in FACT_MAPS
    ):
        return (
            f"{err.instance!r} has the wrong type: a fact is written as "
            f"{{value: {err.instance!r}, locator: <where in the source>, flag: seen}}"
        )
    if err.validator == "type":
        return f"{err.instance!r} has the wrong type: expected {_types(err.validator_value)}"
    if err.validator == "enum":
        allowed = [str(v) for v in err.validator_value]
        return f"{err.instance!r} is not one of: {', '.join(allowed)}{did_you_mean(err.instance, allowed)}"
    if err.validator == "minItems" and err.validator_value == 1:
        return (
            "must list at least one entry (a file needs at least one case: patient or cohort)"
            if path == ["cases"]
            else "must list at least one entry"
        )
    return err.message


def _path_of(err) -> list:
    path = list(err.absolute_path)
    if err.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", err.message)
        if missing:
            path.append(missing.group(1))
    return path


def report(validator, instance, out, record_of) -> None:
    """Add every schema error of `instance` to `out` (a FileProblems) as record | field | reason."""
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path = _path_of(err)
        record, fld = record_of(instance, path)
        out.add(record, fld, reason(err, path))
