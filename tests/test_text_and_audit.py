"""Markdown escaping, citations and the number audit."""

from __future__ import annotations

import pytest

from crsreview import audit, mdtext

NAMES = audit.allowed_names(["IL-6", "IL-1beta", "IFN-gamma"], ["COVID-19", "grade 3-4"])


def test_escape_makes_markup_literal():
    text = mdtext.escape("<script>x</script> *b* [l](u) @cite | `c`")
    assert "<" not in text.replace("\\<", "") and "\\@cite" in text and "\\|" in text


def test_cite_validates_keys():
    assert mdtext.cite("a2019; b2020") == "[@a2019; @b2020]"
    assert mdtext.cite(["b2020", "a2019; b2020"]) == "[@a2019; @b2020]"
    with pytest.raises(ValueError):
        mdtext.cite("bad key")


@pytest.mark.parametrize(
    "line",
    [
        "IL-6 and IL-1beta were high in COVID-19 and grade 3-4 CRS [@hong2021].",
        "See Figure 1, Table 2 and Table S1.",
        "Value {{ n('x') }} and {% if ok('y') %}yes{% endif %}",
    ],
)
def test_declared_contexts_pass(line):
    assert audit.scan_template("t.md.j2", line, NAMES) == []


def test_literal_number_is_found_with_line():
    found = audit.scan_template("04-results.md.j2", "ok line\nIL-6 fell by 42 percent.\n", NAMES)
    assert [(f.line, f.token) for f in found] == [(2, "42")]


def test_number_from_data_is_found_in_rendered_text():
    found = audit.scan_rendered("x.md.j2", "Outcome: {{ case.outcome }}", "Outcome: died on day 36", NAMES)
    assert found and found[0].token == "36" and found[0].line == 1
