"""Spreadsheet extraction forms (`<source_id>.xlsx`): read one into the same document as YAML.

The workbook has one sheet per part of the YAML file (see SHEETS). The first row of each sheet
is its header; an empty cell means absent; empty rows are ignored; whole numbers are read as
integers. The result is the dictionary `yaml.safe_load` would give for the equivalent YAML file,
so every later step (validation, cleaning) is shared and the outputs are byte-identical.
Problems name the sheet, row and column; `locate` does the same for the later checks.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Collector
from .suggest import did_you_mean

# Sheet -> columns, in form order. The first column of each list is required on every row.
SHEETS: dict[str, tuple[str, ...]] = {
    "source": ("source_id",),
    "cases": ("case_id", "kind", "n", "context", "origin", "modalities", "access", "note"),
    "facts": ("case_id", "field", "value", "unit", "locator", "flag", "as_printed", "note"),
    "source_facts": ("field", "value", "unit", "locator", "flag", "as_printed", "note"),
    "measurements": (
        "case_id",
        "id",
        "analyte",
        "value",
        "qualifier",
        "unit",
        "day_post_infusion",
        "relation",
        "group",
        "specimen",
        "locator",
        "flag",
        "as_printed",
        "note",
    ),
    "events": ("case_id", "id", "event", "day_post_infusion", "locator", "flag", "as_printed", "note"),
    "not_reported": ("case_id", "field"),
}
REQUIRED_SHEETS = ("source", "cases")
# Sheets the form adds for people and dropdowns; the reader ignores them by name.
HELP_SHEETS = ("README", "lists")
MULTI_SEPARATOR = ";"
# Keys YAML requires even when empty (null): an empty cell gives None, not an absent key.
NULLABLE = {"measurements": ("value", "qualifier", "day_post_infusion"), "events": ("day_post_infusion",)}
# Columns whose text is read as a number when it is one ("3" typed into a text cell).
NUMERIC_TEXT = ("n", "value", "day_post_infusion")
_INT_RE = re.compile(r"^-?\d+$")
_FLOAT_RE = re.compile(r"^-?\d+\.\d+$")


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 1-based column index (1 -> A, 27 -> AA)."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(value: object, column: str) -> object:
    """A cell as YAML would hold it: stripped text, integers for whole numbers, None when empty."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if column in NUMERIC_TEXT and _INT_RE.match(value):
            return int(value)
        if column in NUMERIC_TEXT and _FLOAT_RE.match(value):
            return float(value)
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class _Row:
    sheet: str
    number: int
    cells: dict[str, object]
    columns: dict[str, int]

    def where(self, column: str | None = None) -> str:
        if column is None or column not in self.columns:
            return f"sheet {self.sheet}, row {self.number}"
        return (
            f"sheet {self.sheet}, row {self.number}, column {column_letter(self.columns[column])} ({column})"
        )


@dataclass
class _Reader:
    name: str
    problems: Collector
    places: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, where: str, fld: str, reason: str) -> None:
        self.problems.add(self.name, where, fld, reason)

    def place(self, record: str, fld: str, row: _Row, column: str | None = None) -> None:
        self.places.setdefault((record, fld), row.where(column))

    def header(self, sheet: str, values: tuple) -> dict[str, int] | None:
        known = SHEETS[sheet]
        columns: dict[str, int] = {}
        ok = True
        for index, raw in enumerate(values, start=1):
            name = _cell(raw, "")
            if name is None:
                continue
            where = f"sheet {sheet}, row 1, column {column_letter(index)}"
            if name not in known:
                self.add(
                    where,
                    str(name),
                    f"unknown column{did_you_mean(name, known)}; columns: {', '.join(known)}",
                )
                ok = False
            elif name in columns:
                self.add(where, str(name), "column appears more than once")
                ok = False
            columns[str(name)] = index
        if known[0] not in columns:
            self.add(f"sheet {sheet}, row 1", known[0], "required column is missing")
            ok = False
        return columns if ok else None

    def rows(self, sheet: str, ws) -> list[_Row]:
        values = list(ws.iter_rows(values_only=True))
        if not values:
            return []
        columns = self.header(sheet, values[0])
        if columns is None:
            return []
        out = []
        for number, raw in enumerate(values[1:], start=2):
            cells = {col: _cell(raw[i - 1], col) for col, i in columns.items() if i - 1 < len(raw)}
            cells = {k: v for k, v in cells.items() if v is not None}
            if cells:
                out.append(_Row(sheet, number, cells, columns))
        return out


def _put(target: dict, row: _Row, keys: tuple[str, ...], nullable: tuple[str, ...] = ()) -> dict:
    for key in keys:
        if key in row.cells:
            target[key] = row.cells[key]
        elif key in nullable:
            target[key] = None
    return target


def _source(reader: _Reader, rows: list[_Row], doc: dict) -> None:
    if len(rows) != 1:
        reader.add("sheet source", "source_id", f"the source sheet needs exactly one row; found {len(rows)}")
    for row in rows[:1]:
        doc["source_id"] = row.cells.get("source_id")
        reader.place("-", "source_id", row, "source_id")


def _cases(reader: _Reader, rows: list[_Row], doc: dict) -> dict[str, dict]:
    by_id: dict[str, dict] = {}
    for row in rows:
        case = _put({}, row, ("case_id", "kind", "n", "context", "origin"))
        if "modalities" in row.cells:
            case["modalities"] = [
                m.strip() for m in str(row.cells["modalities"]).split(MULTI_SEPARATOR) if m.strip()
            ]
        _put(case, row, ("access", "note"))
        case.update(facts={}, measurements=[], not_reported=[])
        cid = str(case.get("case_id", f"cases[{len(doc['cases'])}]"))
        doc["cases"].append(case)
        if cid in by_id:
            reader.add(row.where("case_id"), "case_id", f"case {cid!r} has two rows in the cases sheet")
        by_id.setdefault(cid, case)
        reader.place(cid, "", row)
        for col in row.columns:
            reader.place(cid, col, row, col)
    return by_id


