"""Live preview (tools/preview.py): page injection, failure reports, build state, process
cleanup, the loopback server, and one end-to-end run in a built copy (edit -> reload, a
failing edit -> report in the page, SIGINT -> nothing left running)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import preview  # noqa: E402

# The shape of a failed Snakemake run (validation report printed by crsreview.runner).
FAILED_RUN = """\
Building DAG of jobs...
localrule validate:
    log: logs/validate.log
[validate] 2 problems in the raw data (file | record | field | reason):
  - data/raw/extractions/a.yaml | record a-1 | field facts.age_years.locator | must not be empty
  - data/raw/sources.csv | record b | field design | not in the vocabulary
RuleException:
CalledProcessError in file "workflow/rules/evidence.smk", line 28:
Error in rule validate:
    log: logs/validate.log (check log file(s) for error details)
[validate] 2 problems in the raw data (file | record | field | reason):
  - data/raw/extractions/a.yaml | record a-1 | field facts.age_years.locator | must not be empty
  - data/raw/sources.csv | record b | field design | not in the vocabulary
WorkflowError:
At least one job did not complete successfully.
"""


def test_inject_adds_script_before_body_end_and_keeps_the_rest():
    page = b"<html><body><p>paper</p></body>\n</html>\n"
    out = preview.inject(page, 7)
    assert out.startswith(b"<html><body><p>paper</p><script>") and out.endswith(b"</body>\n</html>\n")
    assert b"var id = 7" in out and preview.WAIT_PATH.encode() in out
    script = out[len(b"<html><body><p>paper</p>") : out.rindex(b"</body>")]
    assert out.replace(script, b"") == page


def test_inject_appends_when_there_is_no_body_end():
    assert preview.inject(b"<p>x</p>", 1).startswith(b"<p>x</p><script>")


def test_failure_report_keeps_the_rules_messages_once():
    report = preview.failure_report(FAILED_RUN)
    assert report.splitlines() == FAILED_RUN.splitlines()[3:6]


def test_failure_report_without_rule_message_shows_the_tail():
    output = "\n".join(f"line {i}" for i in range(200)) + "\nSyntaxError in Snakefile line 3\n"
    report = preview.failure_report(output)
    assert report.endswith("SyntaxError in Snakefile line 3") and "line 0\n" not in report


def test_build_state_waits_for_a_new_build(tmp_path):
    state = preview.BuildState()
    assert state.wait(-1, timeout=5) == 0
    assert b"first build is running" in state.page(tmp_path / "missing.html")
    got = []
    waiter = threading.Thread(target=lambda: got.append(state.wait(0, timeout=30)))
    waiter.start()
    state.publish(True, "", "start")
    waiter.join(timeout=30)
    assert got == [1]
    assert state.wait(1, timeout=0.01) == 1  # no new build: the current id after the timeout


def test_failed_build_page_shows_escaped_report_and_leaves_the_file_alone(tmp_path):
    built = tmp_path / "manuscript.html"
    built.write_bytes(b"<html><body>old paper</body></html>")
    state = preview.BuildState()
    state.publish(False, FAILED_RUN.replace("not in the vocabulary", "<b>bad</b>"), "data/raw/sources.csv")
    page = state.page(built).decode()
    assert "Build failed" in page and "old paper" not in page
    assert "field facts.age_years.locator | must not be empty" in page
    assert "&lt;b&gt;bad&lt;/b&gt;" in page and "<b>bad</b>" not in page
    state.publish(True, "", "fix")
    assert b"old paper" in state.page(built)
    assert built.read_bytes() == b"<html><body>old paper</body></html>"


def test_describe_lists_relative_paths():
    root = Path("/r")
    changes = {(1, f"/r/manuscript/templates/0{i}.md.j2") for i in range(5)}
    assert preview.describe(changes, root) == (
        "manuscript/templates/00.md.j2, manuscript/templates/01.md.j2, "
        "manuscript/templates/02.md.j2 and 2 more"
    )


def test_watch_filter_ignores_build_outputs(tmp_path):
    accept = preview.watch_filter(tmp_path)
    added = 1
    assert accept(added, str(tmp_path / "manuscript/templates/01-abstract.md.j2"))
    assert accept(added, str(tmp_path / "data/raw/extractions/a.yaml"))
    assert not accept(added, str(tmp_path / "manuscript/build/manuscript.html"))
    assert not accept(added, str(tmp_path / "manuscript/tables/table1-cases.md"))


def test_stop_process_tree_leaves_nothing_running():
    proc = subprocess.Popen(
        ["sh", "-c", "sleep 300 & sleep 300 & wait"], start_new_session=True, stdin=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while len(preview.descendants(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    tree = [proc.pid, *preview.descendants(proc.pid)]
    assert len(tree) == 3
    preview.stop_process_tree(proc, grace=5)
    assert proc.poll() is not None
    assert not [pid for pid in tree if preview.running(pid)]


def test_prestarted_snakemake_keeps_exit_codes(tmp_path):
    """The fast exit must not turn a failed Snakemake run into a success (or the reverse)."""

    def run(line: str) -> int:
        return subprocess.run(
            [sys.executable, "-c", preview.WARM_SNAKEMAKE],
            input=line,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        ).returncode

    assert run("null\n") == 0  # the preview stops an idle process this way
    assert run('["--version"]\n') == 0
    assert run('["--no-such-option"]\n') == 2
    assert run('["--cores", "1"]\n') == 1  # no Snakefile here: Snakemake fails


def test_server_listens_on_loopback_and_serves_the_build(tmp_path):
    build = tmp_path / preview.BUILD_DIR
    build.mkdir(parents=True)
    (build / "manuscript.html").write_bytes(b"<html><body>paper</body></html>")
    (build / "manuscript.md").write_text("# md\n")
    state = preview.BuildState()
    state.publish(True, "", "start")
    server = preview.make_server(tmp_path, 0, state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.server_address[0] == "127.0.0.1"
        base = f"http://127.0.0.1:{server.server_port}"
        page = urllib.request.urlopen(base + "/").read()
        assert page.startswith(b"<html><body>paper<script>") and b"var id = 1" in page
        assert json.load(urllib.request.urlopen(base + preview.WAIT_PATH + "?since=0"))["id"] == 1
        assert urllib.request.urlopen(base + "/manuscript.md").read() == b"# md\n"
        (build / "changes.html").write_bytes(b"<html><body>changes</body></html>")
        assert b"changes<script>" in urllib.request.urlopen(base + "/changes.html").read()
        (tmp_path / "secret.html").write_text("outside the build folder")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(base + "/../../secret.html")
    finally:
        server.shutdown()
        server.server_close()


def _wait_for(predicate, what: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
def test_preview_rebuilds_reloads_reports_and_stops_cleanly(built_a, tmp_path):
    """Edit -> the served page has it; a bad edit -> the audit report; Ctrl-C mid-build -> all stop."""
    from tests.build_helpers import copy_built

    repo = copy_built(built_a, tmp_path / "repo")
    log = tmp_path / "preview.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(repo / "tools/preview.py"), "--port", "0", "--root", str(repo)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=repo,
        )
    try:
        port = _wait_for(lambda: re.search(r"127\.0\.0\.1:(\d+)/", log.read_text()), "the server").group(1)
        base = f"http://127.0.0.1:{port}"

        def wait(since: int) -> dict:
            return json.load(urllib.request.urlopen(f"{base}{preview.WAIT_PATH}?since={since}", timeout=60))

        first = _wait_for(lambda: wait(0)["id"], "the first build")
        built = (repo / preview.TARGET).read_bytes()
        assert urllib.request.urlopen(base + "/").read() == preview.inject(built, first)

        template = repo / "manuscript/templates/02-introduction.md.j2"
        text = template.read_text()
        sentence = "A sentence added while the preview runs."
        template.write_text(text.replace("\n\n", f"\n\n{sentence} ", 1))
        second = _wait_for(lambda: wait(first)["id"], "the rebuild")
        page = urllib.request.urlopen(base + "/").read().decode()
        assert sentence in page and f"var id = {second}" in page
        assert b"/__preview/" not in (repo / preview.TARGET).read_bytes(), "script written to the build"

        template.write_text(text.replace("\n\n", "\n\nA literal 42 percent. ", 1))
        _wait_for(lambda: wait(second)["id"], "the failing rebuild")
        page = urllib.request.urlopen(base + "/").read().decode()
        assert "Build failed" in page and "02-introduction.md.j2" in page and "&#x27;42&#x27;" in page

        # Ctrl-C while a build runs: the build, its jobs and the preview all stop.
        builds = log.read_text().count("building the HTML")
        template.write_text(text)
        _wait_for(lambda: log.read_text().count("building the HTML") > builds, "the next build to start")
        children = preview.descendants(proc.pid)
        assert children, "no Snakemake process"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert not [pid for pid in children if preview.running(pid)], "a child process outlived the preview"
        assert "preview: stopped" in log.read_text()
    finally:
        if proc.poll() is None:
            preview.stop_process_tree(proc)
