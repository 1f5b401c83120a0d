"""Tests for crsreview.render: HTML/DOCX/PDF rendering of a SYNTHETIC fixture manuscript.

Run: cd /work/main && PYTHONPATH=workflow/lib .venv/bin/python -m pytest tests/test_render.py -q
"""

from __future__ import annotations

import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pypandoc
import pypdf
import pytest

from crsreview.render import RenderError, find_remote_references, render_docx, render_html, render_pdf

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "render"
CSL = REPO / "manuscript" / "csl" / "vancouver-numeric.csl"
CSS = REPO / "manuscript" / "assets" / "manuscript.css"
PANDOC = REPO / "manuscript" / "pandoc"
DATE = "2025-01-15"
EPOCH = 1736899200  # 2025-01-15T00:00:00Z
TYPST_TIMESTAMP = 0  # 1970: deliberately not DATE, the PDF date must come from DATE


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A private copy of the fixture project (markdown, bibliography, figures)."""
    dest = tmp_path / "src"
    shutil.copytree(FIXTURES, dest)
    return dest


def _kw(src: Path) -> dict:
    return dict(
        bibliography=src / "references.json", csl=CSL, resource_path=[src], date=DATE, pandoc_dir=PANDOC
    )


def _html(src: Path, out: Path) -> Path:
    return render_html(src / "manuscript.md", out, css=CSS, **_kw(src))


def _docx(src: Path, out: Path) -> Path:
    return render_docx(src / "manuscript.md", out, source_date_epoch=EPOCH, **_kw(src))


def _pdf(src: Path, out: Path) -> Path:
    return render_pdf(src / "manuscript.md", out, timestamp=TYPST_TIMESTAMP, **_kw(src))


def _squash(text: str) -> str:
    """Drop whitespace and hyphens so line breaks/hyphenation in PDF text do not matter."""
    return re.sub(r"[\s\-\u2010\u00ad]", "", text)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict]]:
    p = _Elements()
    p.feed(html)
    return p.elements


# --------------------------------------------------------------------------- HTML


def test_html_is_self_contained_and_links_resolve(src: Path, tmp_path: Path) -> None:
    out = _html(src, tmp_path / "out" / "manuscript.html")
    html = out.read_text(encoding="utf-8")
    els = _elements(html)

    assert find_remote_references(html) == []
    assert not [a for t, a in els if t == "link" and "stylesheet" in (a.get("rel") or "")]
    assert "max-width: 46em" in html  # our CSS is embedded
    imgs = [a["src"] for t, a in els if t == "img"]
    assert imgs and all(s.startswith("data:image/svg+xml") for s in imgs)  # SVG, embedded

    ids = {a["id"] for _, a in els if "id" in a}
    nums = [a for t, a in els if t == "a" and "num" in (a.get("class") or "").split()]
    assert {a["href"] for a in nums} == {"#num-sc-covid-il6", "#num-empty-anchor"}
    for a in nums:
        assert a["href"][1:] in ids, f"provenance target {a['href']} missing"
        assert a.get("title")  # tooltip kept
    assert {"fig-evidence", "tbl-summary", "ref-synthetic2020", "ref-synthweb2021"} <= ids
    assert [a for t, a in els if t == "span" and "unverified" in (a.get("class") or "")]

    assert "Synthetic Rendering Fixture" in html and DATE in html
    assert '[<a href="#ref-synthetic2020"' in html  # numeric, bracketed citation
    assert "Testauthor AB, Fixture C, Three D, Four E, Five F, Six G, et al." in html


def test_html_is_byte_identical_across_renders_and_locations(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(FIXTURES, a)
    shutil.copytree(FIXTURES, b)
    assert _html(a, a / "m.html").read_bytes() == _html(b, b / "m.html").read_bytes()


def test_find_remote_references() -> None:
    bad = (
        '<img src="https://x.org/a.png"><link rel="stylesheet" href="//cdn.x/s.css">'
        '<style>@import url("http://x.org/f.css");</style><div style="background:url(https://x/y)">'
        '<img srcset="a.png 1x, https://x/b.png 2x">'
    )
    assert len(find_remote_references(bad)) == 5
    ok = (
        '<a href="https://doi.org/10.1/x">doi</a><img src="data:image/png;base64,AAAA">'
        "<style>/* see https://pandoc.org */ a { color: red }</style>"
    )
    assert find_remote_references(ok) == []


# --------------------------------------------------------------------------- DOCX


def test_docx_renders_with_png_and_internal_links(src: Path, tmp_path: Path) -> None:
    out = _docx(src, tmp_path / "out" / "manuscript.docx")
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        doc = z.read("word/document.xml").decode("utf-8")
        infos = z.infolist()
    media = [n for n in names if n.startswith("word/media/")]
    assert media and all(n.endswith(".png") for n in media)  # SVG swapped for its PNG twin
    assert 'w:anchor="num-sc-covid-il6"' in doc and 'w:anchor="num-empty-anchor"' in doc
    assert 'w:name="num-sc-covid-il6"' in doc and 'w:name="num-empty-anchor"' in doc
    assert "Synthetic Rendering Fixture" in doc and "Synthetic reference page" in doc
    assert {i.date_time for i in infos} == {(2025, 1, 15, 0, 0, 0)}  # SOURCE_DATE_EPOCH


def test_docx_is_byte_identical_across_renders_and_locations(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(FIXTURES, a)
    shutil.copytree(FIXTURES, b)
    assert _docx(a, a / "m.docx").read_bytes() == _docx(b, b / "m.docx").read_bytes()


def test_docx_missing_png_twin_raises_and_writes_nothing(src: Path, tmp_path: Path) -> None:
    (src / "img" / "fig1.png").unlink()
    out = tmp_path / "out" / "manuscript.docx"
    with pytest.raises(RenderError, match=r"manuscript\.md"):
        _docx(src, out)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no temp file left behind either


# --------------------------------------------------------------------------- PDF


def test_pdf_text_links_and_metadata(src: Path, tmp_path: Path) -> None:
    out = _pdf(src, tmp_path / "out" / "manuscript.pdf")
    reader = pypdf.PdfReader(out)
    texts = [p.extract_text() for p in reader.pages]
    text = _squash("\n".join(texts))
    for needle in (
        "Synthetic Rendering Fixture",
        "Testauthor AB, Fixture C, Three D, Four E, Five F, Six G, et al.",
        "A synthetic cohort for rendering tests. Journal of Synthetic Fixtures. 2020;12(3):101",
        "doi:10.0000/synthetic.2020.1. PMID: 00000001.",
        "Synthetic reference page [Internet]",
        "Available from: https://example.org/synthetic-reference",
        "36.7 pg/mL",
    ):
        assert _squash(needle) in text, needle
    assert "[1,2]" in texts[0]

    # Provenance links are internal links to the appendix page.
    appendix = next(i for i, t in enumerate(texts) if "Appendix: provenance" in t)
    pages = [p.get_object() for p in reader.pages]
    targets = [
        pages.index(a.get_object()["/Dest"][0].get_object())
        for a in reader.pages[0].get("/Annots", [])
        if "/Dest" in a.get_object()
    ]
    assert targets.count(appendix) >= 2
    assert reader.metadata["/CreationDate"].startswith("D:20250115")


def test_pdf_is_byte_identical_across_renders_and_locations(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(FIXTURES, a)
    shutil.copytree(FIXTURES, b)
    assert _pdf(a, a / "m.pdf").read_bytes() == _pdf(b, b / "m.pdf").read_bytes()


def test_typst_error_raises_and_writes_nothing(src: Path, tmp_path: Path) -> None:
    md = src / "manuscript.md"
    md.write_text(md.read_text() + "\n```{=typst}\n#this-function-does-not-exist()\n```\n")
    out = tmp_path / "out" / "manuscript.pdf"
    with pytest.raises(RenderError, match=r"typst failed.*manuscript\.md"):
        _pdf(src, out)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # neither the PDF temp file nor the .typ


def test_typst_warning_is_an_error(src: Path, tmp_path: Path) -> None:
    md = src / "manuscript.md"
    md.write_text(md.read_text() + '\n```{=typst}\n#text(font: "No Such Font")[x]\n```\n')
    out = tmp_path / "out" / "manuscript.pdf"
    with pytest.raises(RenderError, match="unknown font family"):
        _pdf(src, out)
    assert not out.exists()


# --------------------------------------------------------------------------- broken input


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_unknown_citation_raises_and_writes_nothing(fmt: str, src: Path, tmp_path: Path) -> None:
    md = src / "manuscript.md"
    md.write_text(md.read_text() + "\nAn unknown source [@nosuchkey2099].\n")
    out = tmp_path / "out" / f"manuscript.{fmt}"
    render = {"html": _html, "docx": _docx, "pdf": _pdf}[fmt]
    with pytest.raises(RenderError, match=r"manuscript\.md") as err:
        render(src, out)
    assert "nosuchkey2099" in str(err.value)
    assert not out.exists()


def test_existing_output_survives_a_failed_render(src: Path, tmp_path: Path) -> None:
    out = _html(src, tmp_path / "manuscript.html")
    before = out.read_bytes()
    md = src / "manuscript.md"
    md.write_text(md.read_text() + "\n![remote](https://example.org/x.png)\n")
    with pytest.raises(RenderError, match="remote image"):
        _html(src, out)
    assert out.read_bytes() == before


def test_bad_date_is_rejected(src: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_html(
            src / "manuscript.md", tmp_path / "m.html", css=CSS, **{**_kw(src), "date": "15 Jan 2025"}
        )


# --------------------------------------------------------------------------- CSL style


def test_csl_formats_every_item_type() -> None:
    """vancouver-numeric.csl on SYNTHETIC items of each type used by references.json."""
    md = "One [@t-journal]. Range [@t-book; @t-article; @t-webpage]. Rest [@t-conf; @t-document; @t-notitle; @t-noauthor; @t-journal].\n"
    text = pypandoc.convert_text(
        md,
        "plain",
        format="markdown",
        extra_args=[
            "--citeproc",
            f"--bibliography={FIXTURES / 'csl-types.json'}",
            f"--csl={CSL}",
            "--wrap=none",
            "--fail-if-warnings",
        ],
    )
    lines = [line for line in text.splitlines() if line]
    assert lines[0] == "One [1]. Range [2–4]. Rest [1,5–8]."
    assert lines[1:] == [
        "1. Doe JP, Roe W. A synthetic question? Synthetic Care. 2019;23(1):101–109. doi:10.0000/syn.1. PMID: 123. PMCID: PMC456.",
        "2. Smith A. Synthetic therapy. 2nd ed. Nowhere: Fixture Press; 2018.",
        "3. Pre P. A synthetic preprint. fixRxiv. 2021. doi:10.0000/syn.2.",
        "4. Synthetic Consortium. Synthetic entry P00000 [Internet]. Available from: https://example.org/p00000",
        "5. Talk E. A synthetic talk. In: Proc Synthetic Conf. Fixture Soc; 2020. p. 1–5.",
        "6. Fixture Devices. Synthetic instructions for use. 2022. Available from: https://example.org/ifu.pdf",
        "7. Letter P. Synthetic Lancet. 2020;395:1033–1034.",
        "8. An unsigned synthetic editorial. Synthetic BMJ. 2020;1.",
    ]
