"""Manuscript assembly: Jinja2 section templates + ledger -> pandoc Markdown with provenance.

Templates never hold results. They call:
- ``n("key")`` -> the ledger entry's text as a link to its appendix row (tooltip: formula);
- ``has("key")`` / ``ok("key")`` / ``value("key")`` / ``num("key")`` / ``items("key")`` /
  ``headline("key")`` -> conditions on the ledger, so a claim the data stop supporting changes
  or disappears by itself;
- ``count("key", "patient")`` -> the number and the noun in the right number ("1 patient",
  "3 patients"); ``plural(n, "patient")`` the noun alone; ``series([...])`` "a, b and c";
  ``analyte("il_6")`` the analyte's name from the vocabulary;
- ``cite("a; b")``, ``figure("size-windows", "caption")``, ``table("table1-cases")``.
In the abstract and conclusion (``HEADLINE_SECTIONS``) ``n`` refuses entries that rest on
unverified facts; ``headline("key")`` tells a template whether it may state one there.
Jinja comments are ``{## ... ##}`` so that pandoc attributes such as ``{#refs}`` pass through.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import layout, mdtext
from .errors import TemplateError

HEADLINE_SECTIONS = ("abstract", "conclusion")
# Appendix rows list this many input facts; numbers.json keeps every one.
MAX_FACTS_LISTED = 6
ANCHOR_PREFIX = "num-"


class ManuscriptError(TemplateError):
    """A template asked for something the ledger or sidecars do not have."""


def anchor(key: str) -> str:
    return ANCHOR_PREFIX + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def _attr(text: str) -> str:
    """Text safe inside a pandoc attribute value (double quotes, no braces)."""
    return re.sub(r'["{}\\]', "'", " ".join(str(text).split()))


@dataclass
class Context:
    ledger: dict
    tables_md: dict[str, str]
    tables_meta: dict
    figures_meta: dict[str, dict]
    config: dict
    audit: bool = False
    section: str = ""
    used: dict[str, list[str]] = field(default_factory=dict)  # key -> sections using it
    figures_used: list[str] = field(default_factory=list)
    figure_numbers: dict[str, int] = field(default_factory=dict)
    tables_used: list[str] = field(default_factory=list)
    analyte_names: dict[str, str] = field(default_factory=dict)  # slug -> vocabulary name

    @property
    def numbers(self) -> dict:
        return self.ledger["numbers"]

    def entry(self, key: str) -> dict:
        if key not in self.numbers:
            raise ManuscriptError(
                f"section {self.section!r} uses ledger key {key!r}, which the ledger does not have"
            )
        return self.numbers[key]

    # ---- template functions
    def n(self, key: str) -> str:
        e = self.entry(key)
        if self.section in HEADLINE_SECTIONS and not e["headline_ok"]:
            raise ManuscriptError(
                f"section {self.section!r} states {key!r}, which rests on {e['flags']} facts or is not "
                "estimable; headline sections use seen/computed values only"
            )
        self.used.setdefault(key, [])
        if self.section not in self.used[key]:
            self.used[key].append(self.section)
        if self.audit:
            return "⟦n⟧"
        mark = '[†]{.unverified title="rests on an unverified value"}' if "unverified" in e["flags"] else ""
        title = _attr(f"{e['formula']} | sources: {', '.join(e['source_ids'])}")
        return f'[{mdtext.escape(e["text"])}](#{anchor(key)}){{.num title="{title}"}}{mark}'

    def has(self, key: str) -> bool:
        return key in self.numbers

    def ok(self, key: str) -> bool:
        return key in self.numbers and self.numbers[key]["status"] == "ok"

    def value(self, key: str):
        return self.entry(key)["value"]

    def num(self, key: str, default: float = 0):
        """The entry's value where the key exists with status ok, else `default` (for guards)."""
        return self.numbers[key]["value"] if self.ok(key) else default

    def items(self, key: str) -> list:
        """A list entry's value (e.g. analytes with pairs); [] where the key is absent."""
        value = self.numbers[key]["value"] if key in self.numbers else []
        return list(value) if isinstance(value, list) else []

    def headline(self, key: str) -> bool:
        """May the abstract or conclusion state this entry (ok, resting on seen/computed facts)?"""
        return self.ok(key) and bool(self.numbers[key]["headline_ok"])

    def plural(self, n, singular: str, plural_form: str | None = None) -> str:
        """The noun for a count: a number or a ledger key (whose value is the count)."""
        value = self.num(n) if isinstance(n, str) else n
        if value == 1:
            return singular
        if plural_form:
            return plural_form
        if re.search(r"[^aeiou]y$", singular):
            return singular[:-1] + "ies"
        return singular + "s"

    def count(self, key: str, singular: str, plural_form: str | None = None) -> str:
        """'n(key) nouns' with the noun agreeing with the ledger value."""
        return f"{self.n(key)} {self.plural(key, singular, plural_form)}"

    @staticmethod
    def series(words) -> str:
        words = [str(w) for w in words]
        if len(words) <= 1:
            return "".join(words)
        return ", ".join(words[:-1]) + " and " + words[-1]

    def analytes_with(self, prefix: str, suffix: str) -> list[str]:
        """Slugs `a` with a ledger key `<prefix>.<a>.<suffix>`, sorted (e.g. analytes with censored pairs)."""
        head, tail = prefix + ".", "." + suffix
        return sorted(
            {k[len(head) : -len(tail)] for k in self.numbers if k.startswith(head) and k.endswith(tail)}
            - {""}
        )

    def analyte(self, analyte_slug: str) -> str:
        return self.analyte_names.get(analyte_slug, analyte_slug.replace("_", "-"))

    def Analyte(self, analyte_slug: str) -> str:  # the capital says: it starts a sentence
        """The analyte's name at the start of a sentence ("Ferritin rose ...", "IL-6 fell ...")."""
        name = self.analyte(analyte_slug)
        return name[:1].upper() + name[1:]

    def cite(self, ids: str) -> str:
        return mdtext.cite(ids)

    def cite_sources(self, key: str) -> str:
        """Citation of every source a ledger entry rests on (e.g. the patients of a group)."""
        return mdtext.cite(self.entry(key)["source_ids"])

    def table(self, name: str) -> str:
        if name not in self.tables_md:
            raise ManuscriptError(f"section {self.section!r} includes unknown table {name!r}")
        self.tables_used.append(name)
        if self.audit:
            return f"⟦table {name}⟧"
        return f"{self.tables_md[name].rstrip()}\n\n[Data provenance of this table](#prov-{name})\n"

    def figref(self, name: str) -> str:
        """'Figure N', numbered in the order the figures are placed in the text."""
        if name not in self.figures_meta:
            raise ManuscriptError(f"section {self.section!r} refers to unknown figure {name!r}")
        return f"Figure {self.figure_numbers.get(name, 0)}"

    def figure(self, name: str, caption: str) -> str:
        if name not in self.figures_meta:
            raise ManuscriptError(f"section {self.section!r} includes unknown figure {name!r}")
        if name not in self.figures_used:
            self.figures_used.append(name)
        if self.audit:
            return f"⟦figure {name}⟧ {caption}"
        label = self.figref(name)
        return f"![{label}. {caption} [Data provenance](#prov-{name}).]({layout.figure_file(name, 'svg')}){{#fig-{name} width=100%}}"


