"""Unit conversion to the paper's canonical units: cytokines in pg/mL, ferritin in ng/mL, degC.

Every conversion is returned with its factor and a human-readable formula so that the
cleaned tables can record exactly what was done to each value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Mass concentrations, expressed in pg/mL (1 pg/mL = 1 ng/L).
_PG_PER_ML = {"pg/mL": 1.0, "ng/L": 1.0, "ng/mL": 1e3, "ug/L": 1e3, "µg/L": 1e3, "ug/mL": 1e6, "mg/L": 1e6}

# Canonical unit by analyte family. Analytes not listed keep their own unit.
_CANONICAL_BY_PREFIX = (
    ("ferritin", "ng/mL"),
    ("crp", "mg/L"),
)
CYTOKINE_UNIT = "pg/mL"
NON_CONCENTRATION_UNITS = {"degC", "U/mL", "%", "mmHg", "grade", "agents"}
# Temperatures reported in Fahrenheit are converted to Celsius (an affine map, not a factor).
FAHRENHEIT = "degF"
CELSIUS = "degC"

# Symptom analytes and the only units they may carry, with their plausible ranges
# (low, high, whole numbers only), checked in canonical units.
SYMPTOM_ANALYTES = {
    "temperature": ((CELSIUS, FAHRENHEIT), (25.0, 45.0, False)),
    "CRS grade": (("grade",), (0.0, 5.0, True)),
    "ICANS grade": (("grade",), (0.0, 5.0, True)),
    "vasopressor agents": (("agents",), (0.0, 10.0, True)),
}
# Units that belong to one of the symptom analytes only.
SYMPTOM_UNITS = {u for units, _ in SYMPTOM_ANALYTES.values() for u in units}


@dataclass(frozen=True)
class Conversion:
    value: float
    unit: str
    factor: float
    formula: str


class UnitError(ValueError):
    """A unit that cannot be converted to the analyte's canonical unit."""


def canonical_unit(analyte: str, unit: str) -> str:
    """The unit the cleaned tables use for this analyte, given the unit it was reported in."""
    key = analyte.lower()
    for prefix, canon in _CANONICAL_BY_PREFIX:
        if key.startswith(prefix):
            return canon
    if unit in _PG_PER_ML:
        return CYTOKINE_UNIT
    return unit


def factor(from_unit: str, to_unit: str) -> float:
    if from_unit == to_unit:
        return 1.0
    if from_unit in _PG_PER_ML and to_unit in _PG_PER_ML:
        return _PG_PER_ML[from_unit] / _PG_PER_ML[to_unit]
    raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}")


def to_canonical(value: float, unit: str, analyte: str) -> Conversion:
    """Convert one reported value; the formula names both units and the factor."""
    if not math.isfinite(value):
        raise UnitError(f"value {value!r} is not a finite number")
    if unit == FAHRENHEIT:
        celsius = float(f"{(value - 32.0) * 5.0 / 9.0:.12g}")
        return Conversion(celsius, CELSIUS, 5.0 / 9.0, f"(x - 32) x 5/9 ({FAHRENHEIT} -> {CELSIUS})")
    if unit not in _PG_PER_ML and unit not in NON_CONCENTRATION_UNITS:
        raise UnitError(f"unit {unit!r} of {analyte} has no conversion to a canonical unit")
    target = canonical_unit(analyte, unit)
    f = factor(unit, target)
    converted = value * f
    # Keep integers integral and avoid float noise such as 0.1 * 1000 = 100.00000000000001.
    converted = float(f"{converted:.12g}")
    if f == 1.0:
        formula = "none" if unit == target else f"1 {unit} = 1 {target}"
    else:
        formula = f"x {f:g} ({unit} -> {target})"
    return Conversion(converted, target, f, formula)


def analyte_unit_problem(analyte: str, unit: str) -> str | None:
    """Why this unit cannot go with this analyte (symptom analytes have fixed units), or None."""
    if analyte in SYMPTOM_ANALYTES:
        allowed = SYMPTOM_ANALYTES[analyte][0]
        if unit not in allowed:
            return f"{analyte} is recorded in {' or '.join(allowed)}, not {unit!r}"
    elif unit in SYMPTOM_UNITS:
        owners = sorted(a for a, (units, _) in SYMPTOM_ANALYTES.items() if unit in units)
        return f"unit {unit!r} is only for {', '.join(owners)}"
    return None


def symptom_range(analyte: str) -> tuple[float, float, bool] | None:
    """(low, high, whole) plausible range in the canonical unit of a symptom analyte."""
    entry = SYMPTOM_ANALYTES.get(analyte)
    return entry[1] if entry else None
