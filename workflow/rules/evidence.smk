# Stage 1: raw evidence -> validated, provenance-carrying tables.
#
# Snakemake decides up front which jobs run, and every job below a re-running job re-runs.
# So that an edited extraction does not redraw the figures built from the reference tables,
# the validation gate is an ancient() input of the cleaning jobs (it orders them after
# validation without forcing them to re-run). Each cleaning job also takes the fingerprint of
# its own part as a normal input: Snakemake skips the own-input check of a job that sits below
# a re-running job, and the fingerprint job re-runs exactly when that part's files change.
#
# Content, not timestamps: Snakemake compares modification times, so restoring an older copy of
# a raw file (older mtime, new content) would leave the paper stale. The validation and the
# fingerprint jobs therefore carry the SHA-256 of their raw files as a param: a changed param
# re-runs the job (Snakemake's default `params` rerun trigger) whatever the file times say.


rule validate:
    """Check every raw file at once: schema, vocabularies, cross-references, ranges."""
    input:
        references=REFERENCES,
        sources=SOURCES,
        extractions=EXTRACTIONS,
        reference=REFERENCE_CSVS,
        schemas=REFERENCE_SCHEMAS,
        vocab=VOCAB,
        code=lib_deps("runner", "steps_evidence"),
    output:
        stamp=f"{layout.VALIDATED}/validation.json",
        # The extraction documents as parsed (YAML or spreadsheet), for clean_extractions.
        parsed=f"{layout.VALIDATED}/extractions.json",
    log:
        "logs/validate.log",
    conda:
        ENV
    # Large extraction sets are parsed in parallel (validate.PARALLEL_MIN_BYTES).
    threads: 2
    params:
        content=content_digest(RAW_FILES),
    script:
        "../scripts/validate.py"


rule fingerprint:
    """SHA-256 of one part's raw files, schemas and cleaning code (the part's change detector)."""
    input:
        files=part_files,
        shared=[REFERENCES, SOURCES, VOCAB],
        code=lib_deps("runner", "steps_evidence"),
    output:
        f"{layout.VALIDATED}/{{part}}.sha256",
    log:
        "logs/fingerprint_{part}.log",
    wildcard_constraints:
        part="extractions|reference",
    conda:
        ENV
    params:
        content=lambda wildcards: content_digest(
            [*part_files(wildcards), REFERENCES, SOURCES]
        ),
    script:
        "../scripts/fingerprint.py"


rule clean_extractions:
    """Cases, measurements (canonical units) and case facts from data/raw/extractions."""
    input:
        ancient(rules.validate.output.stamp),
        parsed=ancient(rules.validate.output.parsed),
        fingerprint=f"{layout.VALIDATED}/extractions.sha256",
        references=REFERENCES,
        sources=SOURCES,
        extractions=EXTRACTIONS,
        schemas=EXTRACTION_SCHEMAS,
        vocab=VOCAB,
        code=lib_deps("runner", "steps_evidence"),
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
        events=report(
            f"{PROCESSED}/events.csv",
            caption="../report/evidence.rst",
            category="Evidence",
            labels={"table": "events"},
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
        fingerprint=f"{layout.VALIDATED}/reference.sha256",
        references=REFERENCES,
        sources=SOURCES,
        reference=REFERENCE_CSVS,
        schemas=REFERENCE_SCHEMAS,
        vocab=VOCAB,
        code=lib_deps("runner", "steps_evidence"),
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
        code=lib_deps("runner", "steps_evidence"),
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