def environment(template_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML; data strings are escaped by mdtext.escape
        keep_trailing_newline=True,
        # Jinja's default {# #} would swallow pandoc attributes such as {#refs} (Manubot's choice).
        comment_start_string="{##",
        comment_end_string="##}",
        trim_blocks=True,
        lstrip_blocks=True,
    )


TEMPLATE_FUNCTIONS = (
    "n",
    "has",
    "ok",
    "value",
    "num",
    "items",
    "headline",
    "plural",
    "count",
    "series",
    "analyte",
    "Analyte",
    "analytes_with",
    "cite",
    "cite_sources",
    "table",
    "figure",
    "figref",
)


def section_name(template: str) -> str:
    """'02-abstract.md.j2' -> 'abstract'."""
    return re.sub(r"^\d+[-.]", "", template).removesuffix(".md.j2")


def _render_once(env: jinja2.Environment, names: list[str], ctx: Context) -> list[tuple[str, str]]:
    out = []
    for name in names:
        ctx.section = section_name(name)
        fns = {k: getattr(ctx, k) for k in TEMPLATE_FUNCTIONS}
        text = env.get_template(name).render(**fns, config=ctx.config, paper=ctx.config["paper"])
        out.append((name, text))
    return out


def render_sections(template_dir: Path, ctx: Context) -> list[tuple[str, str]]:
    """Render every section; twice, so figures are numbered in the order they are placed."""
    env = environment(template_dir)
    names = sorted(p.name for p in Path(template_dir).glob("*.md.j2"))
    _render_once(env, names, ctx)
    ctx.figure_numbers = {name: i for i, name in enumerate(ctx.figures_used, start=1)}
    ctx.used.clear()
    ctx.figures_used.clear()
    ctx.tables_used.clear()
    return _render_once(env, names, ctx)


def front_matter(config: dict) -> str:
    paper = config["paper"]
    meta = {
        "title": paper["title"],
        "author": [a["name"] for a in paper["authors"]],
        "date": paper["date"],
        "lang": "en-GB",
        "subtitle": f"Version {paper.get('version', '')}",
    }
    affil = sorted({a["affiliation"] for a in paper["authors"] if a.get("affiliation")})
    if affil:
        meta["affiliation"] = affil
    return "---\n" + json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n---\n"


def _fact_line(fid: str, facts: dict, sources: dict) -> str:
    f = facts.get(fid)
    if f is None:
        return mdtext.escape(fid)
    sids = [s.strip() for s in f["source_id"].split(";") if s.strip()]
    return f"{mdtext.escape(fid)} ({mdtext.escape(f['flag'])}; {mdtext.escape(f['locator'])}) {mdtext.cite(sids)}"


