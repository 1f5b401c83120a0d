"""What changed in the paper between a git ref and the working tree (reviewers, CHANGELOG).

    python tools/changes.py REF        # `make changes REF=<git ref>`

Builds the rendered manuscript (with the ledger, tables and figures it needs) of REF in a
temporary git worktree that is removed afterwards, and of the working tree in place, then
writes manuscript/build/changes.md and changes.html:
- the paper's version and date (config `paper:`) and the commit at REF and now;
- numbers that changed: ledger key, old -> new, and the sentence they appear in;
- sentences added, removed or changed: a word-level diff of the rendered text without markup
  (body only; the provenance appendices restate every number and are left out);
- figures and tables whose bytes changed; sources and cases added or removed.
The output depends only on the two trees (no clock), so the same comparison gives the same bytes.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import html
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import gitref  # noqa: E402
import numbers_diff  # noqa: E402

MANUSCRIPT_MD = "manuscript/build/manuscript.md"
LEDGER = "data/processed/numbers.json"
OUT_DIR = "manuscript/build"
FIGURE_FILES = "figures/*"
TABLE_FILES = "manuscript/tables/*"
# Appendices restate every number with its provenance: their changes are the number list.
SKIPPED_SECTION_IDS = ("appendix",)
NUMBER_LINK = "#num-"
LABEL_WORDS = 2  # a "sentence" of at most this many words is a label (e.g. "Figure 2.")
SIMILAR = 0.5  # word-overlap ratio above which two sentences count as one sentence changed
ABBREVIATIONS = {"e.g.", "i.e.", "al.", "vs.", "fig.", "figs.", "approx.", "no.", "dr.", "ca.", "cf.", "etc."}
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[A-Z0-9“\"(\[])")


# --------------------------------------------------------------------------- rendered text


@dataclass(frozen=True)
class Sentence:
    section: str
    text: str
    anchors: tuple[str, ...]  # number links (#num-...) inside the sentence


class _Text:
    """Plain text of one block, with the character ranges of the number links in it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.links: list[tuple[int, int, str]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def inlines(self, items: list) -> None:
        for item in items:
            self.inline(item)

    def inline(self, item: dict) -> None:
        kind, content = item["t"], item.get("c")
        if kind == "Str":
            self.add(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            self.add(" ")
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            self.inlines(content)
        elif kind in ("Span", "Quoted"):
            self.inlines(content[1])
        elif kind in ("Code", "Math"):
            self.add(content[1])
        elif kind == "Cite":
            self.add("[" + "; ".join("@" + c["citationId"] for c in content[0]) + "]")
        elif kind == "Link":
            start = self.size
            self.inlines(content[1])
            if content[2][0].startswith(NUMBER_LINK):
                self.links.append((start, self.size, content[2][0][1:]))
        # Image (the figure's caption is read from its Figure block), Note, RawInline: no text.

    def sentences(self, section: str) -> list[Sentence]:
        text = "".join(self.parts)
        ends = [m.end() for m in _SENTENCE_END.finditer(text) if _ends_sentence(text, m)]
        out, start = [], 0
        for end in [*ends, len(text)]:
            words = " ".join(text[start:end].split())
            # A label such as "Background." or "Figure 1." stays with the sentence it introduces.
            if words and (len(words.split()) > LABEL_WORDS or end == len(text)):
                anchors = tuple(a for s, e, a in self.links if s < end and e > start)
                out.append(Sentence(section, words, anchors))
                start = end
            elif not words:
                start = end
        return out


def _ends_sentence(text: str, match: re.Match) -> bool:
    before = text[: match.start() + 1].split()
    return not before or before[-1].lower() not in ABBREVIATIONS


def _block_sentences(block: dict, section: str) -> list[Sentence]:
    kind, content = block["t"], block.get("c")
    if kind in ("Para", "Plain"):
        text = _Text()
        text.inlines(content)
        return text.sentences(section)
    if kind == "LineBlock":
        return [s for line in content for s in _block_sentences({"t": "Plain", "c": line}, section)]
    nested = {
        "BlockQuote": lambda: [content],
        "Div": lambda: [content[1]],
        "BulletList": lambda: content,
        "OrderedList": lambda: content[1],
        "Figure": lambda: [content[1][1]],  # the caption
        "DefinitionList": lambda: [b for _, defs in content for b in defs],
    }.get(kind)
    if nested is None:  # Table (compared as files), CodeBlock, RawBlock, HorizontalRule
        return []
    return [s for blocks in nested() for b in blocks for s in _block_sentences(b, section)]


def sentences(doc: dict) -> list[Sentence]:
    """Sentences of the body of a pandoc JSON document, each with its section title."""
    out: list[Sentence] = []
    titles: list[str] = []
    skipping = False
    for block in doc["blocks"]:
        if block["t"] == "Header":
            level, (ident, _, _), inlines = block["c"]
            text = _Text()
            text.inlines(inlines)
            titles = [*titles[: level - 1], " ".join("".join(text.parts).split())]
            if level == 1:
                skipping = ident.startswith(SKIPPED_SECTION_IDS)
            continue
        if not skipping:
            out += _block_sentences(block, " › ".join(titles) or "(front matter)")
    return out


def read_sentences(md: Path) -> list[Sentence]:
    import pypandoc

    out = subprocess.run(
        [pypandoc.get_pandoc_path(), "--from=markdown", "--to=json", str(md)],
        capture_output=True,
        text=True,
        check=True,
    )
    return sentences(json.loads(out.stdout))


# --------------------------------------------------------------------------- comparisons


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, words)] with op '=', '-' or '+', from a word-level difflib comparison."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return out


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(a=a.split(), b=b.split(), autojunk=False).ratio()


