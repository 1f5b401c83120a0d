# Reproducible build of the evidence review "Plasma exchange for severe CRS after CAR-T".
# Data flow: data/raw -> validate -> data/processed -> ledger -> figures/tables -> manuscript.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/evidence.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/manuscript.smk"
include: "workflow/rules/report.smk"


report: "workflow/report/workflow.rst"


rule all:
    default_target: True
    input:
        EVIDENCE_OUTPUTS,
        LEDGER,
        rules.tables.output,
        FIGURE_OUTPUTS,
        rules.audit.output,
        MANUSCRIPT_OUTPUTS,
        rules.build_info.output,