def _case_of(reader: _Reader, row: _Row, cases: dict[str, dict]) -> tuple[str, dict] | None:
    cid = str(row.cells.get("case_id"))
    if cid not in cases:
        reader.add(
            row.where("case_id"),
            "case_id",
            f"{cid!r} is not a case_id of the cases sheet{did_you_mean(cid, cases)}",
        )
        return None
    return cid, cases[cid]


def _fact_rows(reader: _Reader, row: _Row, facts: dict, record: str, prefix: str) -> None:
    fname = row.cells.get("field")
    if fname is None:
        return  # reported by the caller's required-column check
    if fname in facts:
        reader.add(row.where("field"), f"{prefix}.{fname}", "this field is given twice (two rows)")
        return
    facts[fname] = _put({}, row, ("value", "unit", "locator", "flag", "as_printed", "note"))
    reader.place(record, f"{prefix}.{fname}", row, "field")  # a problem with the name itself
    for col in row.columns:
        reader.place(record, f"{prefix}.{fname}.{col}", row, col)


def _require(reader: _Reader, row: _Row, column: str) -> bool:
    if column in row.cells:
        return True
    reader.add(row.where(column), column, "this cell must not be empty")
    return False


def _listed(reader: _Reader, rows: list[_Row], cases: dict[str, dict], kind: str) -> None:
    """Rows of the measurements or events sheet, appended to their case in sheet order."""
    for row in rows:
        found = _case_of(reader, row, cases) if _require(reader, row, "case_id") else None
        if found is None:
            continue
        cid, case = found
        items = case.setdefault(kind, [])
        keys = tuple(c for c in SHEETS[kind] if c != "case_id")
        item = _put({}, row, keys, NULLABLE[kind])
        items.append(item)
        default = f"e{len(items)}" if kind == "events" else f"[{len(items) - 1}]"
        label = f"{kind}.{item.get('id', default)}"
        reader.place(cid, label, row)
        for col in row.columns:
            reader.place(cid, f"{label}.{col}", row, col)


def _facts(reader: _Reader, rows: list[_Row], cases: dict[str, dict]) -> None:
    for row in rows:
        found = _case_of(reader, row, cases) if _require(reader, row, "case_id") else None
        if found is not None and _require(reader, row, "field"):
            _fact_rows(reader, row, found[1]["facts"], found[0], "facts")


def _not_reported(reader: _Reader, rows: list[_Row], cases: dict[str, dict]) -> None:
    for row in rows:
        found = _case_of(reader, row, cases) if _require(reader, row, "case_id") else None
        if found is not None and _require(reader, row, "field"):
            cid, case = found
            fname = row.cells["field"]
            case["not_reported"].append(fname)
            reader.place(cid, f"not_reported.{fname}", row, "field")


def _open(path: Path, reader: _Reader):
    import openpyxl  # imported here: YAML-only builds never pay for it

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        reader.problems.add_parse(
            reader.name,
            "-",
            "-",
            f"cannot open as an Excel workbook ({type(exc).__name__}); save it from Excel or LibreOffice "
            "as 'Excel Workbook (.xlsx)'",
        )
        return None


def _sheets(reader: _Reader, wb) -> dict[str, list[_Row]] | None:
    names = list(wb.sheetnames)
    for name in names:
        if name not in SHEETS and name not in HELP_SHEETS:
            reader.add(
                f"sheet {name}",
                "-",
                f"unknown sheet{did_you_mean(name, SHEETS)}; sheets: {', '.join(SHEETS)} (and README)",
            )
    missing = [s for s in REQUIRED_SHEETS if s not in names]
    for sheet in missing:
        reader.add(
            f"sheet {sheet}", "-", "required sheet is missing (make extraction-form writes a blank form)"
        )
    if missing:
        return None
    return {s: reader.rows(s, wb[s]) if s in names else [] for s in SHEETS}


def read(path: Path, problems: Collector, name: str) -> tuple[dict, Callable[[str, str], str | None]] | None:
    """The extraction document of a workbook and a function naming where a record sits."""
    reader = _Reader(name, problems)
    wb = _open(path, reader)
    if wb is None:
        return None
    try:
        rows = _sheets(reader, wb)
    finally:
        wb.close()
    if rows is None:
        return None
    doc: dict = {}
    _source(reader, rows["source"], doc)
    if rows["source_facts"]:
        doc["source_facts"] = {}
        for row in rows["source_facts"]:
            if _require(reader, row, "field"):
                _fact_rows(reader, row, doc["source_facts"], "-", "source_facts")
    doc["cases"] = []
    reader.places.update({("-", "cases"): "sheet cases", ("-", "source_facts"): "sheet source_facts"})
    cases = _cases(reader, rows["cases"], doc)
    _facts(reader, rows["facts"], cases)
    _listed(reader, rows["measurements"], cases, "measurements")
    _listed(reader, rows["events"], cases, "events")
    _not_reported(reader, rows["not_reported"], cases)
    return doc, _locator(reader.places)


def _locator(places: dict[tuple[str, str], str]) -> Callable[[str, str], str | None]:
    def locate(record: str, fld: str) -> str | None:
        parts = fld.split(".") if fld not in ("", "-") else []
        while True:
            where = places.get((record, ".".join(parts)))
            if where is not None or not parts:
                return where
            parts.pop()

    return locate
