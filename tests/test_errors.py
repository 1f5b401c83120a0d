"""One error family (issue 16 §3): data, template and render errors print as one clear block."""

from __future__ import annotations

import csv

import pytest

from crsreview import clean, runner, steps_evidence
from crsreview.errors import BuildError, InputError, Problem, RenderingError, TemplateError
from crsreview.manuscript import ManuscriptError
from crsreview.render import RenderError
from crsreview.validate import RawPaths
from tests.conftest import VOCAB


def test_template_and_render_errors_belong_to_the_family():
    assert issubclass(InputError, BuildError)
    assert issubclass(ManuscriptError, TemplateError) and issubclass(TemplateError, BuildError)
    assert issubclass(RenderError, RenderingError) and issubclass(RenderingError, BuildError)
    # Callers that caught the old bases keep working.
    assert issubclass(ManuscriptError, ValueError) and issubclass(RenderError, RuntimeError)


@pytest.mark.parametrize(
    ("error", "title"),
    [
        (
            InputError([Problem("data/raw/x.yaml", "x-1", "facts.age", "unknown")]),
            "problems in the input data",
        ),
        (
            ManuscriptError("template 04-results.md.j2, line 3: unknown key"),
            "problem in a manuscript template",
        ),
        (RenderError("typst failed: manuscript.md"), "the manuscript could not be rendered"),
    ],
)
def test_runner_prints_one_block_without_traceback(tmp_path, capsys, error, title):
    def step():
        raise error

    with pytest.raises(SystemExit) as info:
        runner.run(tmp_path / "log.txt", step, "some_rule")
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith(runner.RULE) and err.rstrip().endswith(runner.RULE)
    assert f"[some_rule] stopped: {title}" in err
    assert "Traceback" not in err and str(error).splitlines()[0] in err


def test_duplicate_fact_id_is_an_input_error(raw_copy, tmp_path):
    part = tmp_path / "part.csv"
    row = dict.fromkeys(clean.FACT_COLUMNS, "")
    row.update(fact_id="xiao2019-1.m1", table="case", source_id="xiao2019")
    with open(part, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=clean.FACT_COLUMNS)
        writer.writeheader()
        writer.writerows([row, {**row, "table": "measurement"}])
    paths = RawPaths.from_dir(raw_copy, frozenset())
    out = {"facts": tmp_path / "facts.csv", "sources": tmp_path / "sources.csv"}
    with pytest.raises(InputError) as info:
        steps_evidence.merge_facts([part], paths, VOCAB, out)
    (problem,) = info.value.problems
    assert problem.record == "xiao2019-1.m1" and problem.field == "fact_id"
    assert "xiao2019" in problem.file and "case and measurement" in problem.reason
    assert not out["facts"].exists()
