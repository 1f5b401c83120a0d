"""Rule manuscript_pdf: pandoc (typst writer) + typst -> PDF."""

from crsreview import runner, steps_manuscript

sm = snakemake
config = {"paper": sm.params.paper, "build": sm.params.build}
runner.run(
    sm.log[0],
    lambda: steps_manuscript.to_pdf(sm.input.md, sm.output[0], sm.input.bib, sm.input.csl, config),
    sm.rule,
)
