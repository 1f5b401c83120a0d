"""Render the manuscript Markdown to HTML, DOCX and PDF, byte-deterministically and offline.

pandoc (the binary shipped with ``pypandoc-binary``; path from ``pypandoc.get_pandoc_path()``)
does all three conversions with citeproc and the project CSL; the PDF goes through pandoc's
typst writer and the ``typst`` Python package. Static pandoc options live in one defaults
file per format in ``manuscript/pandoc/`` (html.yaml, docx.yaml, typst.yaml, plus the Lua
filters they name); the functions here add only the per-build paths and the date.

Guarantees:
- Same inputs, same bytes: the date is always explicit, DOCX gets ``SOURCE_DATE_EPOCH``,
  typst gets a fixed ``timestamp``, a fixed document date and only its embedded fonts.
- No network: remote images are rejected by a Lua filter, pandoc runs with an unusable
  HTTP proxy, and the finished HTML is checked for remote ``src``/stylesheet references.
- Atomic output: each function writes a temp file in the output directory and
  ``os.replace``-s it (``files.atomic_path``), so a failure leaves no (partial) output file.
- Errors from pandoc or typst are raised as :class:`RenderError` naming the input file.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pypandoc
import typst

from .errors import RenderingError
from .files import atomic_path

__all__ = ["PANDOC_DIR", "RenderError", "find_remote_references", "render_docx", "render_html", "render_pdf"]

#: Defaults files and Lua filters (repo: manuscript/pandoc/).
PANDOC_DIR = Path(__file__).resolve().parents[3] / "manuscript" / "pandoc"

# Any attempt by pandoc to fetch a URL goes to this proxy and fails at once (port 9 =
# discard, nothing listens): a belt to the no-remote-images.lua braces.
_NO_NETWORK = "http://127.0.0.1:9"
_PANDOC_TIMEOUT_S = 600
_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_REMOTE = re.compile(r"(?:url\(\s*['\"]?|@import\s+['\"])\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class RenderError(RenderingError):
    """pandoc or typst failed, or the result broke a rule (e.g. a remote resource)."""


# --------------------------------------------------------------------------- helpers


def _check_date(date: str) -> str:
    """Return ``date`` if it is an ISO calendar date (YYYY-MM-DD), else raise ValueError."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise ValueError(f"date must be YYYY-MM-DD, got {date!r}")
    _dt.date.fromisoformat(date)  # rejects e.g. 2024-02-30
    return date


def _abs(path: Path | str) -> Path:
    return Path(path).resolve()


def _pandoc_env(source_date_epoch: int | None) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env[var] = _NO_NETWORK
    for var in ("no_proxy", "NO_PROXY"):
        env.pop(var, None)
    env.pop("SOURCE_DATE_EPOCH", None)  # only where we set it on purpose
    if source_date_epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(int(source_date_epoch))
    return env


def _run_pandoc(
    md: Path,
    out: Path,
    fmt: str,
    args: Sequence[str],
    *,
    source_date_epoch: int | None = None,
) -> None:
    """Run pandoc with ``manuscript/pandoc/<fmt>.yaml`` on ``md``, writing ``out``.

    We call the pypandoc-provided binary with ``subprocess`` rather than
    ``pypandoc.convert_file`` because the latter cannot take a per-call environment
    (needed for SOURCE_DATE_EPOCH and the proxy) without mutating ``os.environ``.
    """
    defaults = PANDOC_DIR / f"{fmt}.yaml"
    cmd = [pypandoc.get_pandoc_path(), f"--defaults={defaults}", str(md), f"--output={out}", *args]
    try:
        proc = subprocess.run(
            cmd,
            env=_pandoc_env(source_date_epoch),
            capture_output=True,
            text=True,
            timeout=_PANDOC_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"pandoc ({fmt}) could not run on {md}: {exc}") from exc
    if proc.returncode != 0:
        raise RenderError(f"pandoc ({fmt}) failed on {md} (exit {proc.returncode}):\n{proc.stderr.strip()}")


def _common_args(bibliography: Path, csl: Path, resource_path: Sequence[Path], date: str) -> list[str]:
    if not resource_path:
        raise ValueError("resource_path must name at least one directory (where figures are found)")
    return [
        f"--bibliography={_abs(bibliography)}",
        f"--csl={_abs(csl)}",
        "--resource-path=" + os.pathsep.join(str(_abs(p)) for p in resource_path),
        f"--metadata=date:{_check_date(date)}",
    ]


def _diagnostic(exc: BaseException) -> str:
    """typst-py errors/warnings have a rendered ``diagnostic`` (message + source excerpt)."""
    return (getattr(exc, "diagnostic", None) or str(exc)).strip()


