# Stage 2: processed tables -> the numbers ledger.


rule ledger:
    """Every number the paper states, with formula, input facts and sources."""
    input:
        **{t: f"{PROCESSED}/{t}.csv" for t in REFERENCE_TABLES},
        facts=f"{PROCESSED}/facts.csv",
        sources=f"{PROCESSED}/sources.csv",
        cases=f"{PROCESSED}/cases.csv",
        measurements=f"{PROCESSED}/measurements.csv",
        events=f"{PROCESSED}/events.csv",
        code=lib_deps("runner", "steps_ledger"),
    output:
        ledger=report(
            LEDGER,
            caption="../report/ledger.rst",
            category="Provenance",
            labels={"output": "numbers ledger"},
        ),
    log:
        "logs/ledger.log",
    conda:
        ENV
    params:
        analysis=config["analysis"],
        follows=config["paper"]["follows"]["source_id"],
        max_vignettes=config["manuscript"]["max_vignettes"],
    script:
        "../scripts/ledger.py"


TABLES = ["table1-cases", "table2-methods", "table3-syndromes", "tableS1-sources"]
TABLE_DIR = "manuscript/tables"


rule tables:
    """Tables 1-3 and S1 (CSV + Markdown) and tables.json with the facts behind each."""
    input:
        facts=f"{PROCESSED}/facts.csv",
        sources=f"{PROCESSED}/sources.csv",
        cases=f"{PROCESSED}/cases.csv",
        purification_methods=f"{PROCESSED}/purification_methods.csv",
        syndrome_cytokines=f"{PROCESSED}/syndrome_cytokines.csv",
        ledger=LEDGER,
        code=lib_deps("runner", "steps_tables"),
    output:
        csv=[f"{TABLE_DIR}/{t}.csv" for t in TABLES],
        md=[
            report(
                f"{TABLE_DIR}/{t}.md",
                caption="../report/tables.rst",
                category="Tables",
                labels={"table": t, "format": "Markdown"},
            )
            for t in TABLES
        ],
        sidecar=f"{TABLE_DIR}/tables.json",
    log:
        "logs/tables.log",
    conda:
        ENV
    params:
        reference=config["analysis"]["reference_syndrome"],
    script:
        "../scripts/tables.py"
