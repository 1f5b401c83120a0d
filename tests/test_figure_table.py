"""The figure table (workflow/rules/figures.smk): one row per figure, each with its library
module and caption, listed in the manuscript order; no figure number anywhere but the text."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMK = ROOT / "workflow" / "rules" / "figures.smk"
PROCESSED_TABLES = set(
    re.findall(
        r'f"\{PROCESSED\}/(\w+)\.csv"', (ROOT / "workflow/rules/common.smk").read_text(encoding="utf-8")
    )
) | set(
    ast.literal_eval(
        re.search(r"REFERENCE_TABLES = (\[[^\]]*\])", (ROOT / "workflow/rules/common.smk").read_text()).group(
            1
        )
    )
)


def table() -> list[tuple[str, str, list[str]]]:
    """The rows of FIGURE_TABLE (a dict literal in figures.smk), in order."""
    text = SMK.read_text(encoding="utf-8")
    start = text.index("FIGURE_TABLE = {") + len("FIGURE_TABLE = ")
    rows = ast.literal_eval(text[start : text.index("\n}\n", start) + 2])
    return [(name, module, tables) for name, (module, tables, _options) in rows.items()]


def test_every_row_has_a_module_with_make_and_a_caption():
    rows = table()
    assert len(rows) == 6
    for name, module, tables in rows:
        mod = importlib.import_module(f"crsreview.{module}")
        params = inspect.signature(mod.make).parameters
        assert list(params)[:4] == ["inputs", "outputs", "dpi", "hashsalt"] and "options" in params
        assert name == mod.FIGURE_ID
        assert (ROOT / "workflow" / "report" / f"{name}.rst").is_file()
        assert set(tables) <= PROCESSED_TABLES, (
            f"{name}: unknown input tables {set(tables) - PROCESSED_TABLES}"
        )


def test_table_order_follows_the_manuscript_placement():
    names = [n for n, _, _ in table()]
    placed = []
    for tpl in sorted((ROOT / "manuscript" / "templates").glob("*.md.j2")):
        placed += re.findall(r'figure\("([\w-]+)"', tpl.read_text(encoding="utf-8"))
    placed = list(dict.fromkeys(placed))
    assert placed, "the manuscript places no figure"
    assert placed == [n for n in names if n in placed], f"table order {names} differs from placement {placed}"


def test_no_figure_number_outside_the_manuscript():
    number = re.compile(r"\b(Fig\.|Figure|Figures|figures?)\s+\d")
    paths = [
        SMK,
        *(ROOT / "workflow" / "scripts").glob("*.py"),
        *(ROOT / "workflow" / "lib").rglob("fig*.py"),
    ]
    paths += list((ROOT / "workflow" / "report").glob("*.rst"))
    hits = [
        f"{p.relative_to(ROOT)}:{k}"
        for p in paths
        for k, line in enumerate(p.read_text().splitlines(), 1)
        if number.search(line)
    ]
    assert not hits, hits
