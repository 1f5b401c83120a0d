"""Reading processed CSV tables as lists of dicts (stdlib csv: fast start-up, exact text)."""

from __future__ import annotations

import csv
from pathlib import Path


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def read_many(paths: dict[str, Path]) -> dict[str, list[dict[str, str]]]:
    return {name: read(Path(p)) for name, p in paths.items()}
