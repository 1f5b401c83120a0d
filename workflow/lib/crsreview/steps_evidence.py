"""Evidence steps: validate the raw layer, then write the cleaned, provenance-carrying tables."""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
from pathlib import Path

import yaml

from . import clean, files
from .errors import InputError, Problem
from .validate import RawPaths, load_raw

log = logging.getLogger(__name__)


def raw_paths(inp) -> RawPaths:
    """RawPaths from a Snakemake input object with named references/sources/extractions/reference."""
    tables = {Path(p).stem: Path(p) for p in getattr(inp, "reference", [])}
    return RawPaths(
        Path(inp.references),
        Path(inp.sources),
        tuple(Path(p) for p in getattr(inp, "extractions", [])),
        tables,
    )


def validate(paths: RawPaths, vocab: Path, stamp: Path, parsed: Path, workers: int = 1) -> None:
    """Check every raw file; on success write the stamp and the parsed extraction documents
    (JSON, read by clean_extractions: parsing 10 MB of YAML twice cost seconds per build)."""
    data = load_raw(paths, Path(vocab).parent, vocab, workers=workers)
    n_cases = sum(len(d["cases"]) for d in data.extractions.values())
    report = {
        "status": "valid",
        "files": {name: files.sha256_file(Path(name)) for name in sorted(data.checked_files)},
        "counts": {
            "references": len(data.references),
            "sources": len(data.sources),
            "extraction_files": len(data.extractions),
            "cases": n_cases,
            **{f"rows.{t}": len(rows) for t, rows in sorted(data.tables.items())},
        },
    }
    log.info("validated %d files, %d cases", len(report["files"]), n_cases)
    # Key order kept as parsed (it is the order of the files), compact: 2,200 cases are 10 MB.
    files.write_text(Path(parsed), json.dumps(data.extractions, ensure_ascii=False, separators=(",", ":")))
    files.write_json(stamp, report)


# Cleaning re-reads (and re-checks) only the raw files its rule declares; the validation stamp
# is a gate taken as ancient(), so an edit elsewhere does not re-run this step.


def clean_extractions(paths: RawPaths, vocab: Path, parsed: Path, out: dict[str, Path]) -> None:
    # The gate checked these files in this same build and wrote what it parsed: re-reading and
    # re-checking 2,000 cases would cost seconds. references.json and sources.csv are re-read.
    data = load_raw(dataclasses.replace(paths, extractions=()), Path(vocab).parent, vocab, check=False)
    data.extractions = json.loads(Path(parsed).read_text(encoding="utf-8"))
    meas = clean.measurements(data)
    events = clean.events(data)
    facts = (
        clean.source_facts(data)
        + clean.case_facts(data)
        + clean.measurement_facts(meas)
        + clean.event_facts(events)
    )
    files.write_csv(out["cases"], clean.case_columns(data), clean.cases(data))
    files.write_csv(out["measurements"], clean.MEASUREMENT_COLUMNS, sorted(meas, key=lambda r: r["fact_id"]))
    files.write_csv(out["events"], clean.EVENT_COLUMNS, events)
    files.write_csv(out["facts"], clean.FACT_COLUMNS, sorted(facts, key=lambda r: r["fact_id"]))


def clean_reference(paths: RawPaths, vocab: Path, out: dict[str, Path]) -> None:
    data = load_raw(paths, Path(vocab).parent, vocab)
    all_facts = []
    for table in sorted(paths.tables):
        schema_path = Path(vocab).parent / f"{table}.schema.yaml"
        schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
        columns, rows, facts = clean.reference_table(data, table, schema)
        files.write_csv(out[table], columns, rows)
        all_facts.extend(facts)
    files.write_csv(out["facts"], clean.FACT_COLUMNS, sorted(all_facts, key=lambda r: r["fact_id"]))


def _duplicate_problem(fact_id: str, rows: list[dict]) -> Problem:
    same = [r for r in rows if r["fact_id"] == fact_id]
    sources = "; ".join(sorted({r["source_id"] for r in same}))
    tables = " and ".join(sorted({r["table"] for r in same}))
    return Problem(
        f"data/raw (source {sources})",
        fact_id,
        "fact_id",
        f"the same fact id comes from {tables}: rename one (an id equal to a field name, "
        "or a case id equal to a source id)",
    )


def merge_facts(parts: list[Path], paths: RawPaths, vocab: Path, out: dict[str, Path]) -> None:
    rows = []
    for part in parts:
        with open(part, encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    seen: set[str] = set()
    dupes = sorted({r["fact_id"] for r in rows if r["fact_id"] in seen or seen.add(r["fact_id"])})
    if dupes:
        raise InputError([_duplicate_problem(fid, rows) for fid in dupes], "the cleaned facts")
    rows.sort(key=lambda r: r["fact_id"])
    files.write_csv(out["facts"], clean.FACT_COLUMNS, rows)
    data = load_raw(paths, Path(vocab).parent, vocab)
    files.write_csv(out["sources"], clean.SOURCE_COLUMNS, clean.sources(data, rows))
