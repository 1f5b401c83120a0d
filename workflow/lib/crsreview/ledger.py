"""The numbers ledger: every number the paper states, with its formula and provenance.

An entry records value, display text, formula, the fact_ids and source_ids it rests on, the
ledger keys it was derived from and the flags of its input facts. Entries whose data cannot
support a statistic carry status 'insufficient' and a text that says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from . import numfmt

HEADLINE_FLAGS = frozenset({"seen", "computed"})


@dataclass
class Entry:
    key: str
    value: float | int | str | None
    text: str
    formula: str
    fact_ids: list[str] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)
    derived_from: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    unit: str = ""
    status: str = "ok"
    rule: str = "ledger"

    @property
    def headline_ok(self) -> bool:
        """May this number appear in the abstract or conclusion? Only seen/computed inputs."""
        return self.status == "ok" and set(self.flags) <= HEADLINE_FLAGS


class Ledger:
    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def add(
        self,
        key: str,
        value,
        text: str,
        formula: str,
        *,
        facts=(),
        derived_from=(),
        unit: str = "",
        status: str = "ok",
        fact_index: dict | None = None,
        source_ids=(),
    ) -> Entry:
        if key in self.entries:
            raise ValueError(f"ledger key {key!r} defined twice")
        fact_ids = sorted(set(facts))
        sources = {x.strip() for s in source_ids for x in str(s).split(";") if x.strip()}
        flags: set[str] = set()
        if fact_index is not None:
            for fid in fact_ids:
                fact = fact_index[fid]
                sources.update(s.strip() for s in fact["source_id"].split(";") if s.strip())
                flags.add(fact["flag"])
        for dkey in derived_from:
            dep = self.entries[dkey]
            sources.update(dep.source_ids)
            flags.update(dep.flags)
        entry = Entry(
            key,
            value,
            text,
            formula,
            fact_ids,
            sorted(sources),
            sorted(set(derived_from)),
            sorted(flags),
            unit,
            status,
        )
        self.entries[key] = entry
        return entry

    def count(self, key: str, items, formula: str, **kwargs) -> Entry:
        """An entry whose value is how many `items` there are (text: the formatted count)."""
        n = len(items)
        return self.add(key, n, numfmt.count(n), formula, **kwargs)

    def check(self, fact_ids: set[str]) -> list[str]:
        """Provenance problems: unknown fact ids, entries resting on nothing."""
        problems = []
        for key, e in sorted(self.entries.items()):
            for fid in e.fact_ids:
                if fid not in fact_ids:
                    problems.append(f"{key}: fact_id {fid!r} is not in facts.csv")
            if not e.source_ids:
                problems.append(f"{key}: no source_id (directly or through derived_from)")
        return problems

    def to_json(self) -> dict:
        numbers = {}
        for key in sorted(self.entries):
            d = asdict(self.entries[key])
            d["headline_ok"] = self.entries[key].headline_ok
            del d["key"]
            numbers[key] = d
        return {"schema_version": 1, "numbers": numbers}