@dataclass
class SentenceChanges:
    added: list[Sentence] = field(default_factory=list)
    removed: list[Sentence] = field(default_factory=list)
    changed: list[tuple[Sentence, Sentence]] = field(default_factory=list)


def _pair(old: list[Sentence], new: list[Sentence], out: SentenceChanges) -> None:
    """Within one replaced run: match each old sentence to the most similar later new one."""
    j = 0
    for sentence in old:
        scores = [(_similarity(sentence.text, n.text), k) for k, n in enumerate(new[j:], j)]
        best, k = max(scores, default=(0.0, -1), key=lambda s: (s[0], -s[1]))
        if best < SIMILAR:
            out.removed.append(sentence)
            continue
        out.added += new[j:k]
        out.changed.append((sentence, new[k]))
        j = k + 1
    out.added += new[j:]


def compare_sentences(old: list[Sentence], new: list[Sentence]) -> SentenceChanges:
    out = SentenceChanges()
    matcher = difflib.SequenceMatcher(a=[s.text for s in old], b=[s.text for s in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "delete":
            out.removed += old[i1:i2]
        elif op == "insert":
            out.added += new[j1:j2]
        elif op == "replace":
            _pair(old[i1:i2], new[j1:j2], out)
    return out


@dataclass(frozen=True)
class NumberChange:
    key: str
    old: str
    new: str
    where: tuple[Sentence, ...]  # sentences that state it (now, or at REF if it is gone)


def number_changes(
    old_ledger: dict, new_ledger: dict, old: list[Sentence], new: list[Sentence], anchor
) -> list[NumberChange]:
    rows = []
    for key, a, b in numbers_diff.diff(old_ledger, new_ledger):
        slug = anchor(key)
        where = tuple(s for s in new if slug in s.anchors) or tuple(s for s in old if slug in s.anchors)
        rows.append(NumberChange(key, a, b, where))
    return rows


def file_hashes(root: Path, pattern: str) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.glob(pattern))
        if p.is_file()
    }


def changed_files(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str]]:
    """[(path, 'changed' | 'added' | 'removed')], sorted by path."""
    rows = []
    for path in sorted(set(old) | set(new)):
        if path not in new:
            rows.append((path, "removed"))
        elif path not in old:
            rows.append((path, "added"))
        elif old[path] != new[path]:
            rows.append((path, "changed"))
    return rows


def csv_ids(path: Path, column: str) -> dict[str, dict]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        return {row[column]: row for row in csv.DictReader(fh)}


def added_removed(old: dict, new: dict) -> tuple[list[str], list[str]]:
    return sorted(set(new) - set(old)), sorted(set(old) - set(new))


# --------------------------------------------------------------------------- the report


@dataclass
class Version:
    label: str  # "REF (commit)" or "working tree"
    commit: str
    version: str
    date: str


