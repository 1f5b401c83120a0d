# Reviewer aids: build information shown in the Snakemake report.
import subprocess


def git_describe():
    """Commit the build runs on ('unknown' outside a git checkout, e.g. a test copy)."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=workflow.basedir,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


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
