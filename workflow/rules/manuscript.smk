# Stage 4: ledger + tables + figures -> audited Markdown -> HTML, DOCX, PDF.

BUILD = layout.BUILD
# Section templates (*.md.j2, rendered in name order) and the macros they import (*.j2).
TEMPLATES = sorted(str(p) for p in Path(layout.TEMPLATES).glob("*.j2"))
CSL = "manuscript/csl/vancouver-numeric.csl"
CSS = "manuscript/assets/manuscript.css"
PANDOC_FILES = sorted(str(p) for p in Path(layout.PANDOC).glob("*"))
MANUSCRIPT_INPUTS = dict(
    templates=TEMPLATES,
    ledger=LEDGER,
    facts=f"{PROCESSED}/facts.csv",
    sources=f"{PROCESSED}/sources.csv",
    tables_md=rules.tables.output.md,
    tables_sidecar=rules.tables.output.sidecar,
    figure_sidecars=[layout.figure_sidecar(f) for f in FIGURES],
    vocab=VOCAB,
)
MANUSCRIPT_OUTPUTS = [f"{BUILD}/manuscript.{ext}" for ext in ("html", "docx", "pdf")]


rule manuscript_markdown:
    """Render the section templates with numbers from the ledger; add the provenance appendix."""
    input:
        **MANUSCRIPT_INPUTS,
        code=lib_deps("runner", "steps_manuscript"),
    output:
        md=f"{BUILD}/manuscript.md",
        used=f"{BUILD}/numbers-used.json",
    log:
        "logs/manuscript_markdown.log",
    conda:
        ENV
    params:
        paper=config["paper"],
        grading=config.get("grading", {}),
    script:
        "../scripts/manuscript_markdown.py"


rule audit:
    """Fail when the body holds a number the ledger did not produce (names template and line)."""

    # The audit renders the templates itself (in audit mode) and does not read manuscript.md,
    # so it runs beside manuscript_markdown; every format waits for both.
    input:
        **MANUSCRIPT_INPUTS,
        # Report captions state no data (the audit checks them too).
        captions=sorted(str(p) for p in Path("workflow/report").glob("*.rst")),
        code=lib_deps("runner", "steps_manuscript"),
    output:
        report(
            f"{BUILD}/audit.json",
            caption="../report/audit.rst",
            category="Provenance",
            labels={"output": "number audit"},
        ),
    log:
        "logs/audit.log",
    conda:
        ENV
    params:
        paper=config["paper"],
        grading=config.get("grading", {}),
        audit=config.get("audit", {}),
    script:
        "../scripts/audit.py"


rule manuscript_html:
    """Standalone HTML: every resource embedded, numbers linked to the appendix."""
    input:
        md=rules.manuscript_markdown.output.md,
        audit=rules.audit.output[0],
        bib=REFERENCES,
        csl=CSL,
        css=CSS,
        pandoc=PANDOC_FILES,
        figures=[layout.figure_file(f, "svg") for f in FIGURES],
        code=lib_deps("runner", "steps_manuscript"),
    output:
        report(
            f"{BUILD}/manuscript.html",
            caption="../report/manuscript.rst",
            category="Manuscript",
            labels={"format": "HTML"},
        ),
    log:
        "logs/manuscript_html.log",
    conda:
        ENV
    params:
        paper=config["paper"],
        build=config["build"],
        fmt="html",
    script:
        "../scripts/manuscript_render.py"


rule manuscript_docx:
    """DOCX for journals (figures as PNG; zip timestamps from SOURCE_DATE_EPOCH)."""
    input:
        md=rules.manuscript_markdown.output.md,
        audit=rules.audit.output[0],
        bib=REFERENCES,
        csl=CSL,
        pandoc=PANDOC_FILES,
        figures=[layout.figure_file(f, "png") for f in FIGURES],
        code=lib_deps("runner", "steps_manuscript"),
    output:
        report(
            f"{BUILD}/manuscript.docx",
            caption="../report/manuscript.rst",
            category="Manuscript",
            labels={"format": "DOCX"},
        ),
    log:
        "logs/manuscript_docx.log",
    conda:
        ENV
    params:
        paper=config["paper"],
        build=config["build"],
        fmt="docx",
    script:
        "../scripts/manuscript_render.py"


rule manuscript_pdf:
    """PDF through pandoc's typst writer and the typst package (no TeX)."""
    input:
        md=rules.manuscript_markdown.output.md,
        audit=rules.audit.output[0],
        bib=REFERENCES,
        csl=CSL,
        pandoc=PANDOC_FILES,
        figures=[layout.figure_file(f, "svg") for f in FIGURES],
        code=lib_deps("runner", "steps_manuscript"),
    output:
        report(
            f"{BUILD}/manuscript.pdf",
            caption="../report/manuscript.rst",
            category="Manuscript",
            labels={"format": "PDF"},
        ),
    log:
        "logs/manuscript_pdf.log",
    conda:
        ENV
    params:
        paper=config["paper"],
        build=config["build"],
        fmt="pdf",
    script:
        "../scripts/manuscript_render.py"