@dataclass
class Report:
    old: Version
    new: Version
    numbers: list[NumberChange]
    sentences: SentenceChanges
    figures: list[tuple[str, str]]
    tables: list[tuple[str, str]]
    sources: tuple[list[str], list[str]]
    cases: tuple[list[str], list[str]]
    source_titles: dict[str, str]
    case_sources: dict[str, str]

    def summary(self) -> str:
        s = self.sentences

        def count(n: int, what: str) -> str:
            return f"{n} {what}{'' if n == 1 else 's'}"

        return "; ".join(
            [
                count(len(self.numbers), "number") + " changed",
                f"sentences: {len(s.added)} added, {len(s.removed)} removed, {len(s.changed)} changed",
                count(len({Path(p).stem for p, _ in self.figures}), "figure") + " changed",
                count(len({Path(p).stem for p, _ in self.tables}), "table") + " changed",
                f"sources: {len(self.sources[0])} added, {len(self.sources[1])} removed",
                f"cases: {len(self.cases[0])} added, {len(self.cases[1])} removed",
            ]
        )


def paper_meta(config_text: str) -> tuple[str, str]:
    """(version, date) of the paper from the text of config/config.yaml."""
    paper = (yaml.safe_load(config_text) or {}).get("paper", {})
    return str(paper.get("version", "?")), str(paper.get("date", "?"))


def compare(old_tree: Path, new_tree: Path, old: Version, new: Version, anchor) -> Report:
    old_s, new_s = read_sentences(old_tree / MANUSCRIPT_MD), read_sentences(new_tree / MANUSCRIPT_MD)
    ledgers = [json.loads((t / LEDGER).read_text(encoding="utf-8"))["numbers"] for t in (old_tree, new_tree)]
    sources = [csv_ids(t / "data/processed/sources.csv", "source_id") for t in (old_tree, new_tree)]
    cases = [csv_ids(t / "data/processed/cases.csv", "case_id") for t in (old_tree, new_tree)]
    all_sources, all_cases = {**sources[0], **sources[1]}, {**cases[0], **cases[1]}
    return Report(
        old=old,
        new=new,
        numbers=number_changes(*ledgers, old_s, new_s, anchor),
        sentences=compare_sentences(old_s, new_s),
        figures=changed_files(*(file_hashes(t, FIGURE_FILES) for t in (old_tree, new_tree))),
        tables=changed_files(*(file_hashes(t, TABLE_FILES) for t in (old_tree, new_tree))),
        sources=added_removed(*sources),
        cases=added_removed(*cases),
        source_titles={k: v.get("citation", "") for k, v in all_sources.items()},
        case_sources={k: v.get("source_id", "") for k, v in all_cases.items()},
    )


# --------------------------------------------------------------------------- writers


def _md_diff(old: str, new: str) -> str:
    marks = {"=": "{}", "-": "~~{}~~", "+": "**{}**"}
    return " ".join(marks[op].format(words) for op, words in word_diff(old, new))


def _html_diff(old: str, new: str) -> str:
    marks = {"=": "{}", "-": "<del>{}</del>", "+": "<ins>{}</ins>"}
    return " ".join(marks[op].format(html.escape(words)) for op, words in word_diff(old, new))


def _where(change: NumberChange) -> str:
    if not change.where:
        return "not in the text (tables, figures or the ledger only)"
    first = change.where[0]
    more = f" (and {len(change.where) - 1} more)" if len(change.where) > 1 else ""
    return f"{first.section}: “{first.text}”{more}"


def _sections(report: Report) -> list[tuple[str, list[tuple[str, str]]]]:
    """Report body as [(heading, [(markdown item, html item)])], shared by both writers."""
    esc = html.escape
    s = report.sentences
    number_items = [
        (
            f"`{c.key}`: {c.old} → {c.new} — {_where(c)}",
            f"<code>{esc(c.key)}</code>: {esc(c.old)} → <b>{esc(c.new)}</b> — {esc(_where(c))}",
        )
        for c in report.numbers
    ]
    changed_items = [
        (f"{a.section}: {_md_diff(a.text, b.text)}", f"<i>{esc(a.section)}</i>: {_html_diff(a.text, b.text)}")
        for a, b in s.changed
    ]

    def plain(items: list[Sentence]) -> list[tuple[str, str]]:
        return [(f"{x.section}: {x.text}", f"<i>{esc(x.section)}</i>: {esc(x.text)}") for x in items]

    def files(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(f"`{p}` ({what})", f"<code>{esc(p)}</code> ({what})") for p, what in rows]

    def ids(pair: tuple[list[str], list[str]], label: dict[str, str]) -> list[tuple[str, str]]:
        rows = [("added", i) for i in pair[0]] + [("removed", i) for i in pair[1]]
        return [
            (
                f"{what}: `{i}` {label.get(i, '')}".rstrip(),
                f"{what}: <code>{esc(i)}</code> {esc(label.get(i, ''))}",
            )
            for what, i in rows
        ]

    return [
        ("Numbers that changed", number_items),
        ("Sentences changed", changed_items),
        ("Sentences added", plain(s.added)),
        ("Sentences removed", plain(s.removed)),
        ("Figures whose files changed", files(report.figures)),
        ("Tables whose files changed", files(report.tables)),
        ("Sources added or removed", ids(report.sources, report.source_titles)),
        ("Cases added or removed", ids(report.cases, report.case_sources)),
    ]


