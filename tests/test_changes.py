"""`make changes` (tools/changes.py): rendered text, sentence and number comparison, writers,
and the one-line refusal outside a git checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import changes  # noqa: E402
import gitref  # noqa: E402

OLD_MD = """\
---
title: T
---

# Abstract

**Background.** Severe CRS can resist drugs. We found [2](#num-cases-n){.num title="x"} patients [@xiao2019].

# Results

## Evidence base

The review pooled [3](#num-review-inst){.num} cases. Each value has a locator, e.g. a table.

| a | b |
|---|---|
| [9](#num-in-table){.num} | x |

Table: Cases.

Removed sentence about kinetics.

# Appendix A: provenance {#appendix}

[2](#num-cases-n){.num}: formula and facts.
"""

NEW_MD = OLD_MD.replace("[2](#num-cases-n)", "[4](#num-cases-n)").replace(
    "Removed sentence about kinetics.", "A new sentence about \\<outcomes\\> & survival."
)


def _sentences(tmp_path: Path, text: str, name: str) -> list[changes.Sentence]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return changes.read_sentences(path)


def anchor(key: str) -> str:
    return "num-" + key.replace(".", "-").replace("_", "-")


def test_sentences_are_plain_text_with_sections_and_number_links(tmp_path):
    found = _sentences(tmp_path, OLD_MD, "old.md")
    assert [s.text for s in found] == [
        "Background. Severe CRS can resist drugs.",  # a label stays with its sentence
        "We found 2 patients [@xiao2019].",
        "The review pooled 3 cases.",
        "Each value has a locator, e.g. a table.",  # no break after an abbreviation
        "Removed sentence about kinetics.",
    ]  # table cells and the appendix are left out
    assert found[1].section == "Abstract" and found[1].anchors == ("num-cases-n",)
    assert found[2].section == "Results › Evidence base" and found[2].anchors == ("num-review-inst",)


def test_word_diff_marks_removed_and_added_words():
    assert changes.word_diff("a man aged 23 years", "a man aged 41 years") == [
        ("=", "a man aged"),
        ("-", "23"),
        ("+", "41"),
        ("=", "years"),
    ]


def test_compare_sentences_pairs_similar_ones_and_lists_the_rest():
    def s(text):
        return changes.Sentence("S", text, ())

    old = [s("one two three four"), s("alpha beta gamma delta"), s("kept as is"), s("gone entirely now")]
    new = [s("one two three five"), s("brand new words here"), s("alpha beta gamma epsilon"), s("kept as is")]
    out = changes.compare_sentences(old, new)
    assert [(a.text, b.text) for a, b in out.changed] == [
        ("one two three four", "one two three five"),
        ("alpha beta gamma delta", "alpha beta gamma epsilon"),
    ]
    assert [x.text for x in out.added] == ["brand new words here"]
    assert [x.text for x in out.removed] == ["gone entirely now"]


def test_number_changes_name_the_sentence_now_or_at_ref():
    old_s = [changes.Sentence("Results", "Gone 7 here.", ("num-old-only",))]
    new_s = [changes.Sentence("Abstract", "We found 4 patients.", ("num-cases-n",))]
    old_ledger = {"cases.n": {"text": "2"}, "old.only": {"text": "7"}, "same": {"text": "1"}}
    new_ledger = {"cases.n": {"text": "4"}, "same": {"text": "1"}, "table.only": {"text": "9"}}
    rows = changes.number_changes(old_ledger, new_ledger, old_s, new_s, anchor)
    assert [(r.key, r.old, r.new, [w.text for w in r.where]) for r in rows] == [
        ("cases.n", "2", "4", ["We found 4 patients."]),
        ("old.only", "7", "(absent)", ["Gone 7 here."]),
        ("table.only", "(absent)", "9", []),
    ]


def test_changed_files_and_ids():
    assert changes.changed_files({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "9", "d": "4"}) == [
        ("b", "changed"),
        ("c", "removed"),
        ("d", "added"),
    ]
    assert changes.added_removed({"x": {}, "y": {}}, {"y": {}, "z": {}}) == (["z"], ["x"])


def _report(tmp_path: Path) -> changes.Report:
    old_s, new_s = _sentences(tmp_path, OLD_MD, "old.md"), _sentences(tmp_path, NEW_MD, "new.md")
    return changes.Report(
        old=changes.Version("v0.1.0", "abc", "0.1.0", "2026-11-23"),
        new=changes.Version("now (working tree)", "def", "0.2.0", "2026-12-01"),
        numbers=changes.number_changes(
            {"cases.n": {"text": "2"}}, {"cases.n": {"text": "4"}}, old_s, new_s, anchor
        ),
        sentences=changes.compare_sentences(old_s, new_s),
        figures=[("figures/evidence-map.svg", "changed"), ("figures/evidence-map.png", "changed")],
        tables=[("manuscript/tables/table1-cases.md", "changed")],
        sources=(["new2026"], []),
        cases=(["new2026-1"], ["old2020-1"]),
        source_titles={"new2026": "New et al. (2026)"},
        case_sources={"new2026-1": "new2026", "old2020-1": "old2020"},
    )


def test_markdown_report_lists_everything(tmp_path):
    text = changes.to_markdown(_report(tmp_path))
    assert text.startswith("# Changes from version 0.1.0 to 0.2.0\n")
    assert "- v0.1.0: version 0.1.0, dated 2026-11-23, commit abc" in text
    assert "`cases.n`: 2 → 4 — Abstract: “We found 4 patients [@xiao2019].”" in text
    assert "Abstract: We found ~~2~~ **4** patients [@xiao2019]." in text
    assert "Results › Evidence base: A new sentence about <outcomes> & survival." in text
    assert "## Sentences removed (1)\n\n- Results › Evidence base: Removed sentence about kinetics." in text
    assert "1 figure changed" in text and "1 table changed" in text
    assert "added: `new2026` New et al. (2026)" in text and "removed: `old2020-1` old2020" in text


def test_html_report_escapes_text_and_marks_words(tmp_path):
    page = changes.to_html(_report(tmp_path))
    assert "We found <del>2</del> <ins>4</ins> patients" in page
    assert "about &lt;outcomes&gt; &amp; survival." in page and "<outcomes>" not in page


def test_outside_a_git_checkout_changes_and_diff_say_so_in_one_line(tmp_path):
    archive = tmp_path / "archive"  # like an extracted release archive: no .git
    shutil.copytree(ROOT / "tools", archive / "tools")
    for tool in ("changes.py", "numbers_diff.py"):
        result = subprocess.run(
            [sys.executable, str(archive / "tools" / tool), "HEAD~1"],
            cwd=archive,
            capture_output=True,
            text=True,
            env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)},
        )
        assert result.returncode == 2, result.stderr
        assert "needs a git checkout" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(gitref.NeedsCheckout):
        gitref.require_checkout(archive, "changes")


def test_unknown_ref_is_a_one_line_error():
    with pytest.raises(ValueError, match="names no commit"):
        gitref.commit_of(ROOT, "no-such-ref-crsreview")


@pytest.mark.slow
def test_changes_after_a_data_edit_lists_numbers_and_sentences(built_a, tmp_path):
    """In a git repository made from a built copy: commit, edit one age (SYNTHETIC edit), commit."""
    import yaml

    from tests.build_helpers import copy_built

    repo = copy_built(built_a, tmp_path / "repo")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    path = repo / "data/raw/extractions/xiao2019.yaml"
    doc = yaml.safe_load(path.read_text())
    age = doc["cases"][0]["facts"]["age_years"]
    old, new = age["value"], age["value"] + 7
    age["value"] = new
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    config = repo / "config/config.yaml"
    config.write_text(config.read_text().replace('version: "0.1.0"', 'version: "0.1.1-test"'))
    subprocess.run([*git, "commit", "-qam", "SYNTHETIC age edit"], cwd=repo, check=True)

    result = subprocess.run(
        [sys.executable, "tools/changes.py", "HEAD~1"], cwd=repo, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = (repo / "manuscript/build/changes.md").read_text()
    assert "to 0.1.1-test" in text
    numbers = text.split("## Numbers that changed")[1].split("\n## ")[0]
    assert any(f"{old} " in line and f"→ {new} " in line and "“" in line for line in numbers.splitlines())
    changed = text.split("## Sentences changed")[1].split("\n## ")[0]
    assert f"~~{old}~~ **{new}**" in changed
    assert "<del>" in (repo / "manuscript/build/changes.html").read_text()
    listed = subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True, text=True).stdout
    assert len(listed.strip().splitlines()) == 1, "the temporary worktree was not removed"
