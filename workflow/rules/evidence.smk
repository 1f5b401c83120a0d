# Stage 1: raw evidence -> validated, provenance-carrying tables.


rule validate:
    """Check every raw file at once: schema, vocabularies, cross-references, ranges."""
    input:
        references=REFERENCES,
        sources=SOURCES,
        extractions=EXTRACTIONS,
        reference=REFERENCE_CSVS,
        schemas=REFERENCE_SCHEMAS,
        vocab=VOCAB,
    output:
        stamp="data/validated/validation.json",
    log:
        "logs/validate.log",
    conda:
        ENV
    script:
        "../scripts/validate.py"


# The validation stamp is ancient(): it orders the cleaning jobs after validation, but an
# edit to an extraction does not re-run the reference tables (and their figures) or back.
rule clean_extractions:
    """Cases, measurements (canonical units) and case facts from data/raw/extractions."""
    input:
        ancient(rules.validate.output.stamp),
        references=REFERENCES,
        sources=SOURCES,
        extractions=EXTRACTIONS,
        schemas=EXTRACTION_SCHEMAS,
        vocab=VOCAB,
    output:
        cases=report(
            f"{PROCESSED}/cases.csv",
            caption="../report/evidence.rst",
            category="Evidence",
            labels={"table": "cases"},
        ),
        measurements=report(
            f"{PROCESSED}/measurements.csv",
            caption="../report/evidence.rst",
            category="Evidence",
            labels={"table": "measurements"},
        ),
        facts=f"{PROCESSED}/parts/facts_extractions.csv",
    log:
        "logs/clean_extractions.log",
    conda:
        ENV
    script:
        "../scripts/clean_extractions.py"


rule clean_reference:
    """Reference tables (molecular weights, techniques, syndrome cytokines, background)."""
    input:
        ancient(rules.validate.output.stamp),
        references=REFERENCES,
        sources=SOURCES,
        reference=REFERENCE_CSVS,
        schemas=REFERENCE_SCHEMAS,
        vocab=VOCAB,
    output:
        **{
            t: report(
                f"{PROCESSED}/{t}.csv",
                caption="../report/evidence.rst",
                category="Evidence",
                labels={"table": t},
            )
            for t in REFERENCE_TABLES
        },
        facts=f"{PROCESSED}/parts/facts_reference.csv",
    log:
        "logs/clean_reference.log",
    conda:
        ENV
    script:
        "../scripts/clean_reference.py"


rule facts:
    """The provenance backbone: one row per extracted value, and the sources table."""
    input:
        parts=[
            rules.clean_extractions.output.facts,
            rules.clean_reference.output.facts,
        ],
        references=REFERENCES,
        sources=SOURCES,
        schemas=EXTRACTION_SCHEMAS,
        vocab=VOCAB,
    output:
        facts=report(
            f"{PROCESSED}/facts.csv",
            caption="../report/evidence.rst",
            category="Evidence",
            labels={"table": "facts"},
        ),
        sources=report(
            f"{PROCESSED}/sources.csv",
            caption="../report/evidence.rst",
            category="Evidence",
            labels={"table": "sources"},
        ),
    log:
        "logs/facts.log",
    conda:
        ENV
    script:
        "../scripts/merge_facts.py"
