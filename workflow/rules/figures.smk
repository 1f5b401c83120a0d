# Stage 3: processed tables -> the paper's four figures (SVG, 300-dpi PNG, provenance sidecar).
# Each rule reads only the tables its figure draws, so an edit elsewhere does not redraw it.

FIGURES = [
    "fig1-size-windows",
    "fig2-syndrome-cytokines",
    "fig3-pe-kinetics",
    "fig4-evidence-map",
]
FIGURE_OUTPUTS = [
    f"figures/{name}.{ext}" for name in FIGURES for ext in ("svg", "png", "json")
]


rule fig_size_windows:
    """Fig. 1: technique cut-offs and size windows beside mediator molecular weights."""
    input:
        mediators=f"{PROCESSED}/mediators.csv",
        purification_methods=f"{PROCESSED}/purification_methods.csv",
    output:
        svg=report(
            "figures/fig1-size-windows.svg",
            caption="../report/fig1-size-windows.rst",
            category="Figures",
            labels={"figure": "Fig. 1", "format": "SVG"},
        ),
        png="figures/fig1-size-windows.png",
        json=report(
            "figures/fig1-size-windows.json",
            category="Provenance",
            labels={"figure": "Fig. 1", "format": "JSON sidecar"},
        ),
    log:
        "logs/fig_size_windows.log",
    conda:
        ENV
    params:
        dpi=config["build"]["png_dpi"],
        hashsalt=config["build"]["svg_hashsalt"],
    script:
        "../scripts/fig1-size-windows.py"


rule fig_syndrome_cytokines:
    """Fig. 2: blood cytokine levels in CAR-T CRS versus viral CRS and other syndromes."""
    input:
        syndrome_cytokines=f"{PROCESSED}/syndrome_cytokines.csv",
    output:
        svg=report(
            "figures/fig2-syndrome-cytokines.svg",
            caption="../report/fig2-syndrome-cytokines.rst",
            category="Figures",
            labels={"figure": "Fig. 2", "format": "SVG"},
        ),
        png="figures/fig2-syndrome-cytokines.png",
        json=report(
            "figures/fig2-syndrome-cytokines.json",
            category="Provenance",
            labels={"figure": "Fig. 2", "format": "JSON sidecar"},
        ),
    log:
        "logs/fig_syndrome_cytokines.log",
    conda:
        ENV
    params:
        dpi=config["build"]["png_dpi"],
        hashsalt=config["build"]["svg_hashsalt"],
    script:
        "../scripts/fig2-syndrome-cytokines.py"


rule fig_pe_kinetics:
    """Fig. 3: fraction removed versus plasma volumes exchanged; CAR-T PE regimens."""
    input:
        purification_methods=f"{PROCESSED}/purification_methods.csv",
        cases=f"{PROCESSED}/cases.csv",
        facts=f"{PROCESSED}/facts.csv",
    output:
        svg=report(
            "figures/fig3-pe-kinetics.svg",
            caption="../report/fig3-pe-kinetics.rst",
            category="Figures",
            labels={"figure": "Fig. 3", "format": "SVG"},
        ),
        png="figures/fig3-pe-kinetics.png",
        json=report(
            "figures/fig3-pe-kinetics.json",
            category="Provenance",
            labels={"figure": "Fig. 3", "format": "JSON sidecar"},
        ),
    log:
        "logs/fig_pe_kinetics.log",
    conda:
        ENV
    params:
        dpi=config["build"]["png_dpi"],
        hashsalt=config["build"]["svg_hashsalt"],
    script:
        "../scripts/fig3-pe-kinetics.py"


rule fig_evidence_map:
    """Fig. 4: one row per case entry with the availability of its core fields."""
    input:
        cases=f"{PROCESSED}/cases.csv",
        facts=f"{PROCESSED}/facts.csv",
    output:
        svg=report(
            "figures/fig4-evidence-map.svg",
            caption="../report/fig4-evidence-map.rst",
            category="Figures",
            labels={"figure": "Fig. 4", "format": "SVG"},
        ),
        png="figures/fig4-evidence-map.png",
        json=report(
            "figures/fig4-evidence-map.json",
            category="Provenance",
            labels={"figure": "Fig. 4", "format": "JSON sidecar"},
        ),
    log:
        "logs/fig_evidence_map.log",
    conda:
        ENV
    params:
        dpi=config["build"]["png_dpi"],
        hashsalt=config["build"]["svg_hashsalt"],
    script:
        "../scripts/fig4-evidence-map.py"
