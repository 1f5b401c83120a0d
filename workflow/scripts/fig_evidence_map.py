"""Rule fig_evidence_map: Figure 4, evidence map of the case entries."""

from crsreview import fig_evidence_map, runner

sm = snakemake  # injected by Snakemake
runner.run(
    sm.log[0],
    lambda: fig_evidence_map.make(
        {k: v for k, v in sm.input.items() if k != "code"},
        dict(sm.output.items()),
        sm.params.dpi,
        sm.params.hashsalt,
    ),
    sm.rule,
)
