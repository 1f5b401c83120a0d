"""Build the paper in temporary copies of the repository (shared by the build tests)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import fresh_build  # noqa: E402
import manifest  # noqa: E402

OUTPUT_DIRS = ("data/processed", "figures", "manuscript/build", "manuscript/tables")


def fresh_copy(dest: Path) -> Path:
    return fresh_build.copy(dest)


def snakemake(
    repo: Path,
    *args: str,
    cores: int = 2,
    hashseed: str = "0",
    wrap: list[str] | None = None,
    env: dict | None = None,
) -> subprocess.CompletedProcess:
    cmd = [*(wrap or []), sys.executable, "-m", "snakemake", "--cores", str(cores), *args]
    full_env = {**os.environ, "PYTHONHASHSEED": hashseed, **(env or {})}
    return subprocess.run(cmd, cwd=repo, env=full_env, capture_output=True, text=True, timeout=900)


def tree_hashes(root: Path, dirs=OUTPUT_DIRS) -> dict[str, str]:
    out = {}
    for d in dirs:
        base = root / d
        if base.exists():
            for p in sorted(base.rglob("*")):
                if p.is_file():
                    out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def copy_built(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def manifest_diff(root: Path) -> list[str]:
    expected = manifest.parse((ROOT / manifest.MANIFEST).read_text(encoding="utf-8"))
    return manifest.diff(expected, manifest.compute(root))
