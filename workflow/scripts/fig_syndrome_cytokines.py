"""Rule fig_syndrome_cytokines: Figure 2, cytokine levels in CAR-T CRS versus viral CRS and other syndromes."""

from crsreview import fig_syndrome_cytokines, runner

sm = snakemake  # injected by Snakemake
runner.run(
    sm.log[0],
    lambda: fig_syndrome_cytokines.make(
        {k: v for k, v in sm.input.items() if k != "code"},
        dict(sm.output.items()),
        sm.params.dpi,
        sm.params.hashsalt,
    ),
    sm.rule,
)
