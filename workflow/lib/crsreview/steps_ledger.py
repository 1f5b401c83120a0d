"""Ledger step: processed tables -> data/processed/numbers.json."""

from __future__ import annotations

from pathlib import Path

from . import analysis, files, tablesio


def build_ledger(inputs: dict[str, Path], out: Path, analysis_config: dict, follows: str) -> None:
    ledger = analysis.build(tablesio.read_many(inputs), analysis_config, follows)
    files.write_json(out, ledger.to_json())
