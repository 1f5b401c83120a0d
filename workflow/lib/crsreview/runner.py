"""Uniform entry point for rule scripts: log file, clear one-screen errors, exit codes.

Errors for a person to fix (`errors.BuildError`: input data, templates, rendering) are printed
as one block, without a traceback. Anything else is a bug: the traceback goes to the rule's log
and a one-line summary to the terminal.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from .errors import BuildError

RULE = "=" * 72


def block(name: str, exc: BuildError) -> str:
    """One framed block: which step stopped, what kind of problem, the problems themselves."""
    body = "\n".join(f"  {line}" if line else "" for line in exc.render().splitlines())
    return f"{RULE}\n[{name}] stopped: {exc.title}\n{body}\n{RULE}"


def run(log_path: str | Path, step: Callable[[], None], name: str) -> None:
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(log_path, mode="w", encoding="utf-8")],
        force=True,
    )
    try:
        step()
    except BuildError as exc:
        message = block(name, exc)
        logging.getLogger(name).error(message)
        print(message, file=sys.stderr)
        sys.exit(1)
    except Exception as exc:
        logging.getLogger(name).error(traceback.format_exc())
        print(f"[{name}] failed: {type(exc).__name__}: {exc} (traceback in {log_path})", file=sys.stderr)
        sys.exit(1)
    logging.getLogger(name).info("done")
