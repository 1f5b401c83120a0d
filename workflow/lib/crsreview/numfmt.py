"""Number formatting for the manuscript: explicit, deterministic, locale-free."""

from __future__ import annotations

import math


def count(n: int) -> str:
    """Whole numbers; thousands grouped with a thin comma from 10,000 up (journal style)."""
    if n != int(n):
        raise ValueError(f"count expects a whole number, got {n!r}")
    n = int(n)
    return f"{n:,}" if abs(n) >= 10_000 else str(n)


def decimal(x: float, places: int) -> str:
    """Fixed decimals with round-half-even avoided: Python's format rounds the binary value."""
    if not math.isfinite(x):
        raise ValueError(f"cannot format non-finite {x!r}")
    text = f"{x:,.{places}f}" if abs(x) >= 10_000 else f"{x:.{places}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text


def significant(x: float, digits: int = 3) -> str:
    """Round to significant digits, never switching to scientific notation."""
    if not math.isfinite(x):
        raise ValueError(f"cannot format non-finite {x!r}")
    if x == 0:
        return "0"
    places = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
    rounded = round(x, places)
    # Rounding can carry into a new digit (99.96 -> 100.0); recompute places for the result.
    if rounded != 0:
        places = max(digits - 1 - math.floor(math.log10(abs(rounded))), 0)
    return decimal(rounded, places)


def percent(fraction: float, places: int = 1) -> str:
    return f"{decimal(fraction * 100, places)}%"


def fold(ratio: float) -> str:
    return f"{significant(ratio, 3)}-fold"


def parse(text: str) -> float:
    """Inverse of the formatters above (for tests and the audit): '1,245' -> 1245.0, '63.2%' -> 63.2."""
    cleaned = text.replace(",", "").replace("%", "").replace("-fold", "").strip()
    return float(cleaned)


def plain(x: float) -> str:
    """A measured value as the sources print it: no padding zeros (19, 17.3, 66.439)."""
    if not math.isfinite(x):
        raise ValueError(f"cannot format non-finite {x!r}")
    return f"{x:.6g}"
