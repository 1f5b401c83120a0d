"""Manuscript steps: render Markdown, audit it, convert to HTML/DOCX/PDF."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from . import audit, files, manuscript, render, tablesio
from .errors import AuditError, Problem


def _analytes(vocab: Path) -> list[str]:
    return sorted(yaml.safe_load(Path(vocab).read_text(encoding="utf-8")).get("analytes", []))


def _context(inp: dict, config: dict, audit_mode: bool) -> manuscript.Context:
    return manuscript.load_context(
        inp["ledger"],
        Path(inp["tables_sidecar"]).parent,
        inp["tables_sidecar"],
        list(inp["figure_sidecars"]),
        config,
        audit=audit_mode,
        analytes=_analytes(inp["vocab"]),
    )


def render_markdown(inp: dict, template_dir: Path, config: dict, out_md: Path, out_used: Path) -> None:
    ctx = _context(inp, config, audit_mode=False)
    sections = manuscript.render_sections(template_dir, ctx)
    facts = {f["fact_id"]: f for f in tablesio.read(inp["facts"])}
    sources = {s["source_id"]: s for s in tablesio.read(inp["sources"])}
    files.write_text(out_md, manuscript.assemble(config, sections, manuscript.appendix(ctx, facts, sources)))
    files.write_json(
        out_used,
        {
            "numbers": {k: sorted(v) for k, v in sorted(ctx.used.items())},
            "figures": ctx.figures_used,
            "tables": ctx.tables_used,
        },
    )


def run_audit(inp: dict, template_dir: Path, config: dict, vocab: Path, out: Path) -> None:
    ctx = _context(inp, config, audit_mode=True)
    sections = manuscript.render_sections(template_dir, ctx)
    names = audit.allowed_names(
        _analytes(vocab),
        [*config.get("grading", {}).get("names", []), *config.get("audit", {}).get("allowed_names", [])],
    )
    findings = audit.audit(template_dir, sections, names)
    source_ids = {r["source_id"] for r in tablesio.read(inp["sources"])}
    for caption in sorted(inp.get("captions", [])):
        text = Path(caption).read_text(encoding="utf-8")
        findings.extend(
            dataclasses.replace(f, template=str(caption))
            for f in audit.scan_caption(Path(caption).name, text, names, source_ids)
        )
    if findings:
        raise AuditError(
            [
                Problem(
                    f.template if "/" in f.template else f"manuscript/templates/{f.template}",
                    f"line {f.line}",
                    f"{'number' if f.token[0].isdigit() else 'name'} {f.token!r}",
                    f"not from the ledger ({f.stage}): {f.text.strip()[:100]}",
                )
                for f in findings
            ]
        )
    files.write_json(
        out,
        {"status": "clean", "sections": [name for name, _ in sections], "ledger_numbers_used": len(ctx.used)},
    )


def to_format(fmt: str, md: Path, out: Path, inputs: dict, config: dict, pandoc_dir: Path) -> None:
    """Render the audited Markdown to one format (html, docx or pdf) with the rule's
    bibliography, CSL (and CSS for HTML) and its pandoc folder; figures are found from the
    working directory (their paths in the Markdown are relative to the repository root)."""
    common = dict(
        bibliography=Path(inputs["bib"]),
        csl=Path(inputs["csl"]),
        resource_path=[Path.cwd()],
        date=config["paper"]["date"],
        pandoc_dir=Path(pandoc_dir),
    )
    epoch = config["build"]["source_date_epoch"]
    if fmt == "html":
        render.render_html(Path(md), Path(out), css=Path(inputs["css"]), **common)
    elif fmt == "docx":
        render.render_docx(Path(md), Path(out), source_date_epoch=epoch, **common)
    elif fmt == "pdf":
        render.render_pdf(Path(md), Path(out), timestamp=epoch, **common)
    else:
        raise ValueError(f"unknown output format {fmt!r} (html, docx or pdf)")
