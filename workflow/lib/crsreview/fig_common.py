"""Helpers shared by the figure modules: parsing table cells and recording provenance.

Every figure keeps a `Provenance`: the facts and sources it drew, and each thing it left out
with the reason. The sidecar JSON is written from it, so nothing is dropped silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from . import figstyle, tablesio

NR = "NR"


def num(cell: str | None) -> float | None:
    """A table cell as a float; None for empty, 'NR' or non-numeric text."""
    if cell is None:
        return None
    text = str(cell).strip()
    if not text or text == NR:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def ids(cell: str | None) -> list[str]:
    """A '; '-separated id cell as a list."""
    return [x.strip() for x in (cell or "").split(";") if x.strip()]


def fmt(value: float) -> str:
    """Short, deterministic number text for labels (no scientific notation)."""
    if value == 0:
        return "0"
    mag = math.floor(math.log10(abs(value)))
    places = max(0, 2 - mag)
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass
class Provenance:
    """Facts and sources a figure drew, and what it did not draw (with reasons)."""

    fact_ids: set[str] = field(default_factory=set)
    source_ids: set[str] = field(default_factory=set)
    skipped: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    def use(self, fact_ids=(), source_ids=()) -> None:
        self.fact_ids.update(f for f in fact_ids if f)
        self.source_ids.update(s for s in source_ids if s)

    def use_row(self, row: dict, columns=None) -> None:
        """Mark a reference-table row as plotted: its fact ids (optionally only some columns)."""
        fids = ids(row.get("fact_ids"))
        if columns is not None:
            wanted = {f"{row['row_id']}.{c}" for c in columns}
            fids = [f for f in fids if f in wanted]
        self.use(fids, ids(row.get("source_id")))

    def skip(self, what: str, why: str, item: str) -> None:
        """Record one item (a row_id, case_id or fact_id) as not plotted, grouped by reason."""
        self.skipped.setdefault((what, why), []).append(item)

    def note(self, text: str) -> None:
        self.texts.append(text)

    def notes(self) -> list[dict | str]:
        out: list[dict | str] = [
            {"not_plotted": what, "reason": why, "items": sorted(set(items))}
            for (what, why), items in sorted(self.skipped.items())
        ]
        return out + sorted(set(self.texts))


def check_facts(fact_ids, facts_path: Path | None) -> None:
    """Every fact id a sidecar names must exist in facts.csv (when the figure reads it)."""
    if facts_path is None:
        return
    known = {r["fact_id"] for r in tablesio.read(Path(facts_path))}
    missing = sorted(set(fact_ids) - known)
    if missing:
        raise ValueError(f"figure names fact ids that are not in facts.csv: {missing[:10]}")


# The one rule script every figure runs (workflow/rules/figures.smk): named in each sidecar.
SCRIPT = "workflow/scripts/figure.py"


def finish(
    fig,
    outputs: dict[str, Path],
    dpi: int,
    prov: Provenance,
    *,
    figure_id: str,
    title: str,
    library: str,
    inputs: dict[str, Path],
    script: str | None = None,
    facts: Path | None = None,
    **extra: object,
) -> dict:
    """The common tail of every figure: write SVG and PNG, check the cited fact ids against
    facts.csv (when the figure reads it) and write the sidecar from the provenance."""
    figstyle.save(fig, outputs["svg"], outputs["png"], dpi)
    check_facts(prov.fact_ids, facts)
    return figstyle.write_sidecar(
        outputs["json"],
        figure_id,
        title,
        script or SCRIPT,
        inputs,
        prov.fact_ids,
        prov.source_ids,
        prov.notes(),
        **extra,
        library=library,
        outputs={k: Path(v).name for k, v in sorted(outputs.items())},
    )
