"""Schemas document themselves (issue 16 §4) and data/README.md agrees with them."""

from __future__ import annotations

import re

import pytest
import yaml

from crsreview import casefields
from tests.conftest import ROOT, SCHEMAS

README = ROOT / "data" / "README.md"
TABLE_SCHEMAS = ["sources", "mediators", "purification_methods", "syndrome_cytokines", "background_facts"]
DATA_SCHEMAS = ["extraction", "references", *TABLE_SCHEMAS]


def _properties(node, path=""):
    """Every (path, property schema) under `properties` anywhere in a schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, spec in value.items():
                    yield f"{path}.{name}", spec
                    yield from _properties(spec, f"{path}.{name}")
            else:
                yield from _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _properties(item, f"{path}[{i}]")


@pytest.mark.parametrize("name", DATA_SCHEMAS)
def test_every_schema_property_has_a_description(name):
    schema = yaml.safe_load((SCHEMAS / f"{name}.schema.yaml").read_text(encoding="utf-8"))
    missing = [
        path
        for path, spec in _properties(schema)
        if not isinstance(spec, dict) or not spec.get("description")
    ]
    assert not missing, missing


def _readme_columns(table: str) -> set[str]:
    text = README.read_text(encoding="utf-8")
    start = re.search(rf"^#+ `(reference/)?{table}\.csv`", text, re.M)
    assert start, f"no section for {table}.csv in data/README.md"
    rows = []
    for line in text[start.end() :].splitlines():
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    first_cells = [row.split("|")[1] for row in rows[2:]]
    return {name for cell in first_cells for name in re.findall(r"`([a-z_]+)`", cell)}


@pytest.mark.parametrize("table", TABLE_SCHEMAS)
def test_readme_column_table_lists_exactly_the_schema_columns(table):
    schema = yaml.safe_load((SCHEMAS / f"{table}.schema.yaml").read_text(encoding="utf-8"))
    assert _readme_columns(table) == set(schema["properties"])


def test_readme_data_dictionary_is_generated_from_case_fields():
    text = README.read_text(encoding="utf-8")
    start = text.index(casefields.README_START)
    end = text.index(casefields.README_END) + len(casefields.README_END)
    expected = casefields.markdown(casefields.load(SCHEMAS))
    assert text[start:end] == expected, (
        "data/README.md is out of date: run PYTHONPATH=workflow/lib python -m crsreview.casefields "
        "workflow/schemas data/README.md"
    )


def test_every_dictionary_field_has_type_and_description():
    d = casefields.load(SCHEMAS)
    for name, spec in {**d.case_fields, **d.source_fields}.items():
        assert spec["type"] in ("integer", "number", "choice", "text"), name
        assert spec.get("description"), name
        assert spec["type"] != "choice" or spec.get("values"), name


def test_readme_case_keys_table_lists_exactly_the_case_properties():
    text = README.read_text(encoding="utf-8")
    rows = []
    for line in text[text.index("Case keys (in this order):") :].splitlines()[1:]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    listed = {name for row in rows[2:] for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])}
    schema = yaml.safe_load((SCHEMAS / "extraction.schema.yaml").read_text(encoding="utf-8"))
    assert listed == set(schema["$defs"]["case"]["properties"])
