"""Large extraction sets are parsed and schema-checked in worker processes (validate.load_raw
with workers > 1). The result, and every problem reported, must be the same as in one process.

SYNTHETIC cases from tests/benchmarks/synthetic.py, written into a temporary copy of data/raw.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from crsreview import validate
from crsreview.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
import synthetic  # noqa: E402

SCHEMAS = ROOT / "workflow" / "schemas"
VOCAB = SCHEMAS / "vocabularies.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of data/raw with SYNTHETIC patients spread over several extraction files."""
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    synthetic.add_synthetic_cases(tmp_path, 2 * synthetic.CASES_PER_FILE + 5)
    return tmp_path


def _load(repo: Path, workers: int):
    return validate.load_raw(repo / "data" / "raw", SCHEMAS, VOCAB, root=repo, workers=workers)


def _problems(repo: Path, workers: int) -> str:
    with pytest.raises(InputError) as info:
        _load(repo, workers)
    return str(info.value)


def test_parallel_parse_gives_the_same_documents(repo, monkeypatch):
    monkeypatch.setattr(validate, "PARALLEL_MIN_BYTES", 0)
    one, two = _load(repo, 1), _load(repo, 2)
    assert len(two.extractions) >= 3
    assert list(two.extractions) == list(one.extractions)
    assert two.extractions == one.extractions
    assert two.checked_files == one.checked_files


def test_parallel_parse_reports_the_same_problems(repo, monkeypatch):
    monkeypatch.setattr(validate, "PARALLEL_MIN_BYTES", 0)
    files = sorted((repo / "data" / "raw" / "extractions").glob("synthetic*.yaml"))
    assert len(files) >= 3
    # A syntax error in one file, a type error and an unknown analyte in another.
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\n\tbroken: [\n", encoding="utf-8")
    text = files[1].read_text(encoding="utf-8")
    text = text.replace("analyte: IL-6", "analyte: IL6", 1).replace("value: ", "value: [", 1)
    files[1].write_text(text.replace("value: [", "value: [1]\n    # ", 1), encoding="utf-8")
    sequential = _problems(repo, 1)
    assert files[0].name in sequential and files[1].name in sequential
    assert "IL6" in sequential and "IL-6" in sequential  # the unknown analyte and its suggestion
    assert _problems(repo, 2) == sequential


def test_small_sets_stay_in_one_process(repo, monkeypatch):
    """Below the size threshold no worker is started (the real paper's case)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(validate, "ProcessPoolExecutor", refuse)
    monkeypatch.setattr(validate, "PARALLEL_MIN_BYTES", 10**12)
    assert _load(repo, 2).extractions
