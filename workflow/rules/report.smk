# Reviewer aids: build information shown in the Snakemake report.
rule build_info:
    """Software versions, git commit and configuration (not part of the manifest)."""
    output:
        report(
            "reports/build-info.txt",
            caption="../report/build_info.rst",
            category="Provenance",
            labels={"output": "build info"},
        ),
    log:
        "logs/build_info.log",
    conda:
        ENV
    params:
        commit=git_describe(),
        config=config,
    script:
        "../scripts/build_info.py"
