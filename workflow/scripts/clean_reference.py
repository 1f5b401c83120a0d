"""Rule clean_reference: processed reference tables and their facts."""

from crsreview import runner, steps_evidence

sm = snakemake
paths = steps_evidence.raw_paths(sm.input)
runner.run(
    sm.log[0], lambda: steps_evidence.clean_reference(paths, sm.input.vocab, dict(sm.output.items())), sm.rule
)
