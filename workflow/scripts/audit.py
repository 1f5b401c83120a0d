"""Rule audit: every number in the body must come from the ledger."""

from pathlib import Path

from crsreview import runner, steps_manuscript

sm = snakemake
config = {"paper": sm.params.paper, "grading": sm.params.grading, "audit": sm.params.audit}
runner.run(
    sm.log[0],
    lambda: steps_manuscript.run_audit(
        dict(sm.input.items()), Path(sm.input.templates[0]).parent, config, sm.input.vocab, sm.output[0]
    ),
    sm.rule,
)
