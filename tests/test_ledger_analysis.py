"""Ledger provenance rules and the analysis functions, on small hand-made rows (SYNTHETIC)."""

from __future__ import annotations

import pytest

from crsreview import analysis
from crsreview.ledger import Ledger

FACTS = {
    "a.age_years": {"fact_id": "a.age_years", "source_id": "src1", "flag": "seen"},
    "b.age_years": {"fact_id": "b.age_years", "source_id": "src2; src3", "flag": "unverified"},
}


def test_entry_collects_sources_and_flags_from_facts_and_dependencies():
    L = Ledger()
    L.add("x", 1, "1", "f", facts=["a.age_years"], fact_index=FACTS)
    L.add("y", 2, "2", "g", facts=["b.age_years"], fact_index=FACTS)
    z = L.add("z", 3, "3", "x + y", derived_from=["x", "y"])
    assert z.source_ids == ["src1", "src2", "src3"]
    assert z.flags == ["seen", "unverified"]
    assert not z.headline_ok and L.entries["x"].headline_ok


def test_duplicate_key_and_unknown_fact_are_errors():
    L = Ledger()
    L.add("x", 1, "1", "f", facts=["a.age_years"], fact_index=FACTS)
    with pytest.raises(ValueError):
        L.add("x", 1, "1", "f", source_ids=["s"])
    L.add("orphan", 1, "1", "f")
    problems = L.check({"zzz"})
    assert any("not in facts.csv" in p for p in problems)
    assert any("orphan: no source_id" in p for p in problems)


def test_pe_cytokine_counts_pair_by_the_pairing_rule_and_pool_nothing():
    L = Ledger()
    cases = [{"case_id": "p1", "context": "car-t", "modality_group": "PE", "source_id": "s"}]
    meas = [
        {
            "case_id": "p1",
            "analyte": "IL-6",
            "relation": "pre-purification",
            "value": "874",
            "qualifier": "=",
            "day_low": "1",
            "fact_id": "p1.m1",
        }
    ]
    analysis.pe_cytokine_data(L, cases, meas, {"p1.m1": {"source_id": "s", "flag": "seen"}})
    assert L.entries["pe.car_t.paired_prepost"].value == 0
    assert "pe.car_t.cytokine_change" not in L.entries


def test_dose_parsing():
    assert analysis._dose({"note": "dose_pv=1.5; printed ~78%"}) == 1.5
    assert analysis._dose({"note": "dose_pv=1.0-1.5; printed"}) is None
    assert analysis._dose({"note": "after 3 sessions"}) is None
