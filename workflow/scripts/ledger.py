"""Rule ledger: compute every number the paper states into numbers.json."""

from crsreview import runner, steps_ledger

sm = snakemake
tables = {k: v for k, v in sm.input.items() if k != "code"}
runner.run(
    sm.log[0],
    lambda: steps_ledger.build_ledger(
        tables, sm.output.ledger, sm.params.analysis, sm.params.follows, sm.params.max_vignettes
    ),
    sm.rule,
)
