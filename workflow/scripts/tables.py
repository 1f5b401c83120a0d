"""Rule tables: Table 1-3 and S1 as CSV and Markdown, with their provenance sidecar."""

from pathlib import Path

from crsreview import runner, steps_tables

sm = snakemake
inputs = {k: v for k, v in sm.input.items() if k not in ("ledger", "code")}
runner.run(
    sm.log[0],
    lambda: steps_tables.build_tables(
        inputs, sm.input.ledger, Path(sm.output.sidecar).parent, sm.output.sidecar, sm.params.reference
    ),
    sm.rule,
)
