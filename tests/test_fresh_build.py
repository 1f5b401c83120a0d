"""Fresh copies for builds and `make verify` work without git (a release archive has no .git)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import fresh_build  # noqa: E402


def test_ignore_rules_follow_gitignore_semantics():
    rules = fresh_build.IgnoreRules(
        ["# c", "", ".venv/", "*.pyc", "/logs/", "data/processed/", "/report.html"]
    )
    assert rules.ignored(".venv", True) and rules.ignored("sub/.venv", True)
    assert not rules.ignored(".venv", False)  # a trailing slash matches directories only
    assert rules.ignored("workflow/lib/x.pyc", False)
    assert rules.ignored("logs", True) and not rules.ignored("docs/logs", True)  # anchored
    assert rules.ignored("data/processed", True) and not rules.ignored("x/data/processed", True)
    assert rules.ignored("report.html", False) and not rules.ignored("docs/report.html", False)
    with pytest.raises(ValueError, match="not supported"):
        fresh_build.IgnoreRules(["!keep.me"])


def test_copy_of_an_archive_like_tree_has_the_same_files(tmp_path):
    """Copying needs no git: a copy (no .git) copies again to the same file list, outputs excluded."""
    first = fresh_build.copy(tmp_path / "first")
    assert not (first / ".git").exists()
    (first / "figures").mkdir(exist_ok=True)
    (first / "figures" / "evidence-map.svg").write_text("built output")
    (first / "logs").mkdir(exist_ok=True)
    (first / "logs" / "x.log").write_text("log")
    assert fresh_build.repo_files(first) == fresh_build.repo_files(ROOT)
    assert not {"figures/evidence-map.svg", "logs/x.log"} & set(fresh_build.repo_files(first))


@pytest.mark.skipif(
    not (ROOT / ".git").exists() or shutil.which("git") is None, reason="needs a git checkout"
)
def test_file_list_matches_what_git_would_give_a_clone():
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    assert fresh_build.repo_files(ROOT) == sorted(p for p in out.split("\0") if p and (ROOT / p).is_file())


@pytest.mark.slow
def test_build_copy_has_no_git_and_records_the_commit_as_unknown(built_a):
    """The shared build runs in a copy without .git, as in a release archive (so that works)."""
    assert not (built_a / ".git").exists()
    assert "git commit: unknown" in (built_a / "reports/build-info.txt").read_text()
    assert (built_a / "manuscript/build/manuscript.pdf").stat().st_size > 0
