import hashlib
import os
import re
import subprocess
from pathlib import Path

# Rule scripts import the shared library (workflow/lib/crsreview). Exporting its folder here
# makes that work the same way under a venv, conda or a cluster executor.
LIB = Path(workflow.basedir) / "workflow" / "lib"
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        p for p in (str(LIB), os.environ.get("PYTHONPATH", "")) if p
    )
)

LIB_IMPORT = re.compile(
    r"^\s*from \.(\w*) import ([\w, ]+)|^\s*from \.(\w+) import", re.M
)


def lib_deps(*modules):
    """Library files a rule's script imports (transitively), as inputs: a code change re-runs it.

    Snakemake's own code trigger watches only the script file, not the modules it imports.
    """
    seen, todo = set(), list(modules)
    while todo:
        name = todo.pop()
        if name in seen or not (LIB / "crsreview" / f"{name}.py").exists():
            continue
        seen.add(name)
        text = (LIB / "crsreview" / f"{name}.py").read_text(encoding="utf-8")
        for package_names, names, module in (
            (m.group(1), m.group(2), m.group(3)) for m in LIB_IMPORT.finditer(text)
        ):
            if package_names == "" and names:
                todo.extend(n.split()[0] for n in names.split(",") if n.strip())
            todo.append(module or package_names)
    return sorted(f"workflow/lib/crsreview/{name}.py" for name in seen)


RAW = "data/raw"
PROCESSED = "data/processed"
SCHEMAS = "workflow/schemas"
VOCAB = f"{SCHEMAS}/vocabularies.yaml"
ENV = "../../envs/paper.yaml"

REFERENCE_TABLES = [
    "mediators",
    "purification_methods",
    "syndrome_cytokines",
    "background_facts",
]
# Every file of the folder (not only *.yaml / *.xlsx): validation names any stray file
# (a .yml, a spreadsheet lock file, an editor backup) instead of silently ignoring it.
EXTRACTIONS = (
    sorted(str(p) for p in Path(RAW, "extractions").iterdir() if p.is_file())
    if Path(RAW, "extractions").is_dir()
    else []
)
REFERENCES = f"{RAW}/references.json"
SOURCES = f"{RAW}/sources.csv"
REFERENCE_CSVS = [f"{RAW}/reference/{t}.csv" for t in REFERENCE_TABLES]
EXTRACTION_SCHEMAS = [
    f"{SCHEMAS}/extraction.schema.yaml",
    f"{SCHEMAS}/case_fields.yaml",
    f"{SCHEMAS}/references.schema.yaml",
    f"{SCHEMAS}/csl-data.json",
    f"{SCHEMAS}/sources.schema.yaml",
]
REFERENCE_SCHEMAS = EXTRACTION_SCHEMAS + [
    f"{SCHEMAS}/{t}.schema.yaml" for t in REFERENCE_TABLES
]

EVIDENCE_PARTS = {
    "extractions": EXTRACTIONS + EXTRACTION_SCHEMAS,
    "reference": REFERENCE_CSVS + REFERENCE_SCHEMAS,
}


def part_files(wildcards):
    """Raw files and schemas of one evidence part (input of rule fingerprint)."""
    return EVIDENCE_PARTS[wildcards.part]


# Every raw file: its content digest is a param of the validate rule (see evidence.smk).
RAW_FILES = [REFERENCES, SOURCES, *EXTRACTIONS, *REFERENCE_CSVS]


def content_digest(paths):
    """SHA-256 over the contents of `paths` (small hand-curated files; read at DAG build)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.encode("utf-8") + b"\0")
        with open(path, "rb") as fh:
            digest.update(hashlib.sha256(fh.read()).digest())
    return digest.hexdigest()


EVIDENCE_OUTPUTS = [
    f"{PROCESSED}/facts.csv",
    f"{PROCESSED}/sources.csv",
    f"{PROCESSED}/cases.csv",
    f"{PROCESSED}/measurements.csv",
    f"{PROCESSED}/events.csv",
] + [f"{PROCESSED}/{t}.csv" for t in REFERENCE_TABLES]

LEDGER = f"{PROCESSED}/numbers.json"


def git_describe():
    """Commit the build runs on ('unknown' outside a git checkout, e.g. a test copy)."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=workflow.basedir,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"
