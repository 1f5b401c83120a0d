"""Controlled vocabularies (workflow/schemas/vocabularies.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml


def load(path: Path) -> dict[str, frozenset[str]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {name: frozenset(str(v) for v in values) for name, values in data.items()}
