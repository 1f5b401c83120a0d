"""Rules manuscript_html, manuscript_docx, manuscript_pdf: audited Markdown -> one format
(pandoc; typst for the PDF). The format is a param; the pandoc folder (defaults files and
Lua filters) is the folder of the rule's `pandoc` inputs."""

from pathlib import Path

from crsreview import runner, steps_manuscript

sm = snakemake  # injected by Snakemake
runner.run(
    sm.log[0],
    lambda: steps_manuscript.to_format(
        sm.params.fmt,
        sm.input.md,
        sm.output[0],
        dict(sm.input.items()),
        {"paper": sm.params.paper, "build": sm.params.build},
        Path(sm.input.pandoc[0]).parent,
    ),
    sm.rule,
)
