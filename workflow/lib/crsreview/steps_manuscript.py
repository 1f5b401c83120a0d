"""Manuscript steps: render Markdown, audit it, convert to HTML/DOCX/PDF."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from . import audit, files, manuscript, render, tablesio
from .errors import InputError, Problem


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
        raise InputError(
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


def to_html(md: Path, out: Path, bib: Path, csl: Path, css: Path, config: dict) -> None:
    render.render_html(
        Path(md),
        Path(out),
        bibliography=Path(bib),
        csl=Path(csl),
        css=Path(css),
        resource_path=[Path.cwd()],
        date=config["paper"]["date"],
    )


def to_docx(md: Path, out: Path, bib: Path, csl: Path, config: dict) -> None:
    render.render_docx(
        Path(md),
        Path(out),
        bibliography=Path(bib),
        csl=Path(csl),
        resource_path=[Path.cwd()],
        date=config["paper"]["date"],
        source_date_epoch=config["build"]["source_date_epoch"],
    )


def to_pdf(md: Path, out: Path, bib: Path, csl: Path, config: dict) -> None:
    render.render_pdf(
        Path(md),
        Path(out),
        bibliography=Path(bib),
        csl=Path(csl),
        resource_path=[Path.cwd()],
        date=config["paper"]["date"],
        timestamp=config["build"]["source_date_epoch"],
    )
