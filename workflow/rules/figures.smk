# Stage 3: processed tables -> the paper's figures (SVG, 300-dpi PNG, provenance sidecar).
#
# One table, one generic rule, one script (the idea of showyourwork's rules/figure.smk): to add
# a figure, add a row here, a library module workflow/lib/crsreview/<module>.py with
# make(inputs, outputs, dpi, hashsalt, options=...) and a caption workflow/report/<name>.rst.
# Rows are in the order the manuscript places the figures; the figure numbers themselves come
# only from that placement (figref() in the templates), never from this file or a script.
# Each rule reads only the tables its figure draws, so an edit elsewhere does not redraw it.

# name: library module, input tables (data/processed/<table>.csv), takes config `analysis:`
FIGURE_TABLE = {
    "evidence-map": ("fig_evidence_map", ["cases", "facts"], False),
    "case-timelines": ("fig_case_timelines", ["cases", "events", "facts"], True),
    "case-cytokines": ("fig_case_cytokines", ["cases", "measurements", "facts"], True),
    "size-windows": ("fig_size_windows", ["mediators", "purification_methods"], False),
    "pe-kinetics": (
        "fig_pe_kinetics",
        ["purification_methods", "cases", "facts"],
        False,
    ),
    "syndrome-cytokines": ("fig_syndrome_cytokines", ["syndrome_cytokines"], False),
}
FIGURES = list(FIGURE_TABLE)
FIGURE_OUTPUTS = [
    f"figures/{name}.{ext}" for name in FIGURES for ext in ("svg", "png", "json")
]


def figure_inputs(name):
    """Input tables of one figure, by name (the rule's named inputs)."""
    return {t: f"{PROCESSED}/{t}.csv" for t in FIGURE_TABLE[name][1]}


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
                f"figures/{fig_name}.svg",
                caption=f"../report/{fig_name}.rst",
                category="Figures",
                labels={"figure": fig_name, "format": "SVG"},
            ),
            png=f"figures/{fig_name}.png",
            json=report(
                f"figures/{fig_name}.json",
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
