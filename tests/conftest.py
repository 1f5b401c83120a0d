"""Shared fixtures: temporary copies of the real raw data, to be broken on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SCHEMAS = ROOT / "workflow" / "schemas"
VOCAB = SCHEMAS / "vocabularies.yaml"


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A copy of data/raw laid out as <tmp>/data/raw (so messages show data/raw/...)."""
    dest = tmp_path / "data" / "raw"
    shutil.copytree(RAW, dest)
    return dest


def copy_repo(dest: Path) -> Path:
    """Copy the files a build needs (no outputs, no venv, no .snakemake) into `dest`."""
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        ".snakemake",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "processed",
        "build",
        "logs",
        "report.html",
        "report.zip",
    )
    for item in ["Snakefile", "config", "workflow", "data", "manuscript", "envs", "figures"]:
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / item)
    for generated in ["figures", "manuscript/tables"]:
        shutil.rmtree(dest / generated, ignore_errors=True)
    return dest


@pytest.fixture(scope="session")
def built_a(tmp_path_factory):
    """The paper built once in a fresh copy (--cores 1, PYTHONHASHSEED=1), shared by slow tests."""
    from tests.build_helpers import fresh_copy, snakemake

    repo = fresh_copy(tmp_path_factory.mktemp("a") / "repo")
    result = snakemake(repo, cores=1, hashseed="1")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return repo
