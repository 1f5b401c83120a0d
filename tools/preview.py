"""Live preview: build the HTML only, serve it on 127.0.0.1, rebuild on change, reload the page.

    python tools/preview.py [--port 8000] [--cores 2]     # `make preview PORT=8000`

- Builds `manuscript/build/manuscript.html` through Snakemake (PDF and DOCX are skipped; run
  `make paper` for those), so the ledger, audit and every other gate apply as in a full build.
- Serves `manuscript/build/` on 127.0.0.1 only. The reload script is added to the page as it
  is served; the file on disk stays the byte-stable build output.
- Watches `manuscript/` (not its build outputs), `data/raw/`, `config/`, `workflow/` and the
  Snakefile; each change rebuilds, and the open page reloads when the build is done.
- A failed build (validation, audit, anything) shows its report in the page instead of the
  paper; the next passing build brings the paper back.
- Ctrl-C (or SIGTERM) stops the server, the watcher and any running build with its jobs.

Snakemake's start-up is mostly importing itself (about 0.8 s), so the next build's Snakemake
process is started ahead, imports Snakemake, and waits for its command line: a save pays
only for the DAG and the jobs. Every build still runs in a fresh Snakemake process.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: the preview is for the author's own browser
BUILD_DIR = "manuscript/build"
TARGET = f"{BUILD_DIR}/manuscript.html"
WATCHED = ("manuscript", "data/raw", "config", "workflow", "Snakefile")
# Build outputs inside watched folders: watching them would rebuild forever.
NOT_WATCHED = ("manuscript/build", "manuscript/tables")
WAIT_PATH = "/__preview/wait"
WAIT_SECONDS = 25.0  # a long poll returns at least this often (browsers drop idle requests)
STOP_GRACE_SECONDS = 10.0

# Runs in the pre-started process: import Snakemake, then wait for the command line. When
# Snakemake is done, the last exit handler ends the process at once: the interpreter's own
# teardown of Snakemake's modules takes about 0.3 s and does nothing a later run needs (the
# other exit handlers, e.g. logging's flush, have run by then).
WARM_SNAKEMAKE = """\
import atexit, json, os, sys
code = [1]
def fast_exit():
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code[0])
atexit.register(fast_exit)  # registered first, so it runs last
import snakemake.cli
argv = json.loads(sys.stdin.readline() or "null")
if argv is None:
    code[0] = 0
    sys.exit(0)
try:
    snakemake.cli.main(argv)
    code[0] = 0
except SystemExit as exc:
    code[0] = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    raise
