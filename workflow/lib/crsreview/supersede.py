"""Superseded reference rows: which rows a figure, table or sentence may show.

A reference row (so far only in `mediators.csv`) may name in `superseded_by` the row id(s) that
replace it, e.g. a vendor page's mass replaced by the value from a primary paper. The rule, the one
place it lives:

- a superseded row is hidden when one of its superseding rows is present;
- if none is present (a curator deleted it), it is still hidden when another row that is not
  superseded gives the same mediator and form;
- otherwise it is shown, because it is the only value for that mediator and form.

Every hidden row comes with the reason, so figure sidecars can list what was left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

COLUMN = "superseded_by"
GROUP = ("mediator", "form")


def ids(cell: str | None) -> list[str]:
    """Row ids of a `superseded_by` cell (`; `-separated; blank = not superseded)."""
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def is_superseded(row: dict) -> bool:
    return bool(ids(row.get(COLUMN)))


@dataclass
class Selection:
    shown: list[dict] = field(default_factory=list)
    hidden: list[tuple[dict, str]] = field(default_factory=list)  # (row, why it is hidden)
    fallback: list[dict] = field(default_factory=list)  # superseded but shown: nothing else exists

    @property
    def hidden_ids(self) -> set[str]:
        return {row["row_id"] for row, _ in self.hidden}


def select(rows: Sequence[dict], group: Sequence[str] = GROUP) -> Selection:
    """Split rows into shown and hidden (input order kept in both)."""
    present = {row["row_id"] for row in rows}
    current_groups = {tuple(row.get(c, "") for c in group) for row in rows if not is_superseded(row)}
    out = Selection()
    for row in rows:
        named = ids(row.get(COLUMN))
        if not named:
            out.shown.append(row)
            continue
        replacing = [rid for rid in named if rid in present]
        if replacing:
            out.hidden.append((row, f"superseded by {', '.join(replacing)}"))
        elif tuple(row[c] for c in group) in current_groups:
            what = " ".join(row[c] for c in group)
            out.hidden.append((row, f"superseded; other values for {what} exist"))
        else:
            out.shown.append(row)
            out.fallback.append(row)
    return out


def shown(rows: Sequence[dict], group: Sequence[str] = GROUP) -> list[dict]:
    return select(rows, group).shown


def problems(rows: Iterable[dict]) -> list[tuple[str, str]]:
    """(record, reason) for `superseded_by` cells that name no row, or the row itself."""
    rows = list(rows)
    present = {row["row_id"] for row in rows}
    out = []
    for row in rows:
        record = row.get("_record", row["row_id"])
        for rid in ids(row.get(COLUMN)):
            if rid == row["row_id"]:
                out.append((record, f"{rid!r}: a row cannot supersede itself"))
            elif rid not in present:
                out.append((record, f"{rid!r} is not a row id of this table"))
    return out


def weak_source_entries(L, sources: Sequence[dict], mediators: Sequence[dict], fact_index: dict) -> None:
    """Ledger counts of what still rests on weak sources (Methods, Table S1).

    `sources.weak.facts_in_use`: values whose every source is weak, without the superseded rows
    that are hidden; `sources.weak.facts_superseded`: values of weak sources hidden because a
    better row replaces them; `mw.weak_values`: molecular weights shown that rest on weak sources
    only; `sources.weak.with_values`: weak sources that still carry a value in use.
    """
    weak = {s["source_id"] for s in sources if s["quality"] == "weak"}
    # With no weak source the counts are 0 and rest on the whole source list.
    anchor = sorted(weak) or sorted(s["source_id"] for s in sources)
    hidden = select(mediators).hidden_ids

    def weak_only(fact: dict) -> bool:
        sids = [s.strip() for s in str(fact["source_id"]).split(";") if s.strip()]
        return bool(sids) and all(s in weak for s in sids)

    facts = [f for f in fact_index.values() if weak_only(f)]
    in_use = sorted(f["fact_id"] for f in facts if f["row_id"] not in hidden)
    replaced = sorted(f["fact_id"] for f in facts if f["row_id"] in hidden)
    mw = [fid for fid in in_use if fact_index[fid]["table"] == "mediators"]
    still = sorted({s.strip() for fid in in_use for s in fact_index[fid]["source_id"].split(";")})
    for key, items, formula in (
        (
            "sources.weak.facts_in_use",
            in_use,
            "extracted values resting only on weak sources, not superseded",
        ),
        (
            "sources.weak.facts_superseded",
            replaced,
            "values of weak sources hidden: a superseding row exists",
        ),
        ("mw.weak_values", mw, "molecular-weight values shown that rest only on weak sources"),
    ):
        L.count(key, items, formula, facts=items, fact_index=fact_index, source_ids=() if items else anchor)
    L.count(
        "sources.weak.with_values",
        still,
        "weak sources that still carry a value in use",
        source_ids=still or anchor,
    )
