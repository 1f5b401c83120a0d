"""Validation of every raw input: schema, vocabularies, cross-references and plausible ranges.

`load_raw` reads everything, collects *all* problems (file | record | field | reason) and
raises one `InputError`; on success it returns the parsed data for the cleaning step.
A file that cannot be read is reported first, and the checks that need it are skipped with
one line saying so (no cascade of "unknown source" errors behind a missing comma).
"""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml
from referencing import Registry, Resource

from . import casefields, extraction_checks, files, layout, schema_messages, supersede, table_checks
from . import vocab as vocab_mod
from .errors import Collector, FileProblems

# The full CSL-JSON item schema, committed unchanged (references.schema.yaml refers to it by $id).
CSL_SCHEMA_FILE = "csl-data.json"
REFERENCE_TABLES = layout.REFERENCE_TABLES
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
    read = _read_table(ctx, Path(path), schema, "source_id", "duplicate source_id")
    if read is None:
        return None
    rows, out = read
    for row in rows:
        table_checks.check_vocab_columns(row, schema, ctx.vocab, out)
    ctx.data.sources = rows
    return {row["source_id"] for row in rows}


def _read_table(ctx: _Context, path: Path, schema: dict, key: str, duplicate: str):
    """A CSV table read against its schema: every row checked, duplicate keys reported.
    Returns (rows, the file's problem list), or None when the file cannot be read."""
    name = ctx.name_of(path)
    ctx.data.checked_files.append(name)
    rows = files.read_csv(path, list(schema["properties"]), ctx.problems, name, key=key)
    if rows is None:
        return None
    validator = jsonschema.Draft202012Validator(schema)
    out = FileProblems(ctx.problems, name)
    keys: set[str] = set()
    for row in rows:
        cells = {k: v for k, v in row.items() if not k.startswith("_")}
        schema_messages.report(validator, cells, out, _row_record(row))
        if row[key] in keys:
            out.add(row["_record"], key, duplicate)
        keys.add(row[key])
    return rows, out


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


# Parsing YAML and the JSON-Schema pass are the only costly parts at thousands of cases (about
# 10 s for 2,200 richly extracted cases). Files above this total size are parsed and
# schema-checked in `workers` processes; every check that compares files runs afterwards, in order.
PARALLEL_MIN_BYTES = 2_000_000


def _parse_yaml(job: tuple[str, str, dict | None]) -> tuple[object, list, list]:
    """(document, parse problems, schema problems) of one YAML extraction (a worker's task)."""
    path, name, schema = job
    parse, found = Collector(), Collector()
    doc = files.read_yaml(Path(path), parse, name)
    if doc is not None and schema is not None:
        validator = jsonschema.Draft202012Validator(schema)
        schema_messages.report(validator, doc, FileProblems(found, name), extraction_checks.record_of)
    return doc, parse.problems, found.problems


def _pre_parse(ctx: _Context, all_paths: list[Path], check: bool, workers: int) -> dict[Path, tuple]:
    """YAML extractions parsed (and schema-checked) in parallel, when there are enough of them."""
    todo = [p for p in all_paths if p.suffix == ".yaml" and not files.not_an_extraction(p, all_paths)]
    if workers < 2 or len(todo) < 2 or sum(p.stat().st_size for p in todo) < PARALLEL_MIN_BYTES:
        return {}
    schema = ctx.schema("extraction") if check else None
    jobs = [(str(p), ctx.name_of(p), schema) for p in todo]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        return dict(zip(todo, pool.map(_parse_yaml, jobs), strict=True))


def _load_extractions(
    ctx: _Context, paths: RawPaths, known: set[str] | None, check: bool, workers: int = 1
) -> None:
    validator = jsonschema.Draft202012Validator(ctx.schema("extraction"))
    seen_cases: dict[str, str] = {}
    all_paths = sorted(Path(p) for p in paths.extractions)
    pre = _pre_parse(ctx, all_paths, check, workers)
    for path in all_paths:
        name = ctx.name_of(path)
        ctx.data.checked_files.append(name)
        if path in pre:
            doc, parse_problems, schema_problems = pre[path]
            ctx.problems.problems.extend(parse_problems)
            loaded = None if doc is None else (doc, None)
        else:
            schema_problems = None
            loaded = files.read_extraction(path, all_paths, ctx.problems, name)
        if loaded is None:
            continue
        doc, locate = loaded
        if not check:
            ctx.data.extractions[name] = doc
            continue
        out = FileProblems(ctx.problems, name, locate)
        before = len(ctx.problems.problems)
        if schema_problems is None:
            schema_messages.report(validator, doc, out, extraction_checks.record_of)
        else:
            ctx.problems.problems.extend(schema_problems)
        if isinstance(doc, dict):
            checks = extraction_checks.Checks(ctx.vocab, ctx.dictionary, out, known, seen_cases)
            checks.document(doc, path.stem)
        if len(ctx.problems.problems) == before:
            ctx.data.extractions[name] = doc


def _load_tables(ctx: _Context, paths: RawPaths, known: set[str] | None) -> None:
    for table, path in sorted(paths.tables.items()):
        schema = ctx.schema(table)
        read = _read_table(ctx, Path(path), schema, schema["x-key"], "duplicate row id")
        if read is None:
            continue
        rows, out = read
        for row in rows:
            table_checks.check_row(row, schema, ctx.vocab, out, known)
        _check_superseded(rows, ctx.problems, ctx.name_of(Path(path)))
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
    workers: int = 1,
) -> RawData:
    """Read and check raw inputs; raise InputError listing all problems.

    `raw` is a data/raw folder (everything) or a RawPaths naming the files of one step.
    references.json and sources.csv are always read: every cross-reference needs them.
    `check=False` only parses (the cleaning steps run after the validation gate has passed);
    syntax and encoding problems are still raised. `workers` > 1 parses large sets of YAML
    extractions in that many processes (same result, in less time).
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
    _load_extractions(ctx, paths, known, check, workers)
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
    parser.add_argument(
        "--workers", type=int, default=2, help="processes for large extraction sets (as the validate rule)"
    )
    args = parser.parse_args(argv)
    root = args.raw.resolve().parent.parent
    try:
        data = load_raw(
            args.raw, args.schemas, args.schemas / "vocabularies.yaml", root=root, workers=args.workers
        )
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
