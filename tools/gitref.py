"""Git helpers for the tools that compare with an earlier version (`make diff`, `make changes`).

Both need the repository's history; a release archive (`git archive`, Zenodo) has none, and
they then say so in one line instead of failing with a traceback.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class NeedsCheckout(Exception):
    """The command needs a git checkout (with history) and this tree is not one."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def require_checkout(root: Path, command: str) -> None:
    """Raise NeedsCheckout unless `root` is the top of a git work tree."""
    try:
        top = _git(root, "rev-parse", "--show-toplevel")
    except OSError:
        top = None
    if top is None or top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
        raise NeedsCheckout(
            f"make {command} needs a git checkout with history; this copy has none (e.g. a release "
            "archive) - clone the repository, or use `make verify` to check this copy"
        )


def commit_of(root: Path, ref: str) -> str:
    """Full commit hash of `ref`; ValueError with a one-line reason if it names no commit."""
    out = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if out.returncode != 0:
        raise ValueError(f"{ref!r} names no commit in this repository")
    return out.stdout.strip()


def describe(root: Path, ref: str | None = None) -> str:
    """`git describe` of `ref` (default: the working tree, marked -dirty when edited)."""
    args = ["describe", "--always", "--abbrev=12", *([ref] if ref else ["--dirty"])]
    return _git(root, *args).stdout.strip() or "unknown"


def show(root: Path, commit: str, path: str) -> str:
    """Text of `path` at `commit`."""
    out = _git(root, "show", f"{commit}:{path}")
    if out.returncode != 0:
        raise ValueError(f"{path} does not exist at {commit[:12]}")
    return out.stdout


@contextlib.contextmanager
def worktree(root: Path, ref: str, prefix: str = "crsreview-ref-") -> Iterator[Path]:
    """A detached checkout of `ref` in a temporary folder, removed afterwards."""
    commit = commit_of(root, ref)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        path = Path(tmp) / "ref"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(path), commit], cwd=root, check=True
        )
        try:
            yield path
        finally:
            _git(root, "worktree", "remove", "--force", str(path))
            _git(root, "worktree", "prune")
