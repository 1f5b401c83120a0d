"""Strict readers and atomic writers.

Readers report encoding, size and syntax problems as `Problem`s instead of crashing, so one
validation pass can list every mistake. Writers replace the target only when the whole file
has been written, so a failed job never leaves a partial output behind.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml

from .errors import Collector

# Hand-curated inputs are small; anything larger is a mistake (a pasted dump, a wrong file).
MAX_INPUT_BYTES = 5 * 1024 * 1024


def display(path: Path, root: Path | None = None) -> str:
    """Path as shown in messages and outputs: relative, never absolute."""
    path = Path(path)
    if root is not None:
        with contextlib.suppress(ValueError):
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
    return path.as_posix()


def read_text(path: Path, problems: Collector, name: str) -> str | None:
    """UTF-8 text without BOM, non-empty, not oversized; None (and a problem) otherwise."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.add(name, "-", "-", f"cannot read file ({exc.strerror})")
        return None
    if size > MAX_INPUT_BYTES:
        problems.add(name, "-", "-", f"file is {size} bytes; the limit for raw inputs is {MAX_INPUT_BYTES}")
        return None
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        problems.add(name, "-", "-", "file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(name, f"line {line}", "-", f"bytes are not valid UTF-8 at offset {exc.start}")
        return None
    if not text.strip():
        problems.add(name, "-", "-", "file is empty")
        return None
    return text


# libyaml's C parser is ~4x faster than the pure-Python one on large extraction files.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):
    """Safe loader that rejects duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, problems: Collector, name: str) -> object | None:
    text = read_text(path, problems, name)
    if text is None:
        return None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "-"
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.add(name, where, "-", f"YAML syntax error: {reason}")
        return None


def read_json(path: Path, problems: Collector, name: str) -> object | None:
    text = read_text(path, problems, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(name, f"line {exc.lineno}, column {exc.colno}", "-", f"JSON syntax error: {exc.msg}")
        return None


def read_csv(
    path: Path, columns: Sequence[str], problems: Collector, name: str, key: str | None = None
) -> list[dict[str, str]] | None:
    """Rows of a comma-separated file whose header must equal `columns` (order free)."""
    text = read_text(path, problems, name)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        problems.add(name, f"line {reader.line_num}", "-", f"CSV syntax error: {exc}")
        return None
    header = rows[0]
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        problems.add(name, "header", "-", "header has one column: the delimiter must be a comma")
        return None
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    for col in missing:
        problems.add(name, "header", col, "required column is missing")
    for col in extra:
        problems.add(name, "header", col, "unknown column (not in the schema)")
    dupes = sorted({c for c in header if header.count(c) > 1})
    for col in dupes:
        problems.add(name, "header", col, "column appears more than once")
    if missing or extra or dupes:
        return None
    out = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        record = f"line {lineno}"
        if key is not None and len(row) > header.index(key):
            record = f"{row[header.index(key)] or '(blank)'} (line {lineno})"
        if len(row) != len(header):
            problems.add(name, record, "-", f"row has {len(row)} cells; the header has {len(header)}")
            continue
        out.append({"_line": str(lineno), "_record": record, **dict(zip(header, row, strict=True))})
    return out


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling path; move it onto `target` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_json(target: Path, obj: object) -> None:
    write_text(target, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def write_csv(target: Path, columns: Sequence[str], rows: Sequence[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: to_cell(row.get(c)) for c in columns})
    write_text(target, buf.getvalue())


def to_cell(value: object) -> str:
    """Deterministic text for a CSV cell: shortest round-trip floats, '' for missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(to_cell(v) for v in value)
    return str(value)
