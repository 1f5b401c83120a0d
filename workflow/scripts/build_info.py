"""Rule build_info: software versions, git commit and configuration for the report."""

from crsreview import runner, steps_report

sm = snakemake
runner.run(
    sm.log[0], lambda: steps_report.build_info(sm.params.commit, sm.params.config, sm.output[0]), sm.rule
)
