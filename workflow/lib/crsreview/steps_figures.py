"""Figure step: one entry point for every figure (rule script workflow/scripts/figure.py).

The figure table (layout.FIGURE_TABLE) names each figure's library module; the module exposes
`draw(tables, options) -> fig_common.Drawn`, and fig_common.make_figure reads the inputs, saves
SVG and PNG and writes the sidecar, the same way for every figure.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from . import fig_common


def make(
    module: str, inputs: dict[str, Path], outputs: dict[str, Path], dpi: int, hashsalt: str, options: dict
) -> dict:
    if not module.startswith("fig_"):
        raise ValueError(f"figure module must be a crsreview.fig_* module, got {module!r}")
    mod = importlib.import_module(f"crsreview.{module}")
    return fig_common.make_figure(mod, inputs, outputs, dpi, hashsalt, options=options)
