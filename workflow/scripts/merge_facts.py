"""Rule facts: merge the fact parts into facts.csv and write the sources table."""

from crsreview import runner, steps_evidence

sm = snakemake
paths = steps_evidence.raw_paths(sm.input)
runner.run(
    sm.log[0],
    lambda: steps_evidence.merge_facts(list(sm.input.parts), paths, sm.input.vocab, dict(sm.output.items())),
    sm.rule,
)
