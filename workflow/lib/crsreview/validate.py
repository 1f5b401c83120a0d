"""Validation of every raw input: schema, vocabularies, cross-references and plausible ranges.

`load_raw` reads everything, collects *all* problems (file | record | field | reason) and
raises one `InputError`; on success it returns the parsed data for the cleaning step.
A file that cannot be read is reported first, and the checks that need it are skipped with
one line saying so (no cascade of "unknown source" errors behind a missing comma).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml
from referencing import Registry, Resource

from . import casefields, extraction_checks, files, schema_messages, supersede, table_checks
from . import vocab as vocab_mod
from .errors import Collector, FileProblems

# The full CSL-JSON item schema, committed unchanged (references.schema.yaml refers to it by $id).
CSL_SCHEMA_FILE = "csl-data.json"
REFERENCE_TABLES = ("mediators", "purification_methods", "syndrome_cytokines", "background_facts")
NUMBER_RE = table_checks.NUMBER_RE


@dataclass(frozen=True)
class RawPaths:
    """The raw files one step reads (explicit, so Snakemake rules can declare them)."""

    references: Path
    sources: Path
    extractions: tuple[Path, ...] = ()
    tables: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def from_dir(
        cls, raw_dir: Path, parts: frozenset[str] = frozenset({"extractions", "tables"})
    ) -> RawPaths:
        raw_dir = Path(raw_dir)
        ext = files.extraction_folder_files(raw_dir / "extractions") if "extractions" in parts else ()
        tables = (
            {t: raw_dir / "reference" / f"{t}.csv" for t in REFERENCE_TABLES} if "tables" in parts else {}
        )
        return cls(raw_dir / "references.json", raw_dir / "sources.csv", ext, tables)


@dataclass
class RawData:
    root: Path
    references: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    extractions: dict[str, dict] = field(default_factory=dict)  # display path -> document
    tables: dict[str, list[dict]] = field(default_factory=dict)
    checked_files: list[str] = field(default_factory=list)
    dictionary: casefields.Dictionary | None = None


@dataclass
class _Context:
    """What every loading step needs: schemas, vocabularies, the problem list, display names."""

    schemas_dir: Path
    vocab: dict[str, frozenset[str]]
    dictionary: casefields.Dictionary
    problems: Collector
    root: Path
    data: RawData

    def name_of(self, path: Path) -> str:
        return files.display(path, self.root)

    def schema(self, name: str) -> dict:
        return yaml.safe_load((self.schemas_dir / f"{name}.schema.yaml").read_text(encoding="utf-8"))


def _row_record(row: dict):
    return lambda inst, path: (row["_record"], ".".join(map(str, path)) or "-")


def _ref_record(inst, path):
    if path and isinstance(path[0], int) and isinstance(inst, list) and isinstance(inst[path[0]], dict):
        return str(inst[path[0]].get("id", f"item {path[0] + 1}")), ".".join(map(str, path[1:])) or "-"
    return "-", ".".join(map(str, path)) or "-"


def _load_references(ctx: _Context, path: Path) -> set[str] | None:
    """references.json (CSL-JSON): the ids of its items, or None when it cannot be read."""
    name = ctx.name_of(path)
    ctx.data.checked_files.append(name)
    refs = files.read_json(path, ctx.problems, name)
    if refs is None:
        return None
    csl = json.loads((ctx.schemas_dir / CSL_SCHEMA_FILE).read_text(encoding="utf-8"))
    registry = Registry().with_resource(csl["$id"], Resource.from_contents(csl))
    validator = jsonschema.Draft202012Validator(ctx.schema("references"), registry=registry)
    schema_messages.report(validator, refs, FileProblems(ctx.problems, name), _ref_record)
    ids: set[str] = set()
    for item in refs if isinstance(refs, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in ids:
                ctx.problems.add(name, item["id"], "id", "duplicate id")
            ids.add(item["id"])
    ctx.data.references = [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    return ids


def _load_sources(ctx: _Context, path: Path, ref_ids: set[str] | None) -> set[str] | None:
    """sources.csv: the source ids, or None when it cannot be read."""
    schema = ctx.schema("sources")
    name = ctx.name_of(path)
    ctx.data.checked_files.append(name)
    rows = files.read_csv(path, list(schema["properties"]), ctx.problems, name, key="source_id")
    if rows is None:
        return None
    validator = jsonschema.Draft202012Validator(schema)
    out = FileProblems(ctx.problems, name)
    ids: set[str] = set()
    for row in rows:
        cells = {k: v for k, v in row.items() if not k.startswith("_")}
        schema_messages.report(validator, cells, out, _row_record(row))
        if row["source_id"] in ids:
            out.add(row["_record"], "source_id", "duplicate source_id")
        ids.add(row["source_id"])
        table_checks.check_vocab_columns(row, schema, ctx.vocab, out)
    ctx.data.sources = rows
    return ids


def _known_sources(ctx: _Context, paths: RawPaths, ref_ids, src_ids) -> set[str] | None:
    """Ids in both references.json and sources.csv; None (and one line) if either is unreadable."""
    if ref_ids is None or src_ids is None:
        unreadable = [p for p, ids in ((paths.references, ref_ids), (paths.sources, src_ids)) if ids is None]
        for p in unreadable:
            ctx.problems.add_skipped(
                ctx.name_of(p),
                "checks that need this file (do the source ids of the extractions and tables exist?) "
                "were skipped; they run again once the file can be read",
            )
        return None
    ref_name, src_name = ctx.name_of(paths.references), ctx.name_of(paths.sources)
    for sid in sorted(src_ids - ref_ids):
        ctx.problems.add(ref_name, sid, "id", "source in sources.csv has no item in references.json")
    for sid in sorted(ref_ids - src_ids):
        ctx.problems.add(src_name, sid, "source_id", "item in references.json has no row in sources.csv")
    return src_ids & ref_ids


def _load_extractions(ctx: _Context, paths: RawPaths, known: set[str] | None, check: bool) -> None:
    validator = jsonschema.Draft202012Validator(ctx.schema("extraction"))
    seen_cases: dict[str, str] = {}
    all_paths = sorted(Path(p) for p in paths.extractions)
    for path in all_paths:
        name = ctx.name_of(path)
        ctx.data.checked_files.append(name)
        loaded = files.read_extraction(path, all_paths, ctx.problems, name)
        if loaded is None:
            continue
        doc, locate = loaded
        if not check:
            ctx.data.extractions[name] = doc
            continue
        out = FileProblems(ctx.problems, name, locate)
        before = len(ctx.problems.problems)
        schema_messages.report(validator, doc, out, extraction_checks.record_of)
        if isinstance(doc, dict):
            checks = extraction_checks.Checks(ctx.vocab, ctx.dictionary, out, known, seen_cases)
            checks.document(doc, path.stem)
        if len(ctx.problems.problems) == before:
            ctx.data.extractions[name] = doc


def _load_tables(ctx: _Context, paths: RawPaths, known: set[str] | None) -> None:
    for table, path in sorted(paths.tables.items()):
        schema = ctx.schema(table)
        path = Path(path)
        name = ctx.name_of(path)
        ctx.data.checked_files.append(name)
        rows = files.read_csv(path, list(schema["properties"]), ctx.problems, name, key=schema["x-key"])
        if rows is None:
            continue
        validator = jsonschema.Draft202012Validator(schema)
        out = FileProblems(ctx.problems, name)
        keys: set[str] = set()
        for row in rows:
            cells = {k: v for k, v in row.items() if not k.startswith("_")}
            schema_messages.report(validator, cells, out, _row_record(row))
            key = row[schema["x-key"]]
            if key in keys:
                out.add(row["_record"], schema["x-key"], "duplicate row id")
            keys.add(key)
            table_checks.check_row(row, schema, ctx.vocab, out, known)
        _check_superseded(rows, ctx.problems, name)
        ctx.data.tables[table] = rows


def _check_superseded(rows: list[dict], problems: Collector, name: str) -> None:
    """`superseded_by` must name other rows of the same table (see supersede.py)."""
    for record, reason in supersede.problems(rows):
        problems.add(name, record, supersede.COLUMN, reason)


def load_raw(
    raw: Path | RawPaths,
    schemas_dir: Path,
    vocab_path: Path,
    root: Path | None = None,
    check: bool = True,
) -> RawData:
    """Read and check raw inputs; raise InputError listing all problems.

    `raw` is a data/raw folder (everything) or a RawPaths naming the files of one step.
    references.json and sources.csv are always read: every cross-reference needs them.
    `check=False` only parses (the cleaning steps run after the validation gate has passed);
    syntax and encoding problems are still raised.
    """
    paths = raw if isinstance(raw, RawPaths) else RawPaths.from_dir(raw)
    schemas_dir = Path(schemas_dir)
    data = RawData(root=Path(root) if root else Path.cwd())
    ctx = _Context(
        schemas_dir,
        vocab_mod.load(vocab_path),
        casefields.load(schemas_dir),
        Collector(),
        data.root,
        data,
    )
    data.dictionary = ctx.dictionary
    ref_ids = _load_references(ctx, Path(paths.references))
    src_ids = _load_sources(ctx, Path(paths.sources), ref_ids)
    known = _known_sources(ctx, paths, ref_ids, src_ids)
    _load_extractions(ctx, paths, known, check)
    _load_tables(ctx, paths, known)
    ctx.problems.raise_if_any()
    return data


def main(argv: list[str] | None = None) -> int:
    """`make validate`: check a data/raw folder; print the problems (exit 1) or a summary."""
    import argparse
    import sys

    from .errors import InputError

    parser = argparse.ArgumentParser(description="Check the raw data (data/raw) and list every problem.")
    parser.add_argument("raw", type=Path, help="the data/raw folder")
    parser.add_argument("--schemas", type=Path, required=True, help="workflow/schemas folder")
    parser.add_argument("--quiet", action="store_true", help="print nothing when the data are valid")
    args = parser.parse_args(argv)
    root = args.raw.resolve().parent.parent
    try:
        data = load_raw(args.raw, args.schemas, args.schemas / "vocabularies.yaml", root=root)
    except InputError as exc:
        print(exc.render(), file=sys.stdout)
        print("\nFix these in data/raw (see data/README.md), then run the command again.")
        return 1
    if not args.quiet:
        n_cases = sum(len(d["cases"]) for d in data.extractions.values())
        print(f"data/raw is valid: {len(data.checked_files)} files, {n_cases} cases.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
