"""Figure step: one entry point for every figure (rule script workflow/scripts/figure.py).

The figure table in workflow/rules/figures.smk names each figure's library module; the module
exposes `make(inputs, outputs, dpi, hashsalt, options=...)` and draws SVG, PNG and sidecar.
"""

from __future__ import annotations

import importlib
from pathlib import Path


def make(
    module: str, inputs: dict[str, Path], outputs: dict[str, Path], dpi: int, hashsalt: str, options: dict
) -> dict:
    if not module.startswith("fig_"):
        raise ValueError(f"figure module must be a crsreview.fig_* module, got {module!r}")
    mod = importlib.import_module(f"crsreview.{module}")
    return mod.make(inputs, outputs, dpi, hashsalt, options=options)
