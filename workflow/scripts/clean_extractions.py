"""Rule clean_extractions: cases.csv, measurements.csv and the case facts."""

from crsreview import runner, steps_evidence

sm = snakemake
paths = steps_evidence.raw_paths(sm.input)
runner.run(
    sm.log[0],
    lambda: steps_evidence.clean_extractions(paths, sm.input.vocab, sm.input.parsed, dict(sm.output.items())),
    sm.rule,
)
