"""One shared style for the paper's figures, and deterministic writers for them.

Colours are the Okabe-Ito colour-blind-safe palette; text is DejaVu Sans (bundled with
matplotlib, so no system font can change the output); sizes fit a journal page (single
column 85 mm, double column 174 mm). `save` writes SVG and PNG without dates or software
versions that change between runs, atomically; `write_sidecar` writes the provenance JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from . import files

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour
# vision deficiencies. Same hues as seaborn's "colorblind" family, fixed here by value.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
GREY = "#8C8C8C"
LIGHT_GREY = "#D9D9D9"

# Technique (modality group) colours, shared by every figure that shows techniques.
MODALITY_COLOURS = {
    "HD": OKABE_ITO["sky"],
    "high-flux": OKABE_ITO["blue"],
    "HF/HDF": OKABE_ITO["green"],
    "MCO": OKABE_ITO["yellow"],
    "HCO": OKABE_ITO["orange"],
    "adsorption": OKABE_ITO["purple"],
    "PE": OKABE_ITO["vermillion"],
    "oXiris": OKABE_ITO["black"],
    "other/unspecified": GREY,
}

# Okabe-Ito yellow is too light for thin lines on white: lines use a darker shade of it.
_LINE_SHADES = {OKABE_ITO["yellow"]: "#B3A300"}


def line_colour(colour: str) -> str:
    """Colour for thin lines and ticks (light palette colours darkened for contrast)."""
    return _LINE_SHADES.get(colour, colour)


# Journal sizes (inches): single column 85 mm, double column 174 mm, page height 235 mm.
SINGLE_COLUMN = 85 / 25.4
DOUBLE_COLUMN = 174 / 25.4
MAX_HEIGHT = 235 / 25.4
FONT = "DejaVu Sans"
BASE_SIZE = 7.0
SMALL_SIZE = 6.0

UNVERIFIED_LABEL = "unverified value"


def apply(hashsalt: str) -> None:
    """Set every rcParam the figures depend on (call before drawing)."""
    matplotlib.rcdefaults()
    matplotlib.rcParams.update(
        {
            # Deterministic SVG: fixed id salt, text as paths from the bundled font.
            "svg.hashsalt": str(hashsalt),
            "svg.fonttype": "path",
            "svg.image_inline": True,
            "path.simplify": True,
            "path.simplify_threshold": 0.111111111111,
            "font.family": "sans-serif",
            "font.sans-serif": [FONT],
            "mathtext.fontset": "dejavusans",
            "font.size": BASE_SIZE,
            "axes.titlesize": BASE_SIZE + 0.5,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": BASE_SIZE,
            "xtick.labelsize": SMALL_SIZE + 0.5,
            "ytick.labelsize": SMALL_SIZE + 0.5,
            "legend.fontsize": SMALL_SIZE + 0.5,
            "legend.title_fontsize": SMALL_SIZE + 0.5,
            "legend.frameon": False,
            "axes.linewidth": 0.6,
            "axes.edgecolor": "#333333",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO.values())),
            "grid.color": "#E6E6E6",
            "grid.linewidth": 0.5,
            "xtick.major.width": 0.6,
            "ytick.major.width": 0.6,
            "xtick.minor.width": 0.4,
            "ytick.minor.width": 0.4,
            "lines.linewidth": 1.0,
            "lines.markersize": 4.0,
            "figure.dpi": 100,
            "savefig.dpi": 300,
            "savefig.facecolor": "white",
            "figure.facecolor": "white",
            "figure.constrained_layout.use": False,
        }
    )


def row_height(preferred: float, rows: float, fixed: float, minimum: float = 0.1) -> float:
    """Inches per table row: `preferred`, shrunk so that rows x height + fixed fits the page.

    More data must not break the build: the rows get tighter down to `minimum` (below which text
    would collide), and only then does `figure` refuse the size.
    """
    if rows <= 0:
        return preferred
    return max(minimum, min(preferred, (MAX_HEIGHT - fixed) / rows))


def figure(width: float, height: float, layout: str | None = "constrained", **kwargs):
    """A new figure of the given size in inches (constrained layout unless layout=None)."""
    if height > MAX_HEIGHT + 1e-9:
        raise ValueError(f"figure height {height:.2f} in exceeds the page ({MAX_HEIGHT:.2f} in)")
    return plt.figure(figsize=(width, height), layout=layout, **kwargs)


def marker_style(colour: str, flag: str, marker: str = "o", size: float = 4.0) -> dict:
    """Marker keyword arguments: filled for seen/computed values, hollow for unverified ones."""
    hollow = flag == "unverified"
    return {
        "marker": marker,
        "markersize": size,
        "markerfacecolor": "white" if hollow else colour,
        "markeredgecolor": colour,
        "markeredgewidth": 1.0 if hollow else 0.5,
        "color": colour,
    }


def unverified_handle(marker: str = "o") -> Line2D:
    """Legend entry explaining hollow markers."""
    return Line2D(
        [], [], linestyle="none", label=UNVERIFIED_LABEL, **marker_style("#333333", "unverified", marker)
    )


def save(fig, svg: Path, png: Path, dpi: int) -> None:
    """Write SVG and PNG without run-dependent metadata (atomically), then close the figure."""
    try:
        # Lay the figure out once and freeze it: otherwise each savefig re-runs the layout
        # engine (about a second per save for the larger figures), and SVG and PNG share it.
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
        with files.atomic_path(Path(svg)) as tmp:
            # "Date": None drops the dc:date element matplotlib writes by default.
            fig.savefig(tmp, format="svg", metadata={"Date": None})
        _fault_injection(Path(svg))
        with files.atomic_path(Path(png)) as tmp:
            # "Software": None drops the tEXt chunk naming the matplotlib version.
            fig.savefig(tmp, format="png", dpi=int(dpi), metadata={"Software": None})
    finally:
        plt.close(fig)


def _fault_injection(svg: Path) -> None:
    """Test hook: fail between the SVG and the PNG, to prove Snakemake leaves no partial output.

    Active only when CRSREVIEW_FAIL_AFTER_SAVE names this figure (tests/test_build.py).
    """
    if os.environ.get("CRSREVIEW_FAIL_AFTER_SAVE") == svg.stem:
        raise RuntimeError(f"injected failure after writing {svg.name} (CRSREVIEW_FAIL_AFTER_SAVE)")


def _relative(path: str | Path) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError as exc:
            raise ValueError(f"sidecar paths must be relative to the project: {p}") from exc
    return p.as_posix()


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_sidecar(
    path: Path,
    figure_id: str,
    title: str,
    script: str,
    inputs: Mapping[str, str | Path],
    fact_ids: Iterable[str],
    source_ids: Iterable[str],
    notes: Iterable[object],
    **extra: object,
) -> dict:
    """Provenance JSON next to a figure: what went in, which facts were drawn, what was not.

    `notes` lists what was not plotted and why (strings or dicts). Keys are sorted, id lists
    are sorted and de-duplicated, paths are relative, so the bytes depend on the data only.
    """
    doc = {
        "schema_version": 1,
        "figure": figure_id,
        "title": title,
        "script": _relative(script),
        "inputs": {name: {"path": _relative(p), "sha256": _sha256(p)} for name, p in sorted(inputs.items())},
        "fact_ids": sorted(set(fact_ids)),
        "source_ids": sorted(set(source_ids)),
        "notes": list(notes),
        **extra,
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    files.write_text(Path(path), text)
    return doc
