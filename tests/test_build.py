"""Whole-paper builds in fresh copies: outputs, byte stability, no network, bad inputs, atomicity.

One session-scoped build (copy A: --cores 1, PYTHONHASHSEED=1) is reused by the other tests;
copy B is built at another path with --cores 4, another hash seed and no network access.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.bad_inputs.catalogue import CATALOGUE
from tests.build_helpers import (
    copy_built,
    fresh_copy,
    manifest_diff,
    snakemake,
    tree_hashes,
)

pytestmark = pytest.mark.slow


def test_build_produces_every_output(built_a):
    for rel in [
        "data/processed/facts.csv",
        "data/processed/numbers.json",
        "manuscript/build/manuscript.html",
        "manuscript/build/manuscript.docx",
        "manuscript/build/manuscript.pdf",
        "manuscript/tables/table1-cases.md",
        "figures/size-windows.svg",
    ]:
        assert (built_a / rel).stat().st_size > 0, rel


def test_outputs_match_committed_manifest(built_a):
    assert manifest_diff(built_a) == []


def test_second_copy_without_network_is_byte_identical(built_a, tmp_path):
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rn", "true"]).returncode != 0:
        pytest.fail("unshare -rn (user + network namespace) is needed to block the network")
    repo = fresh_copy(tmp_path / "elsewhere" / "deeper" / "copy-b")
    result = snakemake(repo, cores=4, hashseed="2", wrap=["unshare", "-rn"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert manifest_diff(repo) == []
    assert tree_hashes(repo) == tree_hashes(built_a)


def test_noop_rebuild_runs_nothing(built_a):
    result = snakemake(built_a, "--dry-run", "--quiet", "rules")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr or result.stdout.strip() == ""


def test_every_fact_in_sidecars_and_ledger_exists(built_a):
    facts = {
        line.split(",", 1)[0] for line in (built_a / "data/processed/facts.csv").read_text().splitlines()[1:]
    }
    ledger = json.loads((built_a / "data/processed/numbers.json").read_text())["numbers"]
    for key, entry in ledger.items():
        assert set(entry["fact_ids"]) <= facts, key
        assert entry["source_ids"], f"{key} has no source"
    for sidecar in (built_a / "figures").glob("*.json"):
        meta = json.loads(sidecar.read_text())
        assert set(meta["fact_ids"]) <= facts, sidecar.name
    tables = json.loads((built_a / "manuscript/tables/tables.json").read_text())
    for name, meta in tables.items():
        assert set(meta["fact_ids"]) <= facts, name


@pytest.mark.parametrize("bad", CATALOGUE, ids=lambda b: b.name)
def test_bad_input_stops_build_and_damages_nothing(built_a, tmp_path, bad):
    repo = copy_built(built_a, tmp_path / "repo")
    before = tree_hashes(repo)
    raw_before = tree_hashes(repo, dirs=("data/raw",))
    bad.change(repo / "data" / "raw")
    raw_after_change = tree_hashes(repo, dirs=("data/raw",))
    result = snakemake(repo)
    message = result.stdout + result.stderr
    assert result.returncode != 0, f"build passed with {bad.name}"
    assert f"data/raw/{bad.file}" in message and bad.field in message and bad.reason in message, message[
        -3000:
    ]
    assert tree_hashes(repo) == before, "an output was created, changed or removed"
    assert tree_hashes(repo, dirs=("data/raw",)) == raw_after_change != raw_before


def test_literal_number_in_template_fails_naming_template_and_line(built_a, tmp_path):
    repo = copy_built(built_a, tmp_path / "repo")
    template = repo / "manuscript/templates/04-results.md.j2"
    lines = template.read_text().splitlines()
    lines.insert(2, "Plasma exchange lowered IL-6 by 42 percent in this series.")
    template.write_text("\n".join(lines) + "\n")
    result = snakemake(repo)
    message = result.stdout + result.stderr
    assert result.returncode != 0
    assert "manuscript/templates/04-results.md.j2" in message and "line 3" in message and "'42'" in message


def test_failed_figure_job_leaves_no_partial_output(built_a, tmp_path):
    repo = copy_built(built_a, tmp_path / "repo")
    for p in (repo / "figures").glob("pe-kinetics*"):
        p.unlink()
    # Make the figure step crash after it has started writing (SYNTHETIC failure injection).
    result = snakemake(repo, "figures/pe-kinetics.svg", env={"CRSREVIEW_FAIL_AFTER_SAVE": "pe-kinetics"})
    assert result.returncode != 0
    assert not list((repo / "figures").glob("pe-kinetics*")), "partial figure output left behind"
    assert not list((repo / "figures").glob(".*tmp")), "temporary file left behind"


def test_config_change_breaks_manifest_check(built_a, tmp_path):
    repo = copy_built(built_a, tmp_path / "repo")
    config = repo / "config/config.yaml"
    config.write_text(config.read_text().replace("png_dpi: 300", "png_dpi: 150"))
    result = snakemake(repo)
    assert result.returncode == 0, result.stderr[-2000:]
    assert any("png" in line for line in manifest_diff(repo))


INJECTED = "<script>window.__crsreview_injected = 1</script> **bold** [link](https://example.org) <img src=x onerror=alert(1)>"


def test_markup_in_data_renders_inert(built_a, tmp_path):
    """A curator's note with HTML/Markdown must show as text in the HTML (SYNTHETIC edit in a copy)."""
    import yaml

    repo = copy_built(built_a, tmp_path / "repo")
    path = repo / "data/raw/extractions/xiao2019.yaml"
    doc = yaml.safe_load(path.read_text())
    facts = doc["cases"][0]["facts"]
    facts["outcome_status"]["value"] = "alive " + INJECTED
    facts["age_years"]["locator"] = "abstract " + INJECTED
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    result = snakemake(repo)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = (repo / "manuscript/build/manuscript.html").read_text()
    assert "window.__crsreview_injected = 1" in html  # the text is there ...
    assert "<script>window.__crsreview_injected" not in html  # ... but not as markup
    assert "<img src=x" not in html and 'href="https://example.org"' not in html
    assert "&lt;script&gt;window.__crsreview_injected" in html


