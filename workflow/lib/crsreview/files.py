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
from .suggest import did_you_mean

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
    if not read_text_size(path, problems, name):
        return None
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        problems.add_parse(
            name, "-", "-", "file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 without BOM"
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add_parse(
            name,
            f"line {line}",
            "-",
            f"bytes are not valid UTF-8 at offset {exc.start}; save the file as UTF-8",
        )
        return None
    if not text.strip():
        problems.add_parse(name, "-", "-", "file is empty")
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


def _yaml_reason(exc: yaml.YAMLError, text: str) -> tuple[str, str]:
    """(where, reason) of a YAML error in plain words."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return "-", f"YAML syntax error: {str(exc).splitlines()[0]}"
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line:
        return where, f"YAML syntax error: line {mark.line + 1} has a tab: indent with spaces, not tabs"
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    hint = _YAML_HINTS.get(problem, "")
    return where, f"YAML syntax error: {problem}{hint}"


# Plain-language hints for the YAML errors co-authors actually make.
_YAML_HINTS = {
    "mapping values are not allowed here": " (a value contains ': '; put the value in quotes)",
    "could not find expected ':'": " (a line is missing the ':' after its field name)",
    "found character that cannot start any token": " (a value starts with a special character; quote it)",
}


def read_yaml(path: Path, problems: Collector, name: str) -> object | None:
    text = read_text(path, problems, name)
    if text is None:
        return None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        where, reason = _yaml_reason(exc, text)
        problems.add_parse(name, where, "-", reason)
        return None


def read_json(path: Path, problems: Collector, name: str) -> object | None:
    text = read_text(path, problems, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = next((h for key, h in _JSON_HINTS.items() if exc.msg.startswith(key)), "")
        problems.add_parse(
            name, f"line {exc.lineno}, column {exc.colno}", "-", f"JSON syntax error: {exc.msg}{hint}"
        )
        return None


# Plain-language hints for the JSON errors a hand edit causes.
_JSON_HINTS = {
    "Expecting ',' delimiter": " (a comma is missing between two items or two fields just before this point)",
    "Expecting property name enclosed in double quotes": (
        " (a field name needs double quotes, or there is a comma after the last field)"
    ),
    "Expecting value": " (a value is missing, or there is a comma after the last item)",
    "Extra data": " (text after the closing ']': the file must hold one list)",
}


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
        problems.add_parse(name, f"line {reader.line_num}", "-", f"CSV syntax error: {exc}")
        return None
    header = rows[0]
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        problems.add_parse(name, "header", "-", "header has one column: the delimiter must be a comma")
        return None
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    for col in missing:
        problems.add_parse(name, "header", col, "required column is missing")
    for col in extra:
        problems.add_parse(
            name, "header", col, f"unknown column (not in the schema){did_you_mean(col, missing)}"
        )
    dupes = sorted({c for c in header if header.count(c) > 1})
    for col in dupes:
        problems.add_parse(name, "header", col, "column appears more than once")
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


# Extraction files: YAML or a spreadsheet form. `.yml` is refused (with advice) rather than
# accepted, so that one source has one file name and the Snakefile's file list stays simple.
EXTRACTION_SUFFIXES = (".yaml", ".xlsx")
_STRAY_ADVICE = (
    (
        lambda p: p.name.startswith(("~$", ".~lock.")),
        "a lock file of an open spreadsheet: close the spreadsheet "
        "program (or delete this file if no program has it open)",
    ),
    (
        lambda p: p.name.endswith(("~", ".bak", ".orig", ".swp", ".swo", ".tmp")) or p.name.startswith(".#"),
        "an editor backup or swap file: delete it or move it out of data/raw/extractions",
    ),
    (lambda p: p.suffix == ".yml", "rename it to {stem}.yaml (extraction files end in .yaml or .xlsx)"),
    (
        lambda p: p.suffix in (".xls", ".ods", ".csv", ".xlsm"),
        "save it as an Excel Workbook ({stem}.xlsx); "
        "`make extraction-form SOURCE={stem}` writes a blank form",
    ),
)


def extraction_folder_files(folder: Path) -> tuple[Path, ...]:
    """Every file in the extraction folder (strays included, so validation can name them)."""
    folder = Path(folder)
    if not folder.is_dir():
        return ()
    return tuple(sorted(p for p in folder.iterdir() if p.is_file()))


def stray_advice(path: Path) -> str | None:
    """What to do with a file that is not an extraction (None for <id>.yaml / <id>.xlsx)."""
    path = Path(path)
    for matches, advice in _STRAY_ADVICE:
        if matches(path):
            return f"not an extraction file: {advice.format(stem=path.stem)}"
    if path.suffix in EXTRACTION_SUFFIXES and not path.name.startswith("."):
        return None
    return "not an extraction file (extraction files are <source_id>.yaml or <source_id>.xlsx): move it out"


def read_extraction(path: Path, all_paths, problems: Collector, name: str):
    """(document, locate) of an extraction file, or None after reporting why it cannot be read.

    `locate(record, field)` names the sheet, row and column of a spreadsheet record (None for
    YAML, whose messages name the case and field)."""
    path = Path(path)
    if reason := not_an_extraction(path, all_paths):
        problems.add_parse(name, "-", "-", reason)
        return None
    if path.suffix == ".xlsx":
        from . import xlsx_extraction

        if read_text_size(path, problems, name):
            return xlsx_extraction.read(path, problems, name)
        return None
    doc = read_yaml(path, problems, name)
    return None if doc is None else (doc, None)


def not_an_extraction(path: Path, all_paths) -> str | None:
    """Why a file of the extractions folder is not read as an extraction (None: it is)."""
    path = Path(path)
    if advice := stray_advice(path):
        return advice
    twins = [p for p in all_paths if Path(p).stem == path.stem and Path(p) != path and not stray_advice(p)]
    if twins:
        return f"the same source is also in {Path(twins[0]).name}: keep one of the two files"
    return None


def read_text_size(path: Path, problems: Collector, name: str) -> bool:
    """True if the file exists and is within the size limit (binary files: no text checks)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.add_parse(name, "-", "-", f"cannot read file ({exc.strerror})")
        return False
    if size > MAX_INPUT_BYTES:
        problems.add_parse(
            name, "-", "-", f"file is {size} bytes; the limit for raw inputs is {MAX_INPUT_BYTES}"
        )
        return False
    return True


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
