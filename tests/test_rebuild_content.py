"""Content, not timestamps (issue 12 §5), and the `make validate` command's report."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.bad_inputs.catalogue import CATALOGUE
from tests.build_helpers import fresh_copy, snakemake
from tests.conftest import ROOT, SCHEMAS

TARGET = "data/processed/facts.csv"


def test_restored_older_file_with_new_content_still_rebuilds(tmp_path):
    repo = fresh_copy(tmp_path / "repo")
    first = snakemake(repo, TARGET, cores=1)
    assert first.returncode == 0, first.stderr[-2000:]
    path = repo / "data/raw/extractions/xiao2019.yaml"
    old = path.stat()
    path.write_text(path.read_text().replace("locator: title\n", "locator: title (restored copy)\n", 1))
    # An older copy restored from a backup: new content, modification time in the past.
    os.utime(path, (old.st_atime - 10**6, old.st_mtime - 10**6))
    plan = snakemake(repo, TARGET, "--dry-run", "--quiet", "rules")
    planned = set(re.findall(r"^(\w+)\s+\d+$", plan.stdout, re.M))
    assert {"validate", "clean_extractions", "facts"} <= planned, plan.stdout
    run = snakemake(repo, TARGET, cores=1)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "title (restored copy)" in (repo / TARGET).read_text(encoding="utf-8")


def test_validate_command_prints_the_problem_list_and_exits_1(raw_copy):
    next(b for b in CATALOGUE if b.name == "extraction saved as .yml").change(raw_copy)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workflow" / "lib")}
    cmd = [sys.executable, "-m", "crsreview.validate", str(raw_copy), "--schemas", str(SCHEMAS)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=raw_copy.parent.parent)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert (
        "data/raw/extractions/test2026.yml" in result.stdout and "rename it to test2026.yaml" in result.stdout
    )
    ok = subprocess.run([*cmd[:3], str(ROOT / "data/raw"), *cmd[4:]], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("data/raw is valid")
