import os
from pathlib import Path

# Rule scripts import the shared library (workflow/lib/crsreview). Exporting its folder here
# makes that work the same way under a venv, conda or a cluster executor.
LIB = Path(workflow.basedir) / "workflow" / "lib"
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        p for p in (str(LIB), os.environ.get("PYTHONPATH", "")) if p
    )
)

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
EXTRACTIONS = sorted(str(p) for p in Path(RAW, "extractions").glob("*.yaml"))
REFERENCES = f"{RAW}/references.json"
SOURCES = f"{RAW}/sources.csv"
REFERENCE_CSVS = [f"{RAW}/reference/{t}.csv" for t in REFERENCE_TABLES]
EXTRACTION_SCHEMAS = [
    f"{SCHEMAS}/extraction.schema.yaml",
    f"{SCHEMAS}/references.schema.yaml",
    f"{SCHEMAS}/sources.schema.yaml",
]
REFERENCE_SCHEMAS = EXTRACTION_SCHEMAS + [
    f"{SCHEMAS}/{t}.schema.yaml" for t in REFERENCE_TABLES
]

EVIDENCE_OUTPUTS = [
    f"{PROCESSED}/facts.csv",
    f"{PROCESSED}/sources.csv",
    f"{PROCESSED}/cases.csv",
    f"{PROCESSED}/measurements.csv",
] + [f"{PROCESSED}/{t}.csv" for t in REFERENCE_TABLES]

LEDGER = f"{PROCESSED}/numbers.json"
