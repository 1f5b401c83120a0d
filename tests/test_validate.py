"""Validation: the real data passes; every catalogued mistake is named by file, record and field."""

from __future__ import annotations

import pytest

from crsreview.errors import InputError
from crsreview.validate import load_raw
from tests.bad_inputs.catalogue import CATALOGUE
from tests.conftest import SCHEMAS, VOCAB


def test_real_data_is_valid(raw_copy):
    data = load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    assert data.extractions and data.sources and data.references
    assert all(data.tables.values())


def test_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 30
    assert len({b.name for b in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("bad", CATALOGUE, ids=lambda b: b.name)
def test_bad_input_is_reported(raw_copy, bad):
    bad.change(raw_copy)
    with pytest.raises(InputError) as info:
        load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    expected_file = f"data/raw/{bad.file}"
    matches = [
        p
        for p in info.value.problems
        if p.file == expected_file
        and bad.record in p.record
        and bad.field in p.field
        and bad.reason in p.reason
    ]
    assert matches, f"no problem matched {bad}:\n{info.value.render()}"


def test_all_problems_reported_at_once(raw_copy):
    bad_ones = [b for b in CATALOGUE if b.name in {"age 250", "misspelt analyte", "csv unknown flag"}]
    for bad in bad_ones:
        bad.change(raw_copy)
    with pytest.raises(InputError) as info:
        load_raw(raw_copy, SCHEMAS, VOCAB, root=raw_copy.parent.parent)
    fields = {p.field for p in info.value.problems}
    assert {"facts.age_years.value", "measurements.m1.analyte", "flag"} <= fields
