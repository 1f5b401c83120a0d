"""The build's error family and input problems that name file, record, field and reason.

`BuildError` is the base class of every error the build reports to a person without a traceback:
`InputError` (data problems, always file | record | field | reason, collected and raised
together) and the manuscript's template and render errors (subclasses live in manuscript.py
and render.py). `runner.run` prints each kind in one clear block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# Problems with this rank are files that could not be read at all: listed first, because
# every other message about them (or depending on them) would be a consequence.
PARSE = 0
SKIPPED = 1  # "checks that need this file were skipped": right after the cause
CHECK = 2


class BuildError(Exception):
    """An error for a person to fix (data, template, rendering); printed without a traceback."""

    title = "build error"

    def render(self) -> str:
        return str(self)


class TemplateError(BuildError, ValueError):
    """A manuscript template asked for something the ledger or sidecars do not have."""

    title = "problem in a manuscript template"


class RenderingError(BuildError, RuntimeError):
    """pandoc or typst failed, or the rendered result broke a rule (e.g. a remote resource)."""

    title = "the manuscript could not be rendered"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one value of one input file."""

    file: str
    record: str
    field: str
    reason: str
    rank: int = field(default=CHECK, compare=False)

    def __str__(self) -> str:
        return f"{self.file} | record {self.record} | field {self.field} | {self.reason}"


def _order(p: Problem) -> tuple:
    return (p.rank, p.file, p.record, p.field, p.reason)


class InputError(BuildError):
    """Raised with every problem found, so authors fix them all in one pass."""

    title = "problems in the input data"

    def __init__(self, problems: list[Problem], subject: str = "the raw data"):
        unique: dict[tuple, Problem] = {}
        for p in problems:
            unique.setdefault((p.file, p.record, p.field, p.reason), p)
        self.problems = sorted(unique.values(), key=_order)
        self.subject = subject
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.subject} (file | record | field | reason):"
        parse = [p for p in self.problems if p.rank != CHECK]
        rest = [p for p in self.problems if p.rank == CHECK]
        lines = [head]
        if parse:
            lines.append("  Files that could not be read (fix these first):")
            lines.extend(f"  - {p}" for p in parse)
            if rest:
                lines.append("  Other problems:")
        lines.extend(f"  - {p}" for p in rest)
        return "\n".join(lines)


class Collector:
    """Accumulates problems while a check walks through the inputs."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, record: object, field: str, reason: str) -> None:
        self.problems.append(Problem(str(file), str(record), str(field), reason))

    def add_parse(self, file: str, record: object, field: str, reason: str) -> None:
        """A file that cannot be read (syntax, encoding, size): reported first."""
        self.problems.append(Problem(str(file), str(record), str(field), reason, PARSE))

    def add_skipped(self, file: str, reason: str) -> None:
        """One line saying which checks were skipped because `file` could not be read."""
        self.problems.append(Problem(str(file), "-", "-", reason, SKIPPED))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)


@dataclass
class FileProblems:
    """The problems of one file; `locate` adds where a record sits (sheet, row, column)."""

    collector: Collector
    file: str
    locate: Callable[[str, str], str | None] | None = None

    def add(self, record: object, field: str, reason: str) -> None:
        record = str(record)
        where = self.locate(record, str(field)) if self.locate else None
        if where:
            record = f"{record} ({where})"
        self.collector.add(self.file, record, field, reason)


class AuditError(TemplateError, InputError):
    """The number audit found text the ledger did not produce: one problem per finding, named
    as template | line | token | reason (a template problem, printed like a data problem)."""

    title = "numbers in the manuscript that the ledger did not produce"

    def __init__(self, problems: list[Problem]):
        InputError.__init__(self, problems, subject="the manuscript templates and captions")
