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
        stamp=f"{PROCESSED}/validation.json",
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
        cases=f"{PROCESSED}/cases.csv",
        measurements=f"{PROCESSED}/measurements.csv",
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
        **{t: f"{PROCESSED}/{t}.csv" for t in REFERENCE_TABLES},
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
        facts=f"{PROCESSED}/facts.csv",
        sources=f"{PROCESSED}/sources.csv",
    log:
        "logs/facts.log",
    conda:
        ENV
    script:
        "../scripts/merge_facts.py"
