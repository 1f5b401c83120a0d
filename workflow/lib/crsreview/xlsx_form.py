"""Write spreadsheet extraction forms: blank (with dropdowns) or filled from a YAML extraction.

`make extraction-form SOURCE=<id>` calls `main`. The form has the sheets of
xlsx_extraction.SHEETS, a README sheet, and a hidden `lists` sheet holding the controlled
vocabularies (workflow/schemas/vocabularies.yaml) and the data dictionary's field names, which
the dropdowns (Excel data validation) of every controlled column refer to.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from . import casefields
from .xlsx_extraction import HELP_SHEETS, MULTI_SEPARATOR, SHEETS, column_letter

# (sheet, column) -> list name on the `lists` sheet. Lists named after a vocabulary come from
# vocabularies.yaml; the others from the data dictionary.
DROPDOWNS = {
    ("cases", "kind"): "kinds",
    ("cases", "context"): "contexts",
    ("cases", "origin"): "origins",
    ("cases", "modalities"): "modalities",
    ("facts", "field"): "case_fields",
    ("facts", "unit"): "units",
    ("facts", "flag"): "flags",
    ("source_facts", "field"): "source_fields",
    ("source_facts", "unit"): "units",
    ("source_facts", "flag"): "flags",
    ("measurements", "analyte"): "analytes",
    ("measurements", "qualifier"): "qualifiers",
    ("measurements", "unit"): "units",
    ("measurements", "relation"): "relations",
    ("measurements", "specimen"): "specimens",
    ("measurements", "flag"): "flags",
    ("events", "event"): "events",
    ("events", "flag"): "flags",
    ("not_reported", "field"): "not_reported_fields",
}
# Columns whose dropdown only advises: several values (`PE; HF`) or a listed topic are allowed.
ADVISORY = {("cases", "modalities"), ("not_reported", "field")}
FORM_ROWS = 500  # rows of each sheet that carry the dropdowns
README_LINES = (
    "Extraction form for one publication (source). One workbook = one data/raw/extractions/<source_id>.xlsx.",
    "Do not also keep a <source_id>.yaml for the same source: one source has one file.",
    "",
    "Sheets (first row = column names; an empty cell means absent; empty rows are ignored):",
    "  source        one row: source_id (the id of the publication in references.json and sources.csv)",
    "  cases         one row per patient or cohort: case_id, kind, n (cohorts only), context, origin,",
    f"                modalities (several separated by '{MULTI_SEPARATOR} '), access, note",
    "  facts         one row per value of a case: case_id, field (data dictionary), value, unit, locator, flag",
    "  source_facts  publication-level numbers (e.g. a review's case counts): field, value, unit, locator, flag",
    "  measurements  one row per lab value or symptom score: case_id, id (m1, m2, ...), analyte, value,",
    "                qualifier (< or > for censored values), unit, day_post_infusion, relation, locator, flag",
    "  events        the clinical timeline in order: case_id, id (optional, default e1, e2, ...), event,",
    "                day_post_infusion, locator, flag. One 'pe' event per session; nothing after 'death'.",
    "  not_reported  case_id, field: things looked for and not found in the accessible text",
    "",
    "Days: day_post_infusion is the day after CAR-T infusion as a number (0 = infusion day), a range",
    "written as text such as 2-4, or empty when unknown. Never a calendar date.",
    "Dropdowns list the allowed values (workflow/schemas/vocabularies.yaml and case_fields.yaml).",
    "Check the form with `make validate`; problems name the sheet, row and column.",
    "Full contract: data/README.md.",
)


def lists(schemas_dir: Path) -> dict[str, list[str]]:
    """Every dropdown list: vocabularies in file order, then the data dictionary's names."""
    vocab = yaml.safe_load((Path(schemas_dir) / "vocabularies.yaml").read_text(encoding="utf-8"))
    dictionary = casefields.load(schemas_dir)
    out = {name: [str(v) for v in values] for name, values in vocab.items()}
    out["case_fields"] = list(dictionary.case_fields)
    out["source_fields"] = list(dictionary.source_fields)
    out["not_reported_fields"] = [*dictionary.case_fields, *sorted(dictionary.not_reported_topics)]
    return out


def _lists_sheet(wb, all_lists: dict[str, list[str]]) -> dict[str, str]:
    """Write the hidden `lists` sheet; return list name -> absolute cell range."""
    ws = wb.create_sheet(HELP_SHEETS[1])
    ranges = {}
    used = sorted({name for name in DROPDOWNS.values()})
    for col, name in enumerate(used, start=1):
        letter = column_letter(col)
        ws.cell(row=1, column=col, value=name)
        for row, value in enumerate(all_lists[name], start=2):
            ws.cell(row=row, column=col, value=value)
        ranges[name] = f"{HELP_SHEETS[1]}!${letter}$2:${letter}${len(all_lists[name]) + 1}"
    ws.sheet_state = "hidden"
    return ranges


