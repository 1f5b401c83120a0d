"""Rule fig_pe_kinetics: Figure 3, plasma-exchange kinetics (fraction removed versus plasma volumes)."""

from crsreview import fig_pe_kinetics, runner

sm = snakemake  # injected by Snakemake
runner.run(
    sm.log[0],
    lambda: fig_pe_kinetics.make(
        {k: v for k, v in sm.input.items() if k != "code"},
        dict(sm.output.items()),
        sm.params.dpi,
        sm.params.hashsalt,
    ),
    sm.rule,
)
