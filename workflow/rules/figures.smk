# Stage 3: processed tables -> the paper's four figures (SVG, 300-dpi PNG, provenance sidecar).
# Each rule reads only the tables its figure draws, so an edit elsewhere does not redraw it.

# In the order the manuscript places them (Figure 1 to 4).
FIGURES = [
    "evidence-map",
    "size-windows",
    "pe-kinetics",
    "syndrome-cytokines",
]
FIGURE_OUTPUTS = [
    f"figures/{name}.{ext}" for name in FIGURES for ext in ("svg", "png", "json")
]


rule fig_size_windows:
    """Fig. 2: technique cut-offs and size windows beside mediator molecular weights."""
    input:
        mediators=f"{PROCESSED}/mediators.csv",
        purification_methods=f"{PROCESSED}/purification_methods.csv",
        code=lib_deps("runner", "fig_size_windows"),
    output:
        svg=report(
            "figures/size-windows.svg",
            caption="../report/size-windows.rst",
            category="Figures",
            labels={"figure": "Fig. 2", "format": "SVG"},
        ),
        png="figures/size-windows.png",
        json=report(
            "figures/size-windows.json",
            category="Provenance",
            labels={"figure": "Fig. 2", "format": "JSON sidecar"},
        ),
    log:
        "logs/fig_size_windows.log",
    conda:
        ENV
    params:
        dpi=config["build"]["png_dpi"],
        hashsalt=config["build"]["svg_hashsalt"],
    script:
        "../scripts/fig_size_windows.py"


rule fig_syndrome_cytokines:
    """Fig. 4: blood cytokine levels in CAR-T CRS versus viral CRS and other syndromes."""
    input:
        syndrome_cytokines=f"{PROCESSED}/syndrome_cytokines.csv",
        code=lib_deps("runner", "fig_syndrome_cytokines"),
    output:
        svg=report(
            "figures/syndrome-cytokines.svg",
            caption="../report/syndrome-cytokines.rst",
            category="Figures",
            labels={"figure": "Fig. 4", "format": "SVG"},
        ),
        png="figures/syndrome-cytokines.png",
        json=report(
            "figures/syndrome-cytokines.json",
            category="Provenance",
            labels={"figure": "Fig. 4", "format": "JSON sidecar"},
        ),
    log:
        "logs/fig_syndrome_cytokines.log",
    conda:
        ENV
    params:
        dpi=config["build"]["png_dpi"],
        hashsalt=config["build"]["svg_hashsalt"],
    script:
        "../scripts/fig_syndrome_cytokines.py"


rule fig_pe_kinetics:
    """Fig. 3: fraction removed versus plasma volumes exchanged; CAR-T PE regimens."""
    input:
        purification_methods=f"{PROCESSED}/purification_methods.csv",
        cases=f"{PROCESSED}/cases.csv",
        facts=f"{PROCESSED}/facts.csv",
        code=lib_deps("runner", "fig_pe_kinetics"),
    output:
        svg=report(
            "figures/pe-kinetics.svg",
            caption="../report/pe-kinetics.rst",
            category="Figures",
            labels={"figure": "Fig. 3", "format": "SVG"},
        ),
        png="figures/pe-kinetics.png",
        json=report(
            "figures/pe-kinetics.json",
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
        "../scripts/fig_pe_kinetics.py"


rule fig_evidence_map:
    """Fig. 1: one row per case entry with the availability of its core fields."""
    input:
        cases=f"{PROCESSED}/cases.csv",
        facts=f"{PROCESSED}/facts.csv",
        code=lib_deps("runner", "fig_evidence_map"),
    output:
        svg=report(
            "figures/evidence-map.svg",
            caption="../report/evidence-map.rst",
            category="Figures",
            labels={"figure": "Fig. 1", "format": "SVG"},
        ),
        png="figures/evidence-map.png",
        json=report(
            "figures/evidence-map.json",
            category="Provenance",
            labels={"figure": "Fig. 1", "format": "JSON sidecar"},
        ),
    log:
        "logs/fig_evidence_map.log",
    conda:
        ENV
    params:
        dpi=config["build"]["png_dpi"],
        hashsalt=config["build"]["svg_hashsalt"],
    script:
        "../scripts/fig_evidence_map.py"
