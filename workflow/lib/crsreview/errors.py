"""Input problems that name file, record, field and reason, collected and raised together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one value of one input file."""

    file: str
    record: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} | record {self.record} | field {self.field} | {self.reason}"


class InputError(Exception):
    """Raised with every problem found, so authors fix them all in one pass."""

    def __init__(self, problems: list[Problem], subject: str = "the raw data"):
        self.problems = sorted(set(problems))
        self.subject = subject
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.subject} (file | record | field | reason):"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class Collector:
    """Accumulates problems while a check walks through the inputs."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, record: object, field: str, reason: str) -> None:
        self.problems.append(Problem(str(file), str(record), str(field), reason))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)
