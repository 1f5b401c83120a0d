"""Validation of every raw input: schema, vocabularies, cross-references and plausible ranges.

`load_raw` reads everything, collects *all* problems (file | record | field | reason) and
raises one `InputError`; on success it returns the parsed data for the cleaning step.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from . import files, supersede, units
from .errors import Collector

REFERENCE_TABLES = ("mediators", "purification_methods", "syndrome_cytokines", "background_facts")
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
# Strings allowed for numeric-looking fact fields: a qualified number or a range ("5-7").
QUALIFIED_RE = re.compile(r"^(>=|<=|>|<|~)?\s*(\d+(\.\d+)?)$")
RANGE_RE = re.compile(r"^(\d+(\.\d+)?)\s*-\s*(\d+(\.\d+)?)$")
NON_NEGATIVE_STATISTICS_EXCLUDED = {"mean_difference"}


@dataclass(frozen=True)
class RawPaths:
    """The raw files one step reads (explicit, so Snakemake rules can declare them)."""

    references: Path
    sources: Path
    extractions: tuple[Path, ...] = ()
    tables: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def from_dir(
        cls, raw_dir: Path, parts: frozenset[str] = frozenset({"extractions", "tables"})
    ) -> RawPaths:
        raw_dir = Path(raw_dir)
        ext = tuple(sorted((raw_dir / "extractions").glob("*.yaml"))) if "extractions" in parts else ()
        tables = (
            {t: raw_dir / "reference" / f"{t}.csv" for t in REFERENCE_TABLES} if "tables" in parts else {}
        )
        return cls(raw_dir / "references.json", raw_dir / "sources.csv", ext, tables)


@dataclass
class RawData:
    root: Path
    references: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    extractions: dict[str, dict] = field(default_factory=dict)  # display path -> document
    tables: dict[str, list[dict]] = field(default_factory=dict)
    checked_files: list[str] = field(default_factory=list)


def _schema(schemas_dir: Path, name: str) -> dict:
    return yaml.safe_load((schemas_dir / f"{name}.schema.yaml").read_text(encoding="utf-8"))


def _field_rule(name: str) -> tuple[float, float, bool, bool] | None:
    """(min, max, integer, strict) for fact fields whose name says what they measure.

    Strict fields must hold a number (or a qualified number / range as text); others such as
    durations may also hold a sentence, whose numbers are then not checked.
    """
    rule = _numeric_rule(name)
    if rule is None:
        return None
    strict = not name.endswith(("_days", "_days_median"))
    return (*rule, strict)


def _numeric_rule(name: str) -> tuple[float, float, bool] | None:
    if name.startswith("age_years"):
        return (0, 120, False)
    if name.endswith(("_day", "_day_mean", "_days", "_days_median")) or name.startswith("day_"):
        return (0, 3650, False)
    if name.endswith("_percent"):
        return (0, 100, False)
    if name.endswith("_n") or name.startswith("n_") or name in {"deaths", "pe_sessions", "tocilizumab_doses"}:
        return (0, 1e7, True)
    if name.endswith(("_per_kg", "_ml_per_day", "_ml_per_session")) or "_ml_" in name:
        return (0, 1e12, False)
    return None


def _check_number(value: float, rule: tuple) -> str | None:
    low, high, integer = rule[:3]
    if not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if value < low or value > high:
        return f"{value:g} is outside the plausible range {low:g} to {high:g}"
    if integer and value != int(value):
        return f"{value:g} must be a whole number"
    return None


def _schema_problems(validator, instance, problems: Collector, name: str, record_of) -> None:
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        if err.validator == "required":
            missing = err.message.split("'")[1]
            path = [*path, missing]
            reason = "required field is missing"
        elif err.validator == "additionalProperties":
            reason = f"unknown field(s): {err.message.split('(')[1].rstrip(')')}"
        elif path and path[-1] == "day_post_infusion":
            reason = f"{err.instance!r} must be a whole day, a range such as '2-4', or null"
        elif err.validator == "oneOf" and path and path[-1] == "value":
            reason = f"{err.instance!r} must be a non-empty text, a number or true/false"
        elif err.validator == "pattern" and err.validator_value == "\\S":
            reason = "must not be empty"
        elif err.validator == "type":
            reason = f"{err.instance!r} has the wrong type: expected {err.validator_value}"
        else:
            reason = err.message
        record, fld = record_of(instance, path)
        problems.add(name, record, fld, reason)


def _extraction_record(doc: object, path: list) -> tuple[str, str]:
    if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
        case = doc["cases"][path[1]] if isinstance(doc, dict) else {}
        record = case.get("case_id", f"cases[{path[1]}]") if isinstance(case, dict) else f"cases[{path[1]}]"
        rest = path[2:]
        if len(rest) >= 2 and rest[0] == "measurements" and isinstance(rest[1], int):
            meas = case.get("measurements", [])[rest[1]] if isinstance(case, dict) else {}
            mid = meas.get("id", f"[{rest[1]}]") if isinstance(meas, dict) else f"[{rest[1]}]"
            rest = [f"measurements.{mid}", *rest[2:]]
        return str(record), ".".join(map(str, rest)) or "-"
    return "-", ".".join(map(str, path)) or "-"


def _check_vocab(problems, name, record, fld, value, vocab, allowed: str) -> None:
    if value not in vocab[allowed]:
        shown = ", ".join(sorted(vocab[allowed]))
        if len(shown) > 300:
            shown = shown[:300] + ", ..."
        problems.add(name, record, fld, f"{value!r} is not in the '{allowed}' vocabulary ({shown})")


def _check_extraction(
    doc: dict, name: str, stem: str, vocab, problems: Collector, known_sources, seen_cases
) -> None:
    source_id = doc["source_id"]
    if source_id != stem:
        problems.add(name, "-", "source_id", f"{source_id!r} must equal the file name ({stem!r})")
    if source_id not in known_sources:
        problems.add(name, "-", "source_id", f"{source_id!r} is not in references.json and sources.csv")
    for case in doc["cases"]:
        cid = case["case_id"]
        if cid in seen_cases:
            problems.add(name, cid, "case_id", f"duplicate case id (also in {seen_cases[cid]})")
        seen_cases.setdefault(cid, name)
        _check_vocab(problems, name, cid, "kind", case["kind"], vocab, "kinds")
        _check_vocab(problems, name, cid, "context", case["context"], vocab, "contexts")
        _check_vocab(problems, name, cid, "origin", case["origin"], vocab, "origins")
        for m in case["modalities"]:
            _check_vocab(problems, name, cid, "modalities", m, vocab, "modalities")
        if case["kind"] == "cohort" and not (isinstance(case.get("n"), int) and case["n"] >= 1):
            problems.add(name, cid, "n", "a cohort needs its size n (a whole number >= 1)")
        if case["kind"] == "patient" and "n" in case:
            problems.add(name, cid, "n", "n is for cohorts; a patient entry must not set it")
        for fname, fact in case["facts"].items():
            fld = f"facts.{fname}"
            _check_vocab(problems, name, cid, f"{fld}.flag", fact["flag"], vocab, "flags")
            if "unit" in fact:
                _check_vocab(problems, name, cid, f"{fld}.unit", fact["unit"], vocab, "units")
            value, rule = fact["value"], _field_rule(fname)
            if isinstance(value, float) and not math.isfinite(value):
                problems.add(name, cid, f"{fld}.value", f"{value!r} is not a finite number")
            elif rule and isinstance(value, (int, float)) and not isinstance(value, bool):
                if msg := _check_number(float(value), rule):
                    problems.add(name, cid, f"{fld}.value", msg)
            elif rule and isinstance(value, str):
                if m := QUALIFIED_RE.match(value.strip()):
                    numbers = [float(m.group(2))]
                elif m := RANGE_RE.match(value.strip()):
                    numbers = [float(m.group(1)), float(m.group(3))]
                else:
                    if rule[3]:
                        problems.add(
                            name,
                            cid,
                            f"{fld}.value",
                            f"{value!r} must be a number, a qualified number (>=5) or a range (5-7)",
                        )
                    numbers = []
                for num in numbers:
                    if msg := _check_number(num, (rule[0], rule[1], False)):
                        problems.add(name, cid, f"{fld}.value", msg)
        for fname in case["not_reported"]:
            if fname in case["facts"]:
                problems.add(
                    name, cid, f"not_reported.{fname}", "listed as not reported but also given as a fact"
                )
        ids: set[str] = set()
        for meas in case["measurements"]:
            mid = meas["id"]
            fld = f"measurements.{mid}"
            if mid in ids:
                problems.add(name, cid, f"{fld}.id", "duplicate measurement id in this case")
            ids.add(mid)
            _check_vocab(problems, name, cid, f"{fld}.analyte", meas["analyte"], vocab, "analytes")
            _check_vocab(problems, name, cid, f"{fld}.relation", meas["relation"], vocab, "relations")
            _check_vocab(problems, name, cid, f"{fld}.flag", meas["flag"], vocab, "flags")
            _check_vocab(problems, name, cid, f"{fld}.unit", meas["unit"], vocab, "units")
            if "specimen" in meas:
                _check_vocab(problems, name, cid, f"{fld}.specimen", meas["specimen"], vocab, "specimens")
            if meas["qualifier"] is not None:
                _check_vocab(problems, name, cid, f"{fld}.qualifier", meas["qualifier"], vocab, "qualifiers")
            value = meas["value"]
            if value is None:
                reason = "qualifier without value" if meas["qualifier"] else "value is missing"
                problems.add(
                    name,
                    cid,
                    f"{fld}.value",
                    f"{reason}; list an unreported value under not_reported instead",
                )
            elif not math.isfinite(value):
                problems.add(name, cid, f"{fld}.value", f"{value!r} is not a finite number")
            elif meas["unit"] == "degC":
                if not 25 <= value <= 45:
                    problems.add(
                        name, cid, f"{fld}.value", f"{value:g} degC is not a plausible body temperature"
                    )
            elif value < 0:
                problems.add(
                    name, cid, f"{fld}.value", f"{value:g} is negative; a concentration cannot be below 0"
                )
            else:
                try:
                    units.to_canonical(float(value), meas["unit"], meas["analyte"])
                except units.UnitError as exc:
                    problems.add(name, cid, f"{fld}.unit", str(exc))
            day = meas["day_post_infusion"]
            days: list[int] = []
            if isinstance(day, int):
                days = [day]
            elif isinstance(day, str) and (m := re.fullmatch(r"(-?\d+)-(\d+)", day)):
                days = [int(m.group(1)), int(m.group(2))]
            if any(d < 0 for d in days):
                problems.add(
                    name,
                    cid,
                    f"{fld}.day_post_infusion",
                    f"{day!r} is before the infusion (day 0); days must be >= 0",
                )
            elif len(days) == 2 and days[0] > days[1]:
                problems.add(name, cid, f"{fld}.day_post_infusion", f"range {day!r} ends before it starts")


def _check_table_row(row: dict, schema: dict, vocab, problems: Collector, name: str, known_sources) -> None:
    record = row["_record"]
    for col, spec in schema["properties"].items():
        value = row[col]
        if "x-vocab" in spec and (value or not spec.get("x-optional")):
            parts = value.split(";") if spec.get("x-multi") else [value]
            for part in parts:
                _check_vocab(problems, name, record, col, part.strip(), vocab, spec["x-vocab"])
    numbers: dict[str, float] = {}
    for col in schema.get("x-numeric", []):
        cell = row[col].strip()
        if not cell:
            continue
        if not NUMBER_RE.match(cell):
            problems.add(name, record, col, f"{cell!r} is not a number")
            continue
        numbers[col] = float(cell)
    for sid in filter(None, (s.strip() for s in row.get("source_id", "").split(";"))):
        if sid not in known_sources:
            problems.add(name, record, "source_id", f"{sid!r} is not in references.json and sources.csv")
    for low, high in (("mw_kda_low", "mw_kda_high"), ("lower", "upper")):
        if low in numbers and high in numbers and numbers[low] > numbers[high]:
            problems.add(
                name, record, low, f"lower bound {numbers[low]:g} is above upper bound {numbers[high]:g}"
            )
    table = schema["x-row-prefix"]
    if table == "mw-":
        # Rows without a number are allowed: immune complexes have only a sedimentation class.
        for col, num in numbers.items():
            if num <= 0:
                problems.add(name, record, col, f"{num:g} kDa: a molecular weight must be above 0")
    if table == "pm-":
        prop = row["property"]
        if prop == "qualitative" and numbers:
            problems.add(name, record, "value", "a qualitative row must not carry numbers (put them in note)")
        if prop != "qualitative" and not numbers:
            problems.add(name, record, "value", f"property {prop!r} needs value or lower/upper")
        if row["qualifier"] and not numbers:
            problems.add(name, record, "qualifier", "qualifier without value")
        for col, num in numbers.items():
            # A negative removal fraction is a measured rise (e.g. LPS across a cartridge).
            if prop == "removal_fraction" and not -1 <= num <= 1:
                problems.add(name, record, col, f"{num:g}: removal_fraction is a fraction from -1 to 1")
            elif prop != "removal_fraction" and num < 0:
                problems.add(name, record, col, f"{num:g} is negative")
    if table == "sc-":
        if row["statistic"] not in NON_NEGATIVE_STATISTICS_EXCLUDED:
            for col, num in numbers.items():
                if num < 0:
                    problems.add(name, record, col, f"{num:g} is negative; a concentration cannot be below 0")
        if row["interval"] == "none" and (row["lower"] or row["upper"]):
            problems.add(name, record, "interval", "interval is 'none' but lower/upper are given")
    if table == "bg-" and row["qualifier"] and "value" not in numbers:
        problems.add(name, record, "qualifier", "qualifier without value")


def _check_superseded(rows: list[dict], problems: Collector, name: str) -> None:
    """`superseded_by` must name other rows of the same table (see supersede.py)."""
    for record, reason in supersede.problems(rows):
        problems.add(name, record, supersede.COLUMN, reason)


def load_raw(
    raw: Path | RawPaths,
    schemas_dir: Path,
    vocab_path: Path,
    root: Path | None = None,
    check: bool = True,
) -> RawData:
    """Read and check raw inputs; raise InputError listing all problems.

    `raw` is a data/raw folder (everything) or a RawPaths naming the files of one step.
    references.json and sources.csv are always read: every cross-reference needs them.
    `check=False` only parses (the cleaning steps run after the validation gate has passed);
    syntax and encoding problems are still raised.
    """
    paths = raw if isinstance(raw, RawPaths) else RawPaths.from_dir(raw)
    schemas_dir = Path(schemas_dir)
    root = Path(root) if root else Path.cwd()
    from . import vocab as vocab_mod

    vocab = vocab_mod.load(vocab_path)
    problems = Collector()
    data = RawData(root=root)

    def name_of(p: Path) -> str:
        return files.display(p, root)

    # references.json: CSL-JSON
    ref_path = Path(paths.references)
    ref_name = name_of(ref_path)
    data.checked_files.append(ref_name)
    refs = files.read_json(ref_path, problems, ref_name)
    ref_ids: set[str] = set()
    if refs is not None:
        validator = jsonschema.Draft202012Validator(_schema(schemas_dir, "references"))

        def ref_record(inst, path):
            if (
                path
                and isinstance(path[0], int)
                and isinstance(inst, list)
                and isinstance(inst[path[0]], dict)
            ):
                return str(inst[path[0]].get("id", f"item {path[0]}")), ".".join(map(str, path[1:])) or "-"
            return "-", ".".join(map(str, path)) or "-"

        _schema_problems(validator, refs, problems, ref_name, ref_record)
        if isinstance(refs, list):
            for item in refs:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    if item["id"] in ref_ids:
                        problems.add(ref_name, item["id"], "id", "duplicate id")
                    ref_ids.add(item["id"])
            data.references = [r for r in refs if isinstance(r, dict)]

    # sources.csv
    src_schema = _schema(schemas_dir, "sources")
    src_path = Path(paths.sources)
    src_name = name_of(src_path)
    data.checked_files.append(src_name)
    rows = files.read_csv(src_path, list(src_schema["properties"]), problems, src_name, key="source_id")
    src_ids: set[str] = set()
    if rows is not None:
        validator = jsonschema.Draft202012Validator(src_schema)
        for row in rows:
            cells = {k: v for k, v in row.items() if not k.startswith("_")}
            _schema_problems(
                validator,
                cells,
                problems,
                src_name,
                lambda i, p, r=row: (r["_record"], ".".join(map(str, p)) or "-"),
            )
            if row["source_id"] in src_ids:
                problems.add(src_name, row["_record"], "source_id", "duplicate source_id")
            src_ids.add(row["source_id"])
            _check_table_row(
                row,
                {"properties": src_schema["properties"], "x-row-prefix": "src"},
                vocab,
                problems,
                src_name,
                src_ids | ref_ids | {row["source_id"]},
            )
        data.sources = rows
    if refs is not None and rows is not None:
        for sid in sorted(src_ids - ref_ids):
            problems.add(ref_name, sid, "id", "source in sources.csv has no item in references.json")
        for sid in sorted(ref_ids - src_ids):
            problems.add(src_name, sid, "source_id", "item in references.json has no row in sources.csv")
    known_sources = src_ids & ref_ids

    # extractions
    ext_schema = jsonschema.Draft202012Validator(_schema(schemas_dir, "extraction"))
    seen_cases: dict[str, str] = {}
    for path in sorted(Path(p) for p in paths.extractions):
        name = name_of(path)
        data.checked_files.append(name)
        doc = files.read_yaml(path, problems, name)
        if doc is None:
            continue
        if not check:
            data.extractions[name] = doc
            continue
        before = len(problems.problems)
        _schema_problems(ext_schema, doc, problems, name, _extraction_record)
        if len(problems.problems) == before:
            _check_extraction(doc, name, path.stem, vocab, problems, known_sources, seen_cases)
            data.extractions[name] = doc

    # reference tables
    for table, path in sorted(paths.tables.items()):
        schema = _schema(schemas_dir, table)
        path = Path(path)
        name = name_of(path)
        data.checked_files.append(name)
        rows = files.read_csv(path, list(schema["properties"]), problems, name, key=schema["x-key"])
        if rows is None:
            continue
        validator = jsonschema.Draft202012Validator(schema)
        keys: set[str] = set()
        for row in rows:
            cells = {k: v for k, v in row.items() if not k.startswith("_")}
            _schema_problems(
                validator,
                cells,
                problems,
                name,
                lambda i, p, r=row: (r["_record"], ".".join(map(str, p)) or "-"),
            )
            key = row[schema["x-key"]]
            if key in keys:
                problems.add(name, row["_record"], schema["x-key"], "duplicate row id")
            keys.add(key)
            _check_table_row(row, schema, vocab, problems, name, known_sources)
        _check_superseded(rows, problems, name)
        data.tables[table] = rows

    problems.raise_if_any()
    return data