def _links(sids: list[str], sources: dict) -> str:
    out = []
    for sid in sids:
        s = sources.get(sid, {})
        if s.get("doi"):
            out.append(f"[doi:{mdtext.escape(s['doi'])}](https://doi.org/{s['doi']})")
        if s.get("pmid"):
            out.append(f"[PMID {s['pmid']}](https://pubmed.ncbi.nlm.nih.gov/{s['pmid']}/)")
    return "; ".join(out) or "–"


def appendix(ctx: Context, facts: dict, sources: dict) -> str:
    """Provenance appendix: one row per ledger number used, then figure/table sidecars."""
    rows = []
    for key in sorted(ctx.used):
        e = ctx.numbers[key]
        shown = e["fact_ids"][:MAX_FACTS_LISTED]
        fact_text = "; ".join(_fact_line(f, facts, sources) for f in shown)
        if len(e["fact_ids"]) > len(shown):
            fact_text += f"; and {len(e['fact_ids']) - len(shown)} more (all in numbers.json)"
        if e["derived_from"]:
            derived = ", ".join(f"[{mdtext.escape(d)}](#{anchor(d)})" for d in e["derived_from"])
            fact_text = (fact_text + "; " if fact_text else "") + f"derived from {derived}"
        rows.append(
            [
                f"[{mdtext.escape(key)}]{{#{anchor(key)}}}",
                mdtext.escape(e["text"]),
                mdtext.escape(e["formula"]),
                fact_text or "–",
                mdtext.cite(e["source_ids"]),
                _links(e["source_ids"], sources),
            ]
        )
    # Keys reached only through derived_from need anchors too.
    shown = set(ctx.used)
    pending = sorted({d for k in ctx.used for d in ctx.numbers[k]["derived_from"]} - shown)
    while pending:
        key = pending.pop(0)
        if key in shown:
            continue
        shown.add(key)
        e = ctx.numbers[key]
        rows.append(
            [
                f"[{mdtext.escape(key)}]{{#{anchor(key)}}}",
                mdtext.escape(e["text"]),
                mdtext.escape(e["formula"]),
                "; ".join(_fact_line(f, facts, sources) for f in e["fact_ids"]) or "–",
                mdtext.cite(e["source_ids"]),
                _links(e["source_ids"], sources),
            ]
        )
        pending.extend(d for d in e["derived_from"] if d not in shown)
    parts = [
        "# Appendix A: provenance of every number {#appendix}\n",
        "Each number in the text links here. Flags: seen = read in the source at the locator; computed = "
        "arithmetic on seen values; unverified = marked † in the text, never used in the abstract or "
        "conclusion. The full ledger with every fact id is data/processed/numbers.json.\n",
        mdtext.table(
            ["Key", "Value", "Formula", "Input facts (flag; locator)", "Sources", "Links"],
            rows,
            "Ledger entries stated in this manuscript.",
            "tbl-ledger",
        ),
        "\n# Appendix B: provenance of figures and tables {#appendix-figures}\n",
    ]
    for name in [*ctx.figures_used, *ctx.tables_used]:
        meta = ctx.figures_meta.get(name) or ctx.tables_meta.get(name)
        n_facts = len(meta.get("fact_ids", []))
        parts.append(
            f"[{mdtext.escape(name)}]{{#prov-{name}}}: {mdtext.escape(str(n_facts))} facts from "
            f"{mdtext.cite(meta.get('source_ids', []))}. Fact ids are listed in the sidecar file"
            f" {mdtext.escape(meta.get('sidecar', name + '.json'))}.\n"
        )
    return "\n".join(parts)


def assemble(config: dict, sections: list[tuple[str, str]], appendix_md: str) -> str:
    body = "\n".join(text.strip() + "\n" for _, text in sections)
    return front_matter(config) + "\n" + body + "\n" + appendix_md


def load_context(
    ledger: Path,
    tables_dir: Path,
    tables_sidecar: Path,
    figure_sidecars: list[Path],
    config: dict,
    audit: bool = False,
    analytes: list[str] = (),
) -> Context:
    tables_meta = json.loads(Path(tables_sidecar).read_text(encoding="utf-8"))
    for name in tables_meta:
        tables_meta[name]["sidecar"] = layout.TABLES_SIDECAR
    figures_meta = {}
    for p in figure_sidecars:
        meta = json.loads(Path(p).read_text(encoding="utf-8"))
        meta["sidecar"] = layout.figure_sidecar(Path(p).stem)
        figures_meta[Path(p).stem] = meta
    return Context(
        ledger=json.loads(Path(ledger).read_text(encoding="utf-8")),
        tables_md={
            name: (Path(tables_dir) / f"{name}.md").read_text(encoding="utf-8") for name in tables_meta
        },
        tables_meta=tables_meta,
        figures_meta=figures_meta,
        config=config,
        audit=audit,
        analyte_names={re.sub(r"[^a-z0-9]+", "_", a.lower()).strip("_"): a for a in analytes},
    )