class _RemoteFinder(HTMLParser):
    """Collect attribute values / CSS that would make a browser load something remote."""

    # Attributes a browser fetches automatically. <a href> is a link the reader may
    # follow (DOIs in the reference list), so it is allowed.
    _FETCHED: ClassVar[frozenset[str]] = frozenset({"src", "srcset", "poster", "data", "background"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            fetched = name in self._FETCHED or (
                name in ("href", "xlink:href") and tag in ("link", "image", "use", "script", "feimage")
            )
            if fetched and any(_REMOTE.match(part) for part in value.split(",")):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style" and _CSS_REMOTE.search(value):
                self.found.append(f"<{tag} style={value!r}>")
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and _CSS_REMOTE.search(data):
            self.found.append(f"<style> … {_CSS_REMOTE.search(data).group(0)} …")


def find_remote_references(html: str) -> list[str]:
    """Return every place in ``html`` that would load a remote resource (empty = offline-safe).

    Checks fetched attributes (``src``, ``srcset``, ``<link href>``, SVG ``<image href>`` …)
    and ``url(...)``/``@import`` in ``<style>`` and ``style=""``. Ordinary hyperlinks
    (``<a href="https://doi.org/...">``) are allowed.
    """
    finder = _RemoteFinder()
    finder.feed(html)
    finder.close()
    return finder.found


# --------------------------------------------------------------------------- renderers


def render_html(
    md: Path,
    out: Path,
    *,
    bibliography: Path,
    csl: Path,
    css: Path,
    resource_path: Sequence[Path],
    date: str,
) -> Path:
    """Render ``md`` to one self-contained HTML file ``out`` and return ``out``.

    Citations are formatted by citeproc with ``csl``; ``css`` and every figure (SVG,
    looked up in ``resource_path``) are embedded. ``date`` (YYYY-MM-DD) is the document
    date. Raises :class:`RenderError` if pandoc fails or the result references a remote
    resource; ``out`` is then left untouched.
    """
    md, out = Path(md), Path(out)  # md kept as given: error messages name it so
    args = [*_common_args(bibliography, csl, resource_path, date), f"--css={_abs(css)}"]
    with atomic_path(out) as tmp:
        _run_pandoc(md, tmp, "html", args)
        remote = find_remote_references(tmp.read_text(encoding="utf-8"))
        if remote:
            raise RenderError(f"HTML from {md} references remote resources: " + "; ".join(remote))
    return out


def render_docx(
    md: Path,
    out: Path,
    *,
    bibliography: Path,
    csl: Path,
    resource_path: Sequence[Path],
    date: str,
    source_date_epoch: int,
) -> Path:
    """Render ``md`` to DOCX ``out`` and return ``out``.

    Each ``x.svg`` image is replaced by its PNG twin ``x.png`` (svg-to-png.lua; pandoc
    cannot embed SVG in DOCX without rsvg-convert), which must exist in ``resource_path``.
    ``source_date_epoch`` fixes the zip entry and core-properties timestamps, so the
    bytes are reproducible. Provenance links ``[v](#id)`` become internal hyperlinks to
    the bookmark made from ``[]{#id}``.
    """
    md, out = Path(md), Path(out)  # md kept as given: error messages name it so
    args = _common_args(bibliography, csl, resource_path, date)
    with atomic_path(out) as tmp:
        _run_pandoc(md, tmp, "docx", args, source_date_epoch=source_date_epoch)
    return out


def render_pdf(
    md: Path,
    out: Path,
    *,
    bibliography: Path,
    csl: Path,
    resource_path: Sequence[Path],
    date: str,
    timestamp: int,
) -> Path:
    """Render ``md`` to PDF ``out`` via pandoc's typst writer and typst; return ``out``.

    The typst project root is the deepest directory containing ``md``, ``out`` and all
    ``resource_path`` entries (typst refuses files outside its root); the intermediate
    ``.typ`` is a temp file next to ``out`` and is removed afterwards. typst uses only its
    embedded fonts (``ignore_system_fonts``) and the fixed ``timestamp`` (Unix seconds),
    and the document date is set from ``date``, so the PDF is byte-reproducible.
    """
    md, out = Path(md), Path(out)  # md kept as given: error messages name it so
    out_dir = _abs(out.parent)
    out_dir.mkdir(parents=True, exist_ok=True)
    root = Path(os.path.commonpath([_abs(md).parent, out_dir, *(_abs(p) for p in resource_path)]))
    args = [*_common_args(bibliography, csl, resource_path, date), f"--metadata=typst-root:{root}"]
    with atomic_path(out) as tmp_pdf:
        fd, typ_name = tempfile.mkstemp(dir=out_dir, prefix=f".{out.stem}.", suffix=".typ")
        os.close(fd)
        typ = Path(typ_name)
        try:
            _run_pandoc(md, typ, "typst", args)
            try:
                pdf, warnings = typst.compile_with_warnings(
                    str(typ),
                    root=str(root),
                    font_paths=[],
                    ignore_system_fonts=True,
                    format="pdf",
                    timestamp=int(timestamp),
                )
            except Exception as exc:  # typst.TypstError (a RuntimeError) carries a diagnostic
                raise RenderError(
                    f"typst failed on the typst source made from {md}:\n{_diagnostic(exc)}"
                ) from exc
            # Like pandoc's --fail-if-warnings: e.g. an unknown font would silently fall back.
            if warnings:
                details = "\n".join(_diagnostic(w) for w in warnings)
                raise RenderError(f"typst warned on the typst source made from {md}:\n{details}")
            tmp_pdf.write_bytes(pdf)
        finally:
            typ.unlink(missing_ok=True)
    return out
