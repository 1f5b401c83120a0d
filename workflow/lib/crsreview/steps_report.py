"""Build information for reviewers: versions of the tools that made the paper, commit, config."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import yaml

from . import files

PACKAGES = ("snakemake", "pandas", "matplotlib", "seaborn", "jinja2", "jsonschema", "pypandoc", "typst")


def versions() -> dict[str, str]:
    import pypandoc

    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    found["pandoc"] = pypandoc.get_pandoc_version()
    return found


def build_info(commit: str, config: dict, out: Path) -> None:
    lines = ["# Build information", "", f"git commit: {commit}", "", "## Software versions"]
    lines += [f"{name}: {version}" for name, version in versions().items()]
    lines += ["", "## Configuration (config/config.yaml after validation)", ""]
    lines.append(yaml.safe_dump(dict(config), sort_keys=True, allow_unicode=True).rstrip())
    files.write_text(out, "\n".join(lines) + "\n")
