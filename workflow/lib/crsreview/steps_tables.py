"""Tables step: processed tables + ledger -> manuscript/tables/*.csv|md and tables.json."""

from __future__ import annotations

import json
from pathlib import Path

from . import tables, tablesio


def build_tables(inputs: dict[str, Path], ledger: Path, out_dir: Path, sidecar: Path, reference: str) -> None:
    data = tablesio.read_many(inputs)
    numbers = json.loads(Path(ledger).read_text(encoding="utf-8"))
    tables.write_all(tables.build_all(data, numbers, reference), out_dir, sidecar)
