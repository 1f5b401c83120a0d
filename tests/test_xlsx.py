"""Spreadsheet extraction forms (issue 12 §1): same data as YAML -> byte-identical outputs;
errors name file, sheet, row and column; blank forms carry dropdowns from the vocabularies.

All extractions here are SYNTHETIC (tests/synthetic_extraction.py), written into temporary copies.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl
import pytest
import yaml

from crsreview import steps_evidence, xlsx_form
from crsreview.errors import InputError
from crsreview.validate import RawPaths, load_raw
from crsreview.xlsx_extraction import SHEETS
from tests import synthetic_extraction as synth
from tests.conftest import SCHEMAS, VOCAB

XLSX = f"data/raw/extractions/{synth.SOURCE_ID}.xlsx"
OUTPUTS = ("cases", "measurements", "events", "facts")


def _load(raw: Path):
    return load_raw(raw, SCHEMAS, VOCAB, root=raw.parent.parent)


def _problems(raw: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        _load(raw)
    return [str(p) for p in info.value.problems]


def _as_xlsx(raw: Path, doc: dict | None = None) -> Path:
    """The SYNTHETIC extraction as a filled form instead of YAML."""
    yaml_path = synth.write(raw, doc)
    target = yaml_path.with_suffix(".xlsx")
    xlsx_form.write_document(yaml.safe_load(yaml_path.read_text(encoding="utf-8")), target, SCHEMAS)
    yaml_path.unlink()
    return target


def _clean(raw: Path, out_dir: Path) -> dict[str, bytes]:
    # The two steps of the workflow: the validation gate writes what it parsed, cleaning reads it.
    paths = RawPaths.from_dir(raw, frozenset({"extractions"}))
    parsed = out_dir / "extractions.json"
    steps_evidence.validate(paths, VOCAB, out_dir / "validation.json", parsed)
    out = {name: out_dir / f"{name}.csv" for name in OUTPUTS}
    steps_evidence.clean_extractions(paths, VOCAB, parsed, out)
    return {name: path.read_bytes() for name, path in out.items()}


def _edit_cell(path: Path, sheet: str, row: int, column: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    col = list(SHEETS[sheet]).index(column) + 1
    ws.cell(row=row, column=col, value=value)
    wb.save(path)


def test_yaml_and_xlsx_give_byte_identical_outputs(raw_copy, tmp_path):
    synth.write(raw_copy)
    from_yaml = _clean(raw_copy, (tmp_path / "yaml").resolve())
    _as_xlsx(raw_copy)
    from_xlsx = _clean(raw_copy, (tmp_path / "xlsx").resolve())
    assert from_yaml == from_xlsx
    assert b"gluck2020-s1.e3" in from_xlsx["events"]


def test_one_source_in_both_formats_is_an_error(raw_copy):
    _as_xlsx(raw_copy)
    synth.write(raw_copy)
    problems = _problems(raw_copy)
    assert any(p.startswith(XLSX) and "also in gluck2020.yaml" in p for p in problems), problems


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "expected"),
    [
        ("measurements", 2, "analyte", "IL6", "sheet measurements, row 2, column C (analyte)"),
        ("measurements", 3, "unit", "pg/ml", "did you mean 'pg/mL'"),
        (
            "measurements",
            2,
            "day_post_infusion",
            datetime.datetime(2026, 3, 5),
            "write the day after infusion",
        ),
        ("facts", 2, "field", "age", "did you mean 'age_years'"),
        ("facts", 2, "case_id", "gluck2020-x1", "sheet facts, row 2, column A (case_id)"),
        ("cases", 2, "case_id", "Gluck2020 S1", "try 'gluck2020-s1'"),
        ("events", 2, "event", "crs onset", "sheet events, row 2, column C (event)"),
        ("cases", 2, "kind", "person", "sheet cases, row 2, column B (kind)"),
    ],
)
def test_spreadsheet_errors_name_sheet_row_and_column(raw_copy, sheet, row, column, value, expected):
    path = _as_xlsx(raw_copy)
    _edit_cell(path, sheet, row, column, value)
    problems = _problems(raw_copy)
    assert any(p.startswith(XLSX) and expected in p for p in problems), problems


def test_unknown_sheet_and_column_are_errors(raw_copy):
    path = _as_xlsx(raw_copy)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("notes")
    wb["facts"].cell(row=1, column=len(SHEETS["facts"]) + 1, value="comment")
    wb.save(path)
    problems = _problems(raw_copy)
    assert any("sheet notes" in p and "unknown sheet" in p for p in problems), problems
    assert any("sheet facts, row 1, column I" in p and "unknown column" in p for p in problems), problems


def test_blank_form_has_dropdowns_from_the_vocabularies(tmp_path):
    target = tmp_path / "new2026.xlsx"
    xlsx_form.blank_form("new2026", target, SCHEMAS)
    wb = openpyxl.load_workbook(target)
    assert set(SHEETS) | {"README", "lists"} == set(wb.sheetnames)
    assert wb["lists"].sheet_state == "hidden"
    validated = {
        (sheet, str(dv.sqref).split(":")[0].rstrip("0123456789"))
        for sheet in SHEETS
        for dv in wb[sheet].data_validations.dataValidation
    }
    for (sheet, column), _name in xlsx_form.DROPDOWNS.items():
        letter = chr(65 + list(SHEETS[sheet]).index(column))
        assert (sheet, letter) in validated, (sheet, column)
    analytes = [c.value for c in wb["lists"]["A"] if c.value is not None]  # first list: analytes
    vocab = yaml.safe_load((SCHEMAS / "vocabularies.yaml").read_text(encoding="utf-8"))
    assert analytes[1:] == vocab["analytes"]
    assert wb["source"]["A2"].value == "new2026"


def test_filled_blank_form_validates(raw_copy):
    target = raw_copy / "extractions" / f"{synth.SOURCE_ID}.xlsx"
    (raw_copy / "extractions" / f"{synth.SOURCE_ID}.yaml").unlink()
    assert (
        xlsx_form.main(
            [
                "--source",
                synth.SOURCE_ID,
                "--schemas",
                str(SCHEMAS),
                "--folder",
                str(raw_copy / "extractions"),
            ]
        )
        == 0
    )
    wb = openpyxl.load_workbook(target)
    wb["cases"].append(
        ["gluck2020-f1", "patient", None, "car-t", "literature", "PE; HF", "full-text", "SYNTHETIC"]
    )
    wb["facts"].append(["gluck2020-f1", "age_years", 47, "years", "SYNTHETIC table 1", "seen"])
    wb["events"].append(["gluck2020-f1", None, "pe", "4-5", "SYNTHETIC", "seen"])
    wb["measurements"].append(
        [
            "gluck2020-f1",
            "m1",
            "IL-6",
            1200,
            None,
            "pg/mL",
            3,
            "pre-purification",
            None,
            None,
            "SYNTHETIC",
            "seen",
        ]
    )
    wb.save(target)
    data = _load(raw_copy)
    doc = data.extractions[f"data/raw/extractions/{synth.SOURCE_ID}.xlsx"]
    case = doc["cases"][0]
    assert case["modalities"] == ["PE", "HF"] and "n" not in case
    assert case["events"] == [
        {"event": "pe", "day_post_infusion": "4-5", "locator": "SYNTHETIC", "flag": "seen"}
    ]
    assert case["measurements"][0]["qualifier"] is None


def test_not_a_workbook_is_reported_plainly(raw_copy):
    (raw_copy / "extractions" / f"{synth.SOURCE_ID}.yaml").unlink()
    (raw_copy / "extractions" / f"{synth.SOURCE_ID}.xlsx").write_bytes(b"not a zip")
    problems = _problems(raw_copy)
    assert any("cannot open as an Excel workbook" in p for p in problems), problems


def test_every_real_extraction_round_trips_through_a_form(raw_copy, tmp_path):
    """The real files as spreadsheets give the same cleaned tables, byte for byte."""
    from_yaml = _clean(raw_copy, tmp_path / "yaml")
    for path in sorted((raw_copy / "extractions").glob("*.yaml")):
        xlsx_form.write_document(
            yaml.safe_load(path.read_text(encoding="utf-8")), path.with_suffix(".xlsx"), SCHEMAS
        )
        path.unlink()
    assert _clean(raw_copy, tmp_path / "xlsx") == from_yaml
