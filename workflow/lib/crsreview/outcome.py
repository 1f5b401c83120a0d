"""Survival class of a case: the coded `outcome` field, else its free-text wording."""

from __future__ import annotations

import re

OUTCOMES = ("survived", "died", "unknown")
DIED = re.compile(r"\bdied\b|\bdeath\b|\bdead\b|\bfatal")
SURVIVED = re.compile(r"\bsurviv|\balive\b|\brecovered\b|\bresolved\b|\bdischarged\b")
RULE_TEXT = (
    "the coded outcome field (survived|died|unknown), else its wording "
    "(died|death|dead|fatal -> died; survived|alive|recovered|resolved|discharged -> survived; else unknown)"
)


def outcome_class(outcome: str, wording: str) -> str:
    """survived / died / unknown (rules in RULE_TEXT; death words win over survival words)."""
    coded = (outcome or "").strip().lower()
    if coded in OUTCOMES:
        return coded
    t = (wording or "").lower()
    if DIED.search(t):
        return "died"
    if SURVIVED.search(t):
        return "survived"
    return "unknown"