"""

RELOAD_SCRIPT = """<script>/* added by tools/preview.py when served; not in the built file */
(function () {
  var id = %(build_id)d, key = "crsreview-preview-scroll";
  var y = sessionStorage.getItem(key);
  if (y !== null) {
    sessionStorage.removeItem(key);
    window.addEventListener("load", function () { window.scrollTo(0, Number(y)); });
  }
  function wait() {
    fetch("%(wait)s?since=" + id, {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.id !== id) { sessionStorage.setItem(key, String(window.scrollY)); location.reload(); }
        else { wait(); }
      })
      .catch(function () { setTimeout(wait, 1000); });
  }
  wait();
})();
</script>
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%(title)s</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
pre{white-space:pre-wrap;background:#fff4f4;border-left:4px solid #b00;padding:1rem}
details pre{background:#f6f6f6;border-color:#999}</style></head>
<body><h1>%(title)s</h1>%(body)s</body></html>
"""

_MESSAGE_START = re.compile(r"^\[(\w+)\] ")
_TAIL_LINES = 60


# --------------------------------------------------------------------------- page text


def inject(page: bytes, build_id: int) -> bytes:
    """`page` with the reload script before its last </body> (appended if there is none)."""
    script = (RELOAD_SCRIPT % {"build_id": build_id, "wait": WAIT_PATH}).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + script
    return page[:at] + script + page[at:]


def failure_report(output: str) -> str:
    """The part of a failed Snakemake run an author needs: the rules' own error messages.

    Rule scripts print `[rule] ...` followed by indented lines (crsreview.runner): the
    validation and audit reports. Without such a message (e.g. a Snakefile syntax error),
    the tail of Snakemake's output.
    """
    blocks: list[str] = []
    current: list[str] | None = None
    for line in output.splitlines():
        if _MESSAGE_START.match(line):
            current = [line]
            blocks.append(current)
        elif current is not None and line.startswith("  "):
            current.append(line)
        else:
            current = None
    unique = list(dict.fromkeys("\n".join(b) for b in blocks))
    if unique:
        return "\n\n".join(unique)
    return "\n".join(output.strip().splitlines()[-_TAIL_LINES:])


def failure_page(report: str, output: str, cause: str) -> bytes:
    body = (
        f"<p>The build after <b>{html.escape(cause)}</b> failed, so the paper is not shown. "
        "Fix what the report says and save: this page reloads when the build passes.</p>"
        f"<pre>{html.escape(report)}</pre>"
        "<details><summary>Snakemake output (last lines)</summary>"
        f"<pre>{html.escape(chr(10).join(output.splitlines()[-_TAIL_LINES:]))}</pre></details>"
    )
    return (PAGE % {"title": "Build failed", "body": body}).encode("utf-8")


def waiting_page() -> bytes:
    body = "<p>The first build is running; this page reloads when it is done.</p>"
    return (PAGE % {"title": "Building the paper", "body": body}).encode("utf-8")


def describe(changes: set[tuple[object, str]], root: Path) -> str:
    """Short human description of a set of watchfiles changes (relative paths, sorted)."""
    paths = sorted({os.path.relpath(path, root) for _, path in changes})
    shown = ", ".join(paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


# --------------------------------------------------------------------------- build state


class BuildState:
    """The result of the latest build; page requests wait on it for the next one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.build_id = 0  # 0 = first build still running
        self.ok = False
        self.report = ""
        self.output = ""
        self.cause = ""

    def publish(self, ok: bool, output: str, cause: str) -> int:
        with self._cond:
            self.build_id += 1
            self.ok, self.output, self.cause = ok, output, cause
            self.report = "" if ok else failure_report(output)
            self._cond.notify_all()
            return self.build_id

    def wait(self, since: int, timeout: float) -> int:
        """The build id once it differs from `since`, or the current one after `timeout`."""
        with self._cond:
            self._cond.wait_for(lambda: self.build_id != since, timeout=timeout)
            return self.build_id

    def page(self, built_html: Path) -> bytes:
        with self._cond:
            build_id, ok, report, output, cause = (
                self.build_id,
                self.ok,
                self.report,
                self.output,
                self.cause,
            )
        if build_id == 0:
            body = waiting_page()
        elif not ok or not built_html.exists():
            body = failure_page(report or "no HTML was built", output, cause)
        else:
            body = built_html.read_bytes()
        return inject(body, build_id)


# --------------------------------------------------------------------------- processes


def descendants(pid: int) -> list[int]:
    """Every living descendant of `pid` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # Field 4 is the parent pid; the command name (field 2) may contain spaces.
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop_process_tree(proc: subprocess.Popen | None, grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop `proc` (leader of its own session) and everything it started.

    SIGINT first, as Ctrl-C would: Snakemake then stops its jobs, removes their incomplete
    outputs and releases its lock. Whatever still runs after `grace` seconds is killed.
    """
    if proc is None:
        return
    tree = [proc.pid, *descendants(proc.pid)]
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    tree = [pid for pid in [*tree, *descendants(proc.pid)] if running(pid)]
    for pid in tree:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    deadline = time.monotonic() + grace
    while any(running(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.02)  # SIGKILL is delivered asynchronously


def running(pid: int) -> bool:
    """Whether `pid` exists and has not finished (a zombie has finished; Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Builder:
    """Runs Snakemake for the HTML target, with the next Snakemake process started ahead."""

    def __init__(self, root: Path, cores: int) -> None:
        self.root = root
        self.argv = [TARGET, "--cores", str(cores)]
        self._lock = threading.Lock()
        self._warm: subprocess.Popen | None = None
        self._running: subprocess.Popen | None = None
        self._closed = False
        self._warm = self._spawn()

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", WARM_SNAKEMAKE],
            cwd=self.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Own session: the terminal's Ctrl-C reaches only the preview, which then stops
            # the whole build tree in order (stop_process_tree).
            start_new_session=True,
        )

    def build(self) -> tuple[bool, str]:
        with self._lock:
            if self._closed:
                return False, "preview is stopping"
            proc, self._warm = self._warm or self._spawn(), None
            self._running = proc
        # On Ctrl-C the build stays registered as running, and close() stops it with its jobs.
        output, _ = proc.communicate(json.dumps(self.argv) + "\n")
        with self._lock:
            self._running = None
            if not self._closed:
                self._warm = self._spawn()
        return proc.returncode == 0, output

    def close(self) -> None:
        with self._lock:
            self._closed = True
            running, warm = self._running, self._warm
            self._running = self._warm = None
        stop_process_tree(running)
        if warm is not None:
            with contextlib.suppress(OSError):
                warm.stdin.close()  # an idle process exits on end of input
            stop_process_tree(warm, grace=2.0)


# --------------------------------------------------------------------------- server


def make_handler(build_dir: Path, state: BuildState) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(build_dir), **kwargs)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == WAIT_PATH:
                since = parse_qs(url.query).get("since", ["-1"])[0]
                build_id = state.wait(int(since) if since.lstrip("-").isdigit() else -1, WAIT_SECONDS)
                self._send(json.dumps({"id": build_id, "ok": state.ok}).encode(), "application/json")
            elif url.path in ("/", "/index.html", "/manuscript.html"):
                self._send(state.page(build_dir / "manuscript.html"), "text/html; charset=utf-8")
            elif url.path.endswith(".html") and Path(self.translate_path(self.path)).is_file():
                # translate_path keeps the path inside build_dir (no "..").
                page = Path(self.translate_path(self.path)).read_bytes()
                self._send(inject(page, state.build_id), "text/html; charset=utf-8")
            else:
                super().do_GET()

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            pass  # one line per poll would drown the build messages

    return Handler


def make_server(root: Path, port: int, state: BuildState) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((HOST, port), make_handler(root / BUILD_DIR, state))
    server.daemon_threads = True  # waiting page requests never block shutdown
    return server


def watch_filter(root: Path):
    import watchfiles

    return watchfiles.DefaultFilter(ignore_paths=[str(root / p) for p in NOT_WATCHED])


# --------------------------------------------------------------------------- main loop


def rebuild(builder: Builder, state: BuildState, cause: str) -> bool:
    print(f"preview: {cause} -> building the HTML ...", flush=True)
    start = time.perf_counter()
    ok, output = builder.build()
    build_id = state.publish(ok, output, cause)
    seconds = time.perf_counter() - start
    if ok:
        print(f"preview: build {build_id} done in {seconds:.1f} s; the page reloads", flush=True)
    else:
        print(f"preview: build {build_id} FAILED in {seconds:.1f} s (report shown in the page):", flush=True)
        print(state.report, flush=True)
    return ok


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def watch(root: Path, changes: queue.Queue, stop: threading.Event) -> None:
    """Put each batch of changes to watched files on `changes` until `stop` is set."""
    import watchfiles

    watched = [root / p for p in WATCHED if (root / p).exists()]
    for batch in watchfiles.watch(
        *watched, watch_filter=watch_filter(root), step=50, stop_event=stop, raise_interrupt=False
    ):
        changes.put(batch)


def next_changes(changes: queue.Queue) -> set:
    """Wait for changes, then take every batch already queued (one build for all of them)."""
    while True:
        try:
            batch = set(changes.get(timeout=0.5))  # a timeout keeps Ctrl-C responsive
            break
        except queue.Empty:
            continue
    with contextlib.suppress(queue.Empty):
        while True:
            batch |= changes.get_nowait()
    return batch


def serve(root: Path, port: int, cores: int) -> int:
    state = BuildState()
    try:
        server = make_server(root, port, state)
    except OSError as exc:
        print(f"preview: cannot listen on {HOST}:{port} ({exc.strerror}); try PORT=<another port>")
        return 2
    builder = Builder(root, cores)
    stop, changes = threading.Event(), queue.Queue()
    threads = [
        threading.Thread(target=server.serve_forever, name="preview-http", daemon=True),
        threading.Thread(target=watch, args=(root, changes, stop), name="preview-watch", daemon=True),
    ]
    for thread in threads:
        thread.start()
    print(
        f"preview: serving http://{HOST}:{server.server_port}/ (this machine only); watching "
        f"{', '.join(WATCHED)}; Ctrl-C stops",
        flush=True,
    )
    try:
        rebuild(builder, state, "start")
        while True:
            rebuild(builder, state, describe(next_changes(changes), root))
    except KeyboardInterrupt:
        print("\npreview: stopping (server, watcher, build) ...", flush=True)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        builder.close()
        for thread in threads:
            thread.join(timeout=STOP_GRACE_SECONDS)
    print("preview: stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--root", type=Path, default=ROOT, help="repository to build (default: this one)")
    args = parser.parse_args(argv)
    # Ctrl-C and SIGTERM both stop everything, also when started from a script that ignores
    # SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    return serve(args.root.resolve(), args.port, args.cores)


if __name__ == "__main__":
    sys.exit(main())
