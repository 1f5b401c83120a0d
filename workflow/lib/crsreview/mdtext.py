"""Safe Markdown from data strings: anything a curator typed renders as literal text."""

from __future__ import annotations

import re

# Every character pandoc Markdown may treat as syntax, including raw HTML and citations.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|@$~^&\"'])")


def escape(text: object) -> str:
    """Escape Markdown/HTML syntax and collapse whitespace so a value stays one inline run."""
    flat = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", flat)


def cite(source_ids: str | list[str]) -> str:
    """Pandoc citation for one or more source ids ('a; b' or a list)."""
    items = source_ids if isinstance(source_ids, list) else [source_ids]
    ids = sorted({i.strip() for item in items for i in str(item).split(";") if i.strip()})
    if not ids:
        return ""
    for i in ids:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", i):
            raise ValueError(f"not a citation key: {i!r}")
    return "[" + "; ".join(f"@{i}" for i in ids) + "]"


def table(columns: list[str], rows: list[list[str]], caption: str, ident: str) -> str:
    """A pandoc pipe table; cells must already be Markdown (escaped data + citations)."""
    # Dash counts set the relative column widths pandoc uses when cells wrap.
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    dashes = [min(max(w, 3), 40) for w in widths]
    out = ["| " + " | ".join(columns) + " |", "|" + "|".join("-" * d for d in dashes) + "|"]
    for row in rows:
        out.append("| " + " | ".join(cell.replace("\n", " ") or " " for cell in row) + " |")
    out.append("")
    out.append(f"Table: {caption} {{#{ident}}}")
    return "\n".join(out) + "\n"
