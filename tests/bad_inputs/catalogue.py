"""Catalogue of malformed raw inputs: each is a small change to a copy of the real data.

Every entry names the change, the file it touches and what the error must say (file,
record and field fragments). Used by the fast validation tests (every entry) and by the
build test that runs Snakemake on a broken copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

PE_FILE = "extractions/xiao2019.yaml"
PE_CASE = "xiao2019-1"
MEAS_FILE = "extractions/authorea711693.yaml"
MEAS_CASE = "authorea711693-1"


@dataclass(frozen=True)
class Bad:
    name: str
    change: Callable[[Path], None]
    file: str  # relative to data/raw
    record: str
    field: str
    reason: str


def _edit_yaml(rel: str, edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        path = raw / rel
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(doc)
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")

    return apply


def _case(doc: dict, case_id: str) -> dict:
    return next(c for c in doc["cases"] if c["case_id"] == case_id)


def _fact(case_id: str, field: str, key: str, value) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        _case(doc, case_id)["facts"][field][key] = value

    return edit


def _meas(case_id: str, index: int, key: str, value) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        _case(doc, case_id)["measurements"][index][key] = value

    return edit


def _del(case_id: str, *path: str) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        node = _case(doc, case_id)
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit


def _replace_text(rel: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        path = raw / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"catalogue change does not apply: {old!r} not in {rel}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return apply


def _write_bytes(rel: str, make: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        path = raw / rel
        path.write_bytes(make(path.read_bytes()))

    return apply


def _edit_json(edit: Callable[[list], None]) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        path = raw / "references.json"
        items = json.loads(path.read_text(encoding="utf-8"))
        edit(items)
        path.write_text(json.dumps(items, indent=2), encoding="utf-8")

    return apply


def _csv_cell(rel: str, row_id: str, column: str, value: str) -> Callable[[Path], None]:
    import csv
    import io

    def apply(raw: Path) -> None:
        path = raw / rel
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        col = rows[0].index(column)
        for row in rows[1:]:
            if row[0] == row_id:
                row[col] = value
                break
        else:
            raise AssertionError(f"row {row_id} not in {rel}")
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")

    return apply


def _first_row_id(raw: Path, rel: str) -> str:
    return (raw / rel).read_text(encoding="utf-8").splitlines()[1].split(",")[0]


def _csv_first_row(rel: str, column: str, value: str) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        _csv_cell(rel, _first_row_id(raw, rel), column, value)(raw)

    return apply


def _duplicate_case(raw: Path) -> None:
    src = yaml.safe_load((raw / PE_FILE).read_text(encoding="utf-8"))
    dst_path = raw / MEAS_FILE
    dst = yaml.safe_load(dst_path.read_text(encoding="utf-8"))
    dst["cases"].append(src["cases"][0])
    dst_path.write_text(yaml.safe_dump(dst, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _new_file(rel: str, text: str | bytes) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        path = raw / rel
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")

    return apply


def _as_xlsx(rel: str, sheet: str, row: int, column: str, value) -> Callable[[Path], None]:
    """Replace a YAML extraction by the equivalent spreadsheet form, with one cell changed."""

    def apply(raw: Path) -> None:
        import openpyxl

        from crsreview import xlsx_form
        from crsreview.xlsx_extraction import SHEETS

        path = raw / rel
        schemas = raw.parents[1] / "workflow" / "schemas"
        if not schemas.is_dir():
            schemas = Path(__file__).resolve().parents[2] / "workflow" / "schemas"
        target = path.with_suffix(".xlsx")
        xlsx_form.write_document(yaml.safe_load(path.read_text(encoding="utf-8")), target, schemas)
        path.unlink()
        wb = openpyxl.load_workbook(target)
        wb[sheet].cell(row=row, column=list(SHEETS[sheet]).index(column) + 1, value=value)
        wb.save(target)

    return apply


def _both_formats(rel: str) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        _as_xlsx(rel, "source", 2, "source_id", rel.split("/")[-1].split(".")[0])(raw)
        (raw / rel).write_text("source_id: x\ncases: []\n", encoding="utf-8")

    return apply


def _event(event: str, day) -> dict:
    return {"event": event, "day_post_infusion": day, "locator": "SYNTHETIC", "flag": "seen"}


def _set_events(case_id: str, events: list[dict]) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        _case(doc, case_id)["events"] = events

    return edit


def _set_fact(case_id: str, field: str, value) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        _case(doc, case_id)["facts"][field] = {"value": value, "locator": "SYNTHETIC", "flag": "seen"}

    return edit


SC = "reference/syndrome_cytokines.csv"
MW = "reference/mediators.csv"
PM = "reference/purification_methods.csv"
SRC = "sources.csv"

CATALOGUE: list[Bad] = [
    Bad(
        "yaml syntax error",
        _replace_text(PE_FILE, "cases:", "cases: [", 1),
        PE_FILE,
        "line",
        "-",
        "YAML syntax error",
    ),
    Bad(
        "duplicate yaml key",
        _replace_text(PE_FILE, "source_id: xiao2019", "source_id: xiao2019\nsource_id: xiao2019"),
        PE_FILE,
        "line",
        "-",
        "duplicate key",
    ),
    Bad(
        "age as text",
        _edit_yaml(PE_FILE, _fact(PE_CASE, "age_years", "value", "twenty-three")),
        PE_FILE,
        PE_CASE,
        "facts.age_years.value",
        "must be a number",
    ),
    Bad(
        "age 250",
        _edit_yaml(PE_FILE, _fact(PE_CASE, "age_years", "value", 250)),
        PE_FILE,
        PE_CASE,
        "facts.age_years.value",
        "outside the plausible range",
    ),
    Bad(
        "missing locator",
        _edit_yaml(PE_FILE, _del(PE_CASE, "facts", "age_years", "locator")),
        PE_FILE,
        PE_CASE,
        "facts.age_years.locator",
        "required field is missing",
    ),
    Bad(
        "empty locator",
        _edit_yaml(PE_FILE, _fact(PE_CASE, "age_years", "locator", " ")),
        PE_FILE,
        PE_CASE,
        "facts.age_years.locator",
        "must not be empty",
    ),
    Bad(
        "missing context",
        _edit_yaml(PE_FILE, _del(PE_CASE, "context")),
        PE_FILE,
        PE_CASE,
        "context",
        "required field is missing",
    ),
    Bad(
        "unknown flag",
        _edit_yaml(PE_FILE, _fact(PE_CASE, "age_years", "flag", "guessed")),
        PE_FILE,
        PE_CASE,
        "facts.age_years.flag",
        "not in the 'flags' vocabulary",
    ),
    Bad(
        "unknown modality",
        _edit_yaml(PE_FILE, lambda d: _case(d, PE_CASE).__setitem__("modalities", ["plasmapheresis-x"])),
        PE_FILE,
        PE_CASE,
        "modalities",
        "not in the 'modalities' vocabulary",
    ),
    Bad(
        "unknown context",
        _edit_yaml(PE_FILE, lambda d: _case(d, PE_CASE).__setitem__("context", "sepsis")),
        PE_FILE,
        PE_CASE,
        "context",
        "not in the 'contexts' vocabulary",
    ),
    Bad(
        "misspelt analyte",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "analyte", "IL6")),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.analyte",
        "not in the 'analytes' vocabulary",
    ),
    Bad(
        "unknown unit",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "unit", "pg/dL")),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.unit",
        "not in the 'units' vocabulary",
    ),
    Bad(
        "negative IL-6",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "value", -5)),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.value",
        "negative",
    ),
    Bad(
        "IL-6 as NaN string",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "value", "NaN")),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.value",
        "wrong type",
    ),
    Bad(
        "IL-6 as .inf",
        _replace_text(MEAS_FILE, "value: 874", "value: .inf"),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.value",
        "not a finite number",
    ),
    Bad(
        "qualifier without value",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 1, "value", None)),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m2.value",
        "qualifier without value",
    ),
    Bad(
        "unknown qualifier",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "qualifier", "about")),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.qualifier",
        "not in the 'qualifiers' vocabulary",
    ),
    Bad(
        "day before infusion",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "day_post_infusion", -2)),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.day_post_infusion",
        "before the infusion",
    ),
    Bad(
        "day as prose",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "day_post_infusion", "day one")),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.day_post_infusion",
        "write the day after infusion as a number",
    ),
    Bad(
        "unknown relation",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "relation", "before")),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.relation",
        "not in the 'relations' vocabulary",
    ),
    Bad("duplicate case id", _duplicate_case, PE_FILE, PE_CASE, "case_id", "duplicate case id"),
    Bad(
        "unknown source in extraction",
        _replace_text(PE_FILE, "source_id: xiao2019", "source_id: xiao2091"),
        PE_FILE,
        "-",
        "source_id",
        "not in references.json",
    ),
    Bad(
        "fact also not reported",
        _edit_yaml(PE_FILE, lambda d: _case(d, PE_CASE)["not_reported"].append("age_years")),
        PE_FILE,
        PE_CASE,
        "not_reported.age_years",
        "also given as a fact",
    ),
    Bad(
        "cohort without n",
        _edit_yaml("extractions/zhu2022.yaml", _del("zhu2022-cohort", "n")),
        "extractions/zhu2022.yaml",
        "zhu2022-cohort",
        "n",
        "needs its size n",
    ),
    Bad(
        "malformed CSL-JSON",
        _replace_text("references.json", "[", "[{", 1),
        "references.json",
        "line",
        "-",
        "JSON syntax error",
    ),
    Bad(
        "CSL item without type",
        _edit_json(lambda items: items[0].pop("type")),
        "references.json",
        "",
        "type",
        "required field is missing",
    ),
    Bad(
        "bad DOI",
        _edit_json(lambda items: next(i for i in items if "DOI" in i).__setitem__("DOI", "doi:xyz")),
        "references.json",
        "",
        "DOI",
        "a DOI starts with '10.'",
    ),
    Bad(
        "source missing from references",
        _edit_json(lambda items: items.remove(next(i for i in items if i["id"] == "xiao2019"))),
        "references.json",
        "xiao2019",
        "id",
        "has no item in references.json",
    ),
    Bad(
        "csv missing column",
        _replace_text(SC, ",specimen,", ",", 1),
        SC,
        "header",
        "specimen",
        "required column is missing",
    ),
    Bad(
        "csv extra column",
        _replace_text(SC, ",note\n", ",note,comment\n", 1),
        SC,
        "header",
        "comment",
        "unknown column",
    ),
    Bad(
        "csv wrong delimiter",
        _write_bytes(MW, lambda b: b.replace(b",", b";")),
        MW,
        "header",
        "-",
        "delimiter must be a comma",
    ),
    Bad("csv with BOM", _write_bytes(MW, lambda b: b"\xef\xbb\xbf" + b), MW, "-", "-", "byte-order mark"),
    Bad(
        "csv not UTF-8",
        _write_bytes(PM, lambda b: b + "Münster,\n".encode("latin-1")),
        PM,
        "line",
        "-",
        "not valid UTF-8",
    ),
    Bad("empty file", _write_bytes(SRC, lambda b: b""), SRC, "-", "-", "file is empty"),
    Bad(
        "50 MB file",
        _write_bytes(MW, lambda b: b + b"#" * (50 * 1024 * 1024)),
        MW,
        "-",
        "-",
        "limit for raw inputs",
    ),
    Bad("csv NaN value", _csv_first_row(SC, "value", "NaN"), SC, "sc-", "value", "is not a number"),
    Bad("csv inf value", _csv_first_row(MW, "mw_kda_low", "inf"), MW, "mw-", "mw_kda_low", "is not a number"),
    Bad("csv negative concentration", _csv_first_row(SC, "value", "-3"), SC, "sc-", "value", "negative"),
    Bad(
        "csv unknown analyte",
        _csv_first_row(SC, "analyte", "IL-6x"),
        SC,
        "sc-",
        "analyte",
        "'analytes' vocabulary",
    ),
    Bad(
        "csv unknown source",
        _csv_first_row(MW, "source_id", "nobody2030"),
        MW,
        "mw-",
        "source_id",
        "not in references.json",
    ),
    Bad("csv empty locator", _csv_first_row(PM, "locator", ""), PM, "pm-", "locator", "must not be empty"),
    Bad("csv unknown flag", _csv_first_row(PM, "flag", "probably"), PM, "pm-", "flag", "'flags' vocabulary"),
    Bad(
        "csv lower above upper",
        _csv_first_row(MW, "mw_kda_high", "1"),
        MW,
        "mw-",
        "mw_kda_low",
        "above upper bound",
    ),
    Bad(
        "sources unknown quality",
        _csv_first_row(SRC, "quality", "excellent"),
        SRC,
        "",
        "quality",
        "'quality' vocabulary",
    ),
    # --- issue 12: no silent drops ---------------------------------------------------------
    Bad(
        "extraction saved as .yml",
        _new_file("extractions/test2026.yml", "source_id: test2026\ncases: []\n"),
        "extractions/test2026.yml",
        "-",
        "-",
        "rename it to test2026.yaml",
    ),
    Bad(
        "old Excel .xls in extractions",
        _new_file("extractions/test2026.xls", b"\xd0\xcf\x11\xe0"),
        "extractions/test2026.xls",
        "-",
        "-",
        "save it as an Excel Workbook (test2026.xlsx)",
    ),
    Bad(
        "csv in extractions",
        _new_file("extractions/test2026.csv", "case_id,age\n"),
        "extractions/test2026.csv",
        "-",
        "-",
        "save it as an Excel Workbook",
    ),
    Bad(
        "spreadsheet lock file",
        _new_file("extractions/~$xiao2019.xlsx", b"lock"),
        "extractions/~$xiao2019.xlsx",
        "-",
        "-",
        "close the spreadsheet program",
    ),
    Bad(
        "editor backup file",
        _new_file("extractions/xiao2019.yaml~", "source_id: xiao2019\n"),
        "extractions/xiao2019.yaml~",
        "-",
        "-",
        "editor backup",
    ),
    Bad(
        "one source as yaml and xlsx",
        _both_formats(PE_FILE),
        "extractions/xiao2019.xlsx",
        "-",
        "-",
        "keep one of the two files",
    ),
    Bad(
        "natural field name age",
        _edit_yaml(PE_FILE, _set_fact(PE_CASE, "age", 23)),
        PE_FILE,
        PE_CASE,
        "facts.age",
        "did you mean 'age_years'",
    ),
    Bad(
        "natural field name number_of_pe_sessions",
        _edit_yaml(PE_FILE, _set_fact(PE_CASE, "number_of_pe_sessions", 3)),
        PE_FILE,
        PE_CASE,
        "facts.number_of_pe_sessions",
        "did you mean 'pe_sessions'",
    ),
    Bad(
        "numeric crs_grade",
        _edit_yaml(PE_FILE, _set_fact(PE_CASE, "crs_grade", 4)),
        PE_FILE,
        PE_CASE,
        "facts.crs_grade.value",
        "belongs in the field 'crs_grade_max'",
    ),
    Bad(
        "outcome as wording",
        _edit_yaml(PE_FILE, _set_fact(PE_CASE, "outcome", "alive")),
        PE_FILE,
        PE_CASE,
        "facts.outcome.value",
        "not one of: survived, died, unknown",
    ),
    Bad(
        "sex abbreviated",
        _edit_yaml(PE_FILE, _fact(PE_CASE, "sex", "value", "M")),
        PE_FILE,
        PE_CASE,
        "facts.sex.value",
        "not one of: female, male",
    ),
    # --- issue 12: errors a clinician can act on ---------------------------------------------
    Bad(
        "missing comma in references.json",
        _replace_text("references.json", '"type": "webpage",\n', '"type": "webpage"\n', 1),
        "references.json",
        "line",
        "-",
        "a comma is missing",
    ),
    Bad(
        "BOM in sources.csv",
        _write_bytes(SRC, lambda b: b"\xef\xbb\xbf" + b),
        SRC,
        "-",
        "-",
        "save it as UTF-8 without BOM",
    ),
    Bad(
        "tab in yaml",
        _replace_text(PE_FILE, "\n  kind: patient", "\n\tkind: patient", 1),
        PE_FILE,
        "line",
        "-",
        "has a tab: indent with spaces",
    ),
    Bad(
        "capitalised case id",
        _replace_text(PE_FILE, "case_id: xiao2019-1", "case_id: Xiao2019-1", 1),
        PE_FILE,
        "Xiao2019-1",
        "case_id",
        "lower-case letters, digits and hyphens (no spaces, no capitals): try 'xiao2019-1'",
    ),
    Bad(
        "date as day after infusion",
        _replace_text(MEAS_FILE, "day_post_infusion: 1\n", "day_post_infusion: 2026-03-05\n", 1),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.day_post_infusion",
        "write the day after infusion as a number",
    ),
    Bad(
        "analyte IL6 suggests IL-6",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "analyte", "IL6")),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.analyte",
        "did you mean 'IL-6'",
    ),
    Bad(
        "unit pg/ml suggests pg/mL",
        _edit_yaml(MEAS_FILE, _meas(MEAS_CASE, 0, "unit", "pg/ml")),
        MEAS_FILE,
        MEAS_CASE,
        "measurements.m1.unit",
        "did you mean 'pg/mL'",
    ),
    Bad(
        "spreadsheet misspelt analyte",
        _as_xlsx(MEAS_FILE, "measurements", 2, "analyte", "IL6"),
        "extractions/authorea711693.xlsx",
        "sheet measurements, row 2, column C (analyte)",
        "measurements.m1.analyte",
        "did you mean 'IL-6'",
    ),
    Bad(
        "spreadsheet date as day",
        _as_xlsx(
            MEAS_FILE, "measurements", 2, "day_post_infusion", __import__("datetime").datetime(2026, 3, 5)
        ),
        "extractions/authorea711693.xlsx",
        "sheet measurements, row 2, column G (day_post_infusion)",
        "measurements.m1.day_post_infusion",
        "write the day after infusion as a number",
    ),
    # --- issue 10: events --------------------------------------------------------------------
    Bad(
        "unknown event suggests crs_onset",
        _edit_yaml(MEAS_FILE, _set_events(MEAS_CASE, [_event("crs-onset", 1)])),
        MEAS_FILE,
        MEAS_CASE,
        "events.e1.event",
        "did you mean 'crs_onset'",
    ),
    Bad(
        "pe events disagree with pe_sessions",
        _edit_yaml(MEAS_FILE, _set_events(MEAS_CASE, [_event("pe", 3)])),
        MEAS_FILE,
        MEAS_CASE,
        "events",
        "one 'pe' event per session",
    ),
    Bad(
        "event after death",
        _edit_yaml(MEAS_FILE, _set_events(MEAS_CASE, [_event("death", 9), _event("discharge", 12)])),
        MEAS_FILE,
        MEAS_CASE,
        "events.e2",
        "nothing follows death",
    ),
    # --- issue 15 §5: reference tables get the extraction range checks ------------------------
    Bad(
        "negative patient count in a reference table",
        _csv_first_row("reference/background_facts.csv", "value", "-55"),
        "reference/background_facts.csv",
        "bg-",
        "value",
        "a count must be a whole number of 0 or more",
    ),
    Bad(
        "percentage above 100 in a reference table",
        _csv_cell("reference/background_facts.csv", "bg-hay2017-crs-grade3-percent", "value", "450"),
        "reference/background_facts.csv",
        "bg-hay2017-crs-grade3-percent",
        "value",
        "a percentage here lies from 0 to 100",
    ),
]