def _dropdowns(ws, sheet: str, ranges: dict[str, str]) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    for col, name in enumerate(SHEETS[sheet], start=1):
        key = (sheet, name)
        if key not in DROPDOWNS:
            continue
        dv = DataValidation(type="list", formula1=f"={ranges[DROPDOWNS[key]]}", allow_blank=True)
        dv.error = f"Choose a value from the list ({DROPDOWNS[key]}); see the README sheet."
        dv.errorTitle = "Not an allowed value"
        dv.showErrorMessage = True
        if key in ADVISORY:
            dv.errorStyle = "information"
        letter = column_letter(col)
        dv.add(f"{letter}2:{letter}{FORM_ROWS + 1}")
        ws.add_data_validation(dv)


def _workbook(schemas_dir: Path):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    readme = wb.active
    readme.title = HELP_SHEETS[0]
    for row, line in enumerate(README_LINES, start=1):
        readme.cell(row=row, column=1, value=line)
    readme.column_dimensions["A"].width = 110
    for sheet, columns in SHEETS.items():
        ws = wb.create_sheet(sheet)
        for col, name in enumerate(columns, start=1):
            ws.cell(row=1, column=col, value=name).font = Font(bold=True)
            ws.column_dimensions[column_letter(col)].width = max(12, len(name) + 4)
        ws.freeze_panes = "A2"
    ranges = _lists_sheet(wb, lists(schemas_dir))
    for sheet in SHEETS:
        _dropdowns(wb[sheet], sheet, ranges)
    return wb


def _text_cells(value: object) -> object:
    """A YAML value as a cell: lists joined, everything else as is."""
    if isinstance(value, list):
        return f"{MULTI_SEPARATOR} ".join(str(v) for v in value)
    return value


def _document_rows(doc: dict) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {sheet: [] for sheet in SHEETS}
    rows["source"].append({"source_id": doc["source_id"]})
    for fname, fact in (doc.get("source_facts") or {}).items():
        rows["source_facts"].append({"field": fname, **fact})
    for case in doc["cases"]:
        cid = case["case_id"]
        rows["cases"].append({k: _text_cells(v) for k, v in case.items() if k in SHEETS["cases"]})
        for fname, fact in case.get("facts", {}).items():
            rows["facts"].append({"case_id": cid, "field": fname, **fact})
        for kind in ("measurements", "events"):
            rows[kind].extend({"case_id": cid, **item} for item in case.get(kind) or [])
        rows["not_reported"].extend({"case_id": cid, "field": f} for f in case.get("not_reported", []))
    return rows


def write_document(doc: dict, target: Path, schemas_dir: Path) -> None:
    """A filled form holding the same data as the YAML document `doc`."""
    wb = _workbook(schemas_dir)
    for sheet, items in _document_rows(doc).items():
        ws = wb[sheet]
        for row, item in enumerate(items, start=2):
            for col, name in enumerate(SHEETS[sheet], start=1):
                if item.get(name) is not None:
                    ws.cell(row=row, column=col, value=item[name])
    wb.save(target)


def blank_form(source_id: str, target: Path, schemas_dir: Path) -> None:
    wb = _workbook(schemas_dir)
    wb["source"].cell(row=2, column=1, value=source_id)
    wb.save(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a spreadsheet extraction form.")
    parser.add_argument("--source", required=True, help="source id (as in references.json)")
    parser.add_argument("--schemas", type=Path, required=True, help="workflow/schemas folder")
    parser.add_argument("--folder", type=Path, required=True, help="data/raw/extractions folder")
    parser.add_argument("--from-yaml", action="store_true", help="fill the form from <source>.yaml")
    args = parser.parse_args(argv)
    target = args.folder / f"{args.source}.xlsx"
    yaml_path = args.folder / f"{args.source}.yaml"
    if target.exists():
        print(f"{target} already exists; not overwritten.", file=sys.stderr)
        return 1
    if args.from_yaml:
        write_document(yaml.safe_load(yaml_path.read_text(encoding="utf-8")), target, args.schemas)
        print(f"wrote {target} from {yaml_path}; delete or move {yaml_path.name}: one source has one file")
        return 0
    if yaml_path.exists():
        print(
            f"{yaml_path} already holds this source; add cases there (or use --from-yaml).", file=sys.stderr
        )
        return 1
    blank_form(args.source, target, args.schemas)
    print(f"wrote {target}: fill it in (README sheet), save it, then run `make validate`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
