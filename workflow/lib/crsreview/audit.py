"""Audit: no number may reach the manuscript body unless the ledger produced it.

Two passes, both reporting template and line:
1. the template source (sections and the macro files they import): a digit in literal text
   (outside ``{{ }}``, ``{% %}``, ``{## ##}``);
2. the rendered sections in audit mode (ledger numbers, tables and figures replaced by
   placeholders): a digit that came from anywhere else, e.g. a data string.
Declared contexts are allowed: analyte and syndrome names (IL-6, COVID-19), grading names
from config, figure/table numbering, citation keys, heading numbers.

Report captions (``workflow/report/*.rst``) describe how a figure or table encodes its data and
point to the sidecar; they state no data, so they cannot go stale: ``scan_caption`` finds a digit
(outside the declared contexts, Jinja over the config, ``code literals`` and list numbers) or a
source id in them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

JINJA_BLOCK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{##.*?##\}", re.DOTALL)
CITATION = re.compile(r"\[[^\[\]]*@[a-z0-9][^\[\]]*\]|@[a-z0-9][a-z0-9-]*")
NUMBERING = re.compile(
    r"\b(?:Fig(?:ure)?s?\.?|Tables?|Appendix|Section)\s+S?\d+[A-Za-z]?(?:\s*(?:and|,|–|-)\s*S?\d+)*"
)
ATTRIBUTE = re.compile(r"\{[#.][^}]*\}")  # pandoc attributes {#fig-x .class}
LINK_TARGET = re.compile(r"\]\(#[^)]*\)")
PLACEHOLDER = re.compile(r"⟦[^⟧]*⟧")
DIGIT_RUN = re.compile(r"[0-9]+(?:[.,][0-9]+)*")


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    token: str
    text: str
    stage: str

    def __str__(self) -> str:
        return (
            f"{self.template}:{self.line}: number {self.token!r} is not from the ledger ({self.stage}): "
            f"{self.text.strip()[:120]}"
        )


def allowed_names(analytes: list[str], extra: list[str]) -> re.Pattern:
    names = sorted({*analytes, *extra}, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names if any(c.isdigit() for c in n)) or r"(?!x)x")


def _strip(line: str, names: re.Pattern) -> str:
    for pattern in (PLACEHOLDER, CITATION, ATTRIBUTE, LINK_TARGET, NUMBERING, names):
        line = pattern.sub(" ", line)
    return line


def scan_template(name: str, source: str, names: re.Pattern) -> list[Finding]:
    findings = []
    # Blank out Jinja blocks but keep line structure for line numbers.
    blanked = JINJA_BLOCK.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    for lineno, line in enumerate(blanked.splitlines(), start=1):
        for m in DIGIT_RUN.finditer(_strip(line, names)):
            findings.append(
                Finding(name, lineno, m.group(0), source.splitlines()[lineno - 1], "template text")
            )
    return findings


def scan_rendered(name: str, source: str, rendered: str, names: re.Pattern) -> list[Finding]:
    findings = []
    src_lines = source.splitlines()
    for line in rendered.splitlines():
        for m in DIGIT_RUN.finditer(_strip(line, names)):
            token = m.group(0)
            # Name the template line that produced it: the Jinja expression on the line whose
            # literal neighbours match, else the first line mentioning a data expression.
            lineno = next((i for i, s in enumerate(src_lines, 1) if token in s), 0)
            if not lineno:
                words = [w for w in re.findall(r"[A-Za-z]{4,}", line)][:3]
                lineno = next(
                    (i for i, s in enumerate(src_lines, 1) if words and all(w in s for w in words[:1])), 1
                )
            findings.append(Finding(name, lineno, token, line, "rendered from data outside the ledger"))
    return findings


RST_ENUMERATOR = re.compile(r"^\s*\d+\.\s")
RST_LITERAL = re.compile(r"``[^`]*``")


def scan_caption(name: str, text: str, names: re.Pattern, source_ids: set[str]) -> list[Finding]:
    """Digits and source ids in a report caption (captions describe the encoding, not data)."""
    findings = []
    blanked = JINJA_BLOCK.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for lineno, line in enumerate(blanked.splitlines(), start=1):
        stripped = _strip(RST_LITERAL.sub(" ", RST_ENUMERATOR.sub(" ", line)), names)
        for m in DIGIT_RUN.finditer(stripped):
            findings.append(Finding(name, lineno, m.group(0), line, "a report caption states a number"))
        for word in re.findall(r"[a-z][a-z0-9-]*[a-z0-9]", stripped):
            if word in source_ids:
                findings.append(Finding(name, lineno, word, line, "a report caption names a source"))
    return findings


def audit(template_dir: Path, rendered_sections: list[tuple[str, str]], names: re.Pattern) -> list[Finding]:
    findings = []
    rendered_names = {name for name, _ in rendered_sections}
    # Macro files are not sections but their literal text reaches the body through the sections.
    for path in sorted(Path(template_dir).glob("*.j2")):
        if path.name not in rendered_names:
            findings.extend(scan_template(path.name, path.read_text(encoding="utf-8"), names))
    for name, rendered in rendered_sections:
        source = (Path(template_dir) / name).read_text(encoding="utf-8")
        found = scan_template(name, source, names)
        findings.extend(found)
        if not found:
            findings.extend(scan_rendered(name, source, rendered, names))
    return findings
