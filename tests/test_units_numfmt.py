"""Unit conversion and number formatting: examples plus property-based tests (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crsreview import numfmt, units

concentrations = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


def test_cytokines_go_to_pg_per_ml():
    c = units.to_canonical(1.5, "ng/mL", "IL-6")
    assert (c.value, c.unit, c.factor) == (1500.0, "pg/mL", 1000.0)
    assert "ng/mL -> pg/mL" in c.formula
    assert units.to_canonical(36.7, "ng/L", "IL-6").value == 36.7


def test_ferritin_goes_to_ng_per_ml():
    c = units.to_canonical(5000, "ug/L", "ferritin")
    assert (c.value, c.unit) == (5000.0, "ng/mL")


def test_unknown_conversion_is_an_error():
    with pytest.raises(units.UnitError):
        units.to_canonical(1.0, "mmol/L", "IL-6")
    with pytest.raises(units.UnitError):
        units.to_canonical(math.nan, "pg/mL", "IL-6")


@given(concentrations, st.sampled_from(["pg/mL", "ng/L", "ng/mL", "ug/L"]))
def test_conversion_round_trips(value, unit):
    c = units.to_canonical(value, unit, "IL-10")
    back = c.value / units.factor(unit, c.unit)
    assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-12)


@given(concentrations, concentrations, st.sampled_from(["ng/mL", "pg/mL"]))
def test_conversion_is_monotonic(a, b, unit):
    ca, cb = units.to_canonical(a, unit, "IL-6"), units.to_canonical(b, unit, "IL-6")
    if a <= b:
        assert ca.value <= cb.value


def test_formatter_examples():
    assert numfmt.count(1245) == "1245"
    assert numfmt.count(12345) == "12,345"
    assert numfmt.percent(1 - math.exp(-1)) == "63.2%"
    assert numfmt.percent(1 - math.exp(-1.5)) == "77.7%"
    assert numfmt.significant(7120.6 / 110.3) == "64.6"
    assert numfmt.significant(99.96) == "100"
    assert numfmt.fold(0.1061) == "0.106-fold"
    with pytest.raises(ValueError):
        numfmt.count(2.5)


@given(st.floats(min_value=1e-6, max_value=1e8, allow_nan=False), st.integers(min_value=1, max_value=6))
def test_significant_round_trips_within_precision(x, digits):
    text = numfmt.significant(x, digits)
    assert math.isclose(numfmt.parse(text), x, rel_tol=10 ** (1 - digits))


@given(
    st.floats(min_value=0, max_value=1e8, allow_nan=False),
    st.floats(min_value=0, max_value=1e8, allow_nan=False),
)
def test_formatting_is_monotonic(a, b):
    lo, hi = sorted((a, b))
    assert numfmt.parse(numfmt.decimal(lo, 2)) <= numfmt.parse(numfmt.decimal(hi, 2))


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_formatters_never_crash_unexpectedly(x):
    if math.isfinite(x):
        numfmt.significant(x)
        numfmt.decimal(x, 1)
    else:
        with pytest.raises(ValueError):
            numfmt.significant(x)
