"""Rule fig_size_windows: Figure 1, what each technique can remove (size windows and mediator sizes)."""

from crsreview import fig_size_windows, runner

sm = snakemake  # injected by Snakemake
runner.run(
    sm.log[0],
    lambda: fig_size_windows.make(
        {k: v for k, v in sm.input.items() if k != "code"},
        dict(sm.output.items()),
        sm.params.dpi,
        sm.params.hashsalt,
    ),
    sm.rule,
)
