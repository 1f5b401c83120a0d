"""Rule ledger: compute every number the paper states into numbers.json."""

from crsreview import runner, steps_ledger

sm = snakemake
runner.run(sm.log[0], lambda: steps_ledger.build_ledger(dict(sm.input.items()), sm.output.ledger), sm.rule)
