"""The repository layout, in one place: folders, table names, the figure table, sidecar names.

Standard library only, because the Snakefile imports it while it builds the DAG
(workflow/rules/common.smk) and the library imports it at run time. Every path here is
relative to the workflow's working directory (the repository root); the library never walks
up from ``__file__`` to find a folder, it receives paths from the rules' inputs and params.
"""

from __future__ import annotations

# Folders (relative to the repository root).
RAW = "data/raw"
VALIDATED = "data/validated"
PROCESSED = "data/processed"
SCHEMAS = "workflow/schemas"
LIBRARY = "workflow/lib/crsreview"
FIGURES = "figures"
TABLES = "manuscript/tables"
BUILD = "manuscript/build"
TEMPLATES = "manuscript/templates"
PANDOC = "manuscript/pandoc"

VOCABULARY = f"{SCHEMAS}/vocabularies.yaml"
LEDGER = f"{PROCESSED}/numbers.json"

# Hand-curated reference tables: data/raw/reference/<name>.csv, schema <name>.schema.yaml,
# cleaned to data/processed/<name>.csv.
REFERENCE_TABLES = ("mediators", "purification_methods", "syndrome_cytokines", "background_facts")

# Tables cleaning writes from the extractions (data/processed/<name>.csv).
EVIDENCE_TABLES = ("facts", "sources", "cases", "measurements", "events")

# The paper's tables (manuscript/tables/<name>.csv|md) and the sidecar of the facts behind them.
PAPER_TABLES = ("table1-cases", "table2-methods", "table3-syndromes", "tableS1-sources")
TABLES_SIDECAR = f"{TABLES}/tables.json"

# The figure table, in the order the manuscript places the figures (their numbers come only
# from that placement: figref() in the templates). name: (library module, input tables under
# data/processed, whether it takes config `analysis:`). docs/architecture.md "How to add a figure".
FIGURE_TABLE: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "evidence-map": ("fig_evidence_map", ("cases", "facts"), False),
    "case-timelines": ("fig_case_timelines", ("cases", "events", "facts"), True),
    "case-cytokines": ("fig_case_cytokines", ("cases", "measurements", "facts"), True),
    "size-windows": ("fig_size_windows", ("mediators", "purification_methods"), False),
    "pe-kinetics": ("fig_pe_kinetics", ("purification_methods", "cases", "facts"), False),
    "syndrome-cytokines": ("fig_syndrome_cytokines", ("syndrome_cytokines",), False),
}
FIGURE_FORMATS = ("svg", "png", "json")
# The one rule script every figure runs; named in each sidecar.
FIGURE_SCRIPT = "workflow/scripts/figure.py"


def processed(table: str) -> str:
    """data/processed/<table>.csv"""
    return f"{PROCESSED}/{table}.csv"


def figure_file(name: str, ext: str) -> str:
    """figures/<name>.<ext> (ext: svg, png or json, the sidecar)."""
    return f"{FIGURES}/{name}.{ext}"


def figure_sidecar(name: str) -> str:
    return figure_file(name, "json")


def library_file(module: str) -> str:
    """Repository path of a library module, from its name (``fig_x`` or ``crsreview.fig_x``)."""
    return f"{LIBRARY}/{module.rsplit('.', 1)[-1]}.py"
