"""Rule fig_<name> (every figure): draw one figure with its library module (figure table in
workflow/rules/figures.smk) into SVG, PNG and its provenance sidecar."""

from crsreview import runner, steps_figures

sm = snakemake  # injected by Snakemake
runner.run(
    sm.log[0],
    lambda: steps_figures.make(
        sm.params.module,
        {k: v for k, v in sm.input.items() if k != "code"},
        dict(sm.output.items()),
        sm.params.dpi,
        sm.params.hashsalt,
        dict(sm.params.options),
    ),
    sm.rule,
)
