"""Rule manuscript_markdown: templates + ledger -> manuscript.md with the provenance appendix."""

from pathlib import Path

from crsreview import runner, steps_manuscript

sm = snakemake
config = {"paper": sm.params.paper, "grading": sm.params.grading}
runner.run(
    sm.log[0],
    lambda: steps_manuscript.render_markdown(
        dict(sm.input.items()), Path(sm.input.templates[0]).parent, config, sm.output.md, sm.output.used
    ),
    sm.rule,
)
