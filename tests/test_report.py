"""Snakemake's reviewer report: every caption, the software versions, commit and config."""

from __future__ import annotations

import base64
import re

import pytest

from tests.build_helpers import ROOT, snakemake

pytestmark = pytest.mark.slow


def _first_words(rst: str) -> str:
    text = re.sub(r"\{\{.*?\}\}|``|\*\*|\*|`", "", rst)
    return " ".join(text.split()[:4])


def test_report_has_captions_versions_and_config(built_a):
    result = snakemake(built_a, "--report", "report.html")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (built_a / "report.html").read_text(encoding="utf-8")
    flat = " ".join(html.replace("\\n", " ").split())
    for caption in sorted((ROOT / "workflow/report").glob("*.rst")):
        if caption.name == "workflow.rst":
            continue
        words = _first_words(caption.read_text(encoding="utf-8"))
        assert words in flat, f"caption {caption.name} missing ({words!r})"
    for category in ("Evidence", "Figures", "Tables", "Manuscript", "Provenance"):
        assert f'"{category}"' in html or category in html
    m = re.search(r'"reports/build-info.txt".*?base64,([A-Za-z0-9+/=]+)"', html, re.S)
    assert m, "build-info.txt not embedded in the report"
    info = base64.b64decode(m.group(1)).decode("utf-8")
    for tool in ("python", "snakemake", "pandas", "matplotlib", "seaborn", "pandoc", "typst", "git commit"):
        assert re.search(rf"^{tool}: \S+", info, re.M), tool
    assert "title:" in info  # the configuration
