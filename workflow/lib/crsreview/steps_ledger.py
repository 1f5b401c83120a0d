"""Ledger step: processed tables -> data/processed/numbers.json."""

from __future__ import annotations

from pathlib import Path

from . import analysis, files, tablesio


def build_ledger(inputs: dict[str, Path], out: Path) -> None:
    ledger = analysis.build(tablesio.read_many(inputs))
    files.write_json(out, ledger.to_json())
