# Stage 3: processed tables -> the paper's figures (SVG, 300-dpi PNG, provenance sidecar).
#
# One table, one generic rule, one script (the idea of showyourwork's rules/figure.smk): to add
# a figure, add a row to FIGURE_TABLE in workflow/lib/crsreview/layout.py, a library module
# workflow/lib/crsreview/<module>.py with draw(tables, options) -> fig_common.Drawn and
# a caption workflow/report/<name>.rst. Rows are in the order the manuscript places the figures;
# the figure numbers come only from that placement (figref() in the templates), never from this
# file or a script.
# Each rule reads only the tables its figure draws, so an edit elsewhere does not redraw it.

# The figure table lives in workflow/lib/crsreview/layout.py (one home for the layout):
# name -> (library module, input tables under data/processed, takes config `analysis:`).
FIGURE_TABLE = layout.FIGURE_TABLE
FIGURES = list(FIGURE_TABLE)
FIGURE_OUTPUTS = [
    layout.figure_file(name, ext) for name in FIGURES for ext in layout.FIGURE_FORMATS
]


def figure_inputs(name):
    """Input tables of one figure, by name (the rule's named inputs)."""
    return {t: layout.processed(t) for t in FIGURE_TABLE[name][1]}


def figure_options(name):
    """Analysis settings for the figures that follow them; nothing for the rest, so a change
    of `analysis:` does not redraw figures that ignore it."""
    return config["analysis"] if FIGURE_TABLE[name][2] else {}


for fig_name, (fig_module, _tables, _options) in FIGURE_TABLE.items():

    rule:
        name:
            f"fig_{fig_name.replace('-', '_')}"
        input:
            **figure_inputs(fig_name),
            code=lib_deps("runner", "steps_figures", fig_module),
        output:
            svg=report(
                layout.figure_file(fig_name, "svg"),
                caption=f"../report/{fig_name}.rst",
                category="Figures",
                labels={"figure": fig_name, "format": "SVG"},
            ),
            png=layout.figure_file(fig_name, "png"),
            json=report(
                layout.figure_sidecar(fig_name),
                category="Provenance",
                labels={"figure": fig_name, "format": "JSON sidecar"},
            ),
        log:
            f"logs/fig_{fig_name.replace('-', '_')}.log",
        conda:
            ENV
        params:
            module=fig_module,
            dpi=config["build"]["png_dpi"],
            hashsalt=config["build"]["svg_hashsalt"],
            options=figure_options(fig_name),
        script:
            "../scripts/figure.py"
