"""Rule validate: check all raw inputs; write the validation stamp."""

from crsreview import runner, steps_evidence

sm = snakemake
paths = steps_evidence.raw_paths(sm.input)
runner.run(
    sm.log[0],
    lambda: steps_evidence.validate(paths, sm.input.vocab, sm.output.stamp, sm.output.parsed, sm.threads),
    sm.rule,
)