def test_edited_extraction_reruns_only_what_depends_on_it(built_a, tmp_path):
    repo = copy_built(built_a, tmp_path / "repo")
    path = repo / "data/raw/extractions/xiao2019.yaml"
    path.write_text(path.read_text().replace("locator: title\n", "locator: title (main title)\n", 1))
    result = snakemake(repo, "--dry-run", "--quiet", "rules")
    planned = set(re.findall(r"^(\w+)\s+\d+$", result.stdout, re.M))
    assert {"validate", "clean_extractions", "facts", "ledger"} <= planned, result.stdout
    assert not planned & {"clean_reference", "fig_size_windows", "fig_syndrome_cytokines"}, planned
    run = snakemake(repo)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "title (main title)" in (repo / "data/processed/facts.csv").read_text()


def test_pdf_has_title_and_references_html_loads_nothing_remote(built_a):
    import yaml
    from pypdf import PdfReader

    from crsreview.render import find_remote_references

    config = yaml.safe_load((built_a / "config/config.yaml").read_text())
    text = " ".join(
        page.extract_text() for page in PdfReader(built_a / "manuscript/build/manuscript.pdf").pages
    )
    flat = " ".join(text.replace("-\n", "").split())
    assert " ".join(config["paper"]["title"].split()[:6]) in flat
    assert "References" in flat and "Front Immunol" in flat  # the reference list is rendered
    html = (built_a / "manuscript/build/manuscript.html").read_text()
    assert find_remote_references(html) == []
    assert not re.search(r"""<(?:img|script|link)[^>]+(?:src|href)=["']https?://""", html)