def _title(report: Report) -> str:
    return f"Changes from version {report.old.version} to {report.new.version}"


def _versions(report: Report) -> list[str]:
    return [
        f"{v.label}: version {v.version}, dated {v.date}, commit {v.commit}" for v in (report.old, report.new)
    ]


def to_markdown(report: Report) -> str:
    lines = [
        f"# {_title(report)}",
        "",
        *(f"- {v}" for v in _versions(report)),
        "",
        f"Summary: {report.summary()}.",
        "",
    ]
    for heading, items in _sections(report):
        lines += [f"## {heading} ({len(items)})", ""]
        lines += [f"- {md}" for md, _ in items] or ["None."]
        lines.append("")
    lines.append("Word-level marks: ~~removed~~ **added**.")
    return "\n".join(lines) + "\n"


HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;line-height:1.45}}
del{{background:#fdd;text-decoration:line-through}} ins{{background:#dfd;text-decoration:none}}
li{{margin:.3rem 0}} code{{font-size:.9em}}</style></head>
<body><h1>{title}</h1>
{body}
</body></html>
"""


def to_html(report: Report) -> str:
    esc = html.escape
    body = ["<ul>", *(f"<li>{esc(v)}</li>" for v in _versions(report)), "</ul>"]
    body.append(f"<p><b>Summary:</b> {esc(report.summary())}.</p>")
    for heading, items in _sections(report):
        body.append(f"<h2>{esc(heading)} ({len(items)})</h2>")
        body += ["<ul>", *(f"<li>{h}</li>" for _, h in items), "</ul>"] if items else ["<p>None.</p>"]
    return HTML_PAGE.format(title=esc(_title(report)), body="\n".join(body))


# --------------------------------------------------------------------------- main


def build(tree: Path, label: str) -> None:
    print(f"changes: building {label} (ledger, tables, figures, manuscript text) ...", flush=True)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "snakemake", MANUSCRIPT_MD, "--cores", "2", "--quiet", "all"]
    result = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"the build of {label} failed:\n{(result.stdout + result.stderr)[-4000:]}")
    print(f"changes: built {label} in {time.perf_counter() - start:.0f} s", flush=True)


def _anchor():
    sys.path.insert(0, str(ROOT / "workflow" / "lib"))
    from crsreview.manuscript import anchor

    return anchor


def run(ref: str, root: Path = ROOT) -> int:
    gitref.require_checkout(root, "changes")
    commit = gitref.commit_of(root, ref)
    old_config = gitref.show(root, commit, "config/config.yaml")
    old = Version(ref, gitref.describe(root, commit), *paper_meta(old_config))
    new_config = (root / "config/config.yaml").read_text(encoding="utf-8")
    new = Version("now (working tree)", gitref.describe(root), *paper_meta(new_config))
    with gitref.worktree(root, commit, prefix="crsreview-changes-") as tree:
        print(f"changes: checked out {ref} ({commit[:12]}) in a temporary worktree", flush=True)
        build(tree, f"{ref} in the temporary worktree")
        build(root, "the working tree")
        report = compare(tree, root, old, new, _anchor())
    out = root / OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    (out / "changes.md").write_text(to_markdown(report), encoding="utf-8")
    (out / "changes.html").write_text(to_html(report), encoding="utf-8")
    print(f"changes: {report.summary()}")
    print(f"changes: wrote {OUT_DIR}/changes.md and {OUT_DIR}/changes.html")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return run(argv[0])
    except (gitref.NeedsCheckout, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"changes: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
