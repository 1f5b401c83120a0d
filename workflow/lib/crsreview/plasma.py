"""Plasma volume of a patient, for 'plasma volumes exchanged' (figure and ledger use the same).

Estimated plasma volume (L) = 0.07 x weight (kg) x (1 - haematocrit): 0.07 L/kg is the usual
blood-volume estimate in apheresis guidance (the background source is cited by the ledger
entries and the figure caption, not named here).
"""

from __future__ import annotations

BLOOD_L_PER_KG = 0.07
FORMULA = "0.07 x weight x (1 - Hct)"


def plasma_volume_l(weight_kg: float, haematocrit: float) -> float:
    """Plasma volume in litres; haematocrit as a fraction (0.3) or a percent (30)."""
    h = haematocrit / 100 if haematocrit > 1 else haematocrit
    return BLOOD_L_PER_KG * weight_kg * (1 - h)


def volumes_exchanged(volume_ml: float, weight_kg: float, haematocrit: float) -> float:
    return volume_ml / 1000 / plasma_volume_l(weight_kg, haematocrit)
