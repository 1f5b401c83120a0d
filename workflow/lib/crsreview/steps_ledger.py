"""Ledger step: processed tables -> data/processed/numbers.json."""

from __future__ import annotations

from pathlib import Path

from . import analysis, files, tablesio, vignettes


def build_ledger(
    inputs: dict[str, Path], out: Path, analysis_config: dict, follows: str, max_vignettes: int
) -> None:
    tables = tablesio.read_many(inputs)
    ledger = analysis.build(tables, analysis_config, follows)
    vignettes.add(ledger, tables, max_vignettes, analysis_config["symptom_analytes"].values())
    files.write_json(out, ledger.to_json())
