"""Build-performance benchmark: whole processes, median of >= 3 runs.

    .venv/bin/python tests/benchmarks/bench.py [--runs 3] [--out benchmarks/results]

Measures, in temporary copies of the repository (never the real paper):
- clean build: wall time and peak RSS of the largest process;
- no-op `snakemake` (everything up to date);
- edit of one extraction file: time, and which jobs re-ran;
- the floor: the unavoidable process starts on the critical path (Python with the imports
  each job needs, pandoc, typst), measured the same way; build time / floor;
- scale: 22, 220 and 2,200 case entries (real ones plus SYNTHETIC cases from synthetic.py);
- save to reload (`make preview`): a one-sentence template edit until the preview serves the
  rebuilt HTML (`--only preview` runs just this row).
Writes results.csv and results.md and prints the Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(HERE)]
import fresh_build  # noqa: E402
import preview  # noqa: E402
import synthetic  # noqa: E402

PY = sys.executable
SNAKEMAKE = [PY, "-m", "snakemake", "--cores", "4"]
# Critical path of the DAG (see `snakemake --rulegraph`): the imports each job's process needs.
CRITICAL_PATH = [
    ("validate", "import crsreview.steps_evidence"),
    ("clean_reference", "import crsreview.steps_evidence"),
    ("figure (slowest)", "import crsreview.fig_size_windows, crsreview.figstyle"),
    ("manuscript_markdown", "import crsreview.steps_manuscript"),
    ("audit", "import crsreview.steps_manuscript"),
    ("manuscript_pdf (python)", "import crsreview.steps_manuscript"),
]
WRAP = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "dt = time.perf_counter() - t; "
    "print(repr((r.returncode, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.stdout + r.stderr)))"
)


def measure(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS MiB of the largest process, output) of one whole command."""
    out = subprocess.run(
        [PY, "-c", WRAP, *cmd], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    code, seconds, rss_kib, text = eval(out.stdout)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{text[-3000:]}")
    return seconds, rss_kib / 1024, text


def median(values):
    return statistics.median(values)


def fresh(tmp: Path, name: str, cases: int | None = None) -> Path:
    repo = fresh_build.copy(tmp / name)
    if cases is not None:
        n_real = sum(
            1
            for p in (repo / "data/raw/extractions").glob("*.yaml")
            for line in p.read_text().splitlines()
            if line.startswith("- case_id:") or line.startswith("  - case_id:")
        )
        synthetic.add_synthetic_cases(repo, max(cases - n_real, 0))
    return repo


def job_profile(repo: Path) -> list[tuple[str, float]]:
    """Per-job wall time of the build in `repo`, from Snakemake's own metadata, longest first."""
    times: dict[str, float] = {}
    for f in (repo / ".snakemake" / "metadata").iterdir():
        meta = json.loads(f.read_text())
        if meta.get("rule") and meta.get("starttime") and meta.get("endtime"):
            times.setdefault(meta["rule"], meta["endtime"] - meta["starttime"])
    return sorted(times.items(), key=lambda kv: -kv[1])


def jobs_run(output: str) -> list[str]:
    return sorted(set(re.findall(r"^\s*(?:localrule|rule) (\w+):", output, re.M)))


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def row(name, values, unit="s", note=""):
    return {
        "measure": name,
        "median": round(median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "runs": len(values),
        "unit": unit,
        "note": note,
    }


PREVIEW_SENTENCE = "Grading now follows consensus definitions"
PREVIEW_PAUSE_S = 3.0  # between saves, as when writing (the next Snakemake process pre-starts)


def _served(base: str, since: int) -> int:
    url = f"{base}{preview.WAIT_PATH}?since={since}"
    return json.load(urllib.request.urlopen(url, timeout=120))["id"]


def bench_preview(runs: int, repo: Path) -> list[dict]:
    """Save a one-sentence template edit -> the preview serves the rebuilt HTML (in `repo`)."""
    log = repo / "preview-bench.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [PY, str(repo / "tools/preview.py"), "--port", "0", "--cores", "2"],
            cwd=repo,
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 120
        while not re.search(r"127\.0\.0\.1:(\d+)/", log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        base = "http://127.0.0.1:" + re.search(r"127\.0\.0\.1:(\d+)/", log.read_text()).group(1)
        build_id = _served(base, 0)
        template = repo / "manuscript/templates/02-introduction.md.j2"
        original = template.read_text()
        assert PREVIEW_SENTENCE in original
        times = []
        for i in range(runs):
            time.sleep(PREVIEW_PAUSE_S)
            marker = f"benchmark edit {chr(ord('a') + i % 26)}"
            start = time.perf_counter()
            template.write_text(original.replace(PREVIEW_SENTENCE, f"{PREVIEW_SENTENCE} ({marker})", 1))
            build_id = _served(base, build_id)
            page = urllib.request.urlopen(base + "/", timeout=60).read().decode()
            times.append(time.perf_counter() - start)
            if marker not in page:
                raise RuntimeError(f"preview did not serve the edit; log:\n{log.read_text()[-3000:]}")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    note = f"one-sentence template edit -> rebuilt HTML served; saves {PREVIEW_PAUSE_S:.0f} s apart; target <= 2.5"
    return [row("save to reloaded HTML (make preview)", times, note=note)]


def bench(runs: int, tmp: Path) -> list[dict]:
    env = {"PYTHONPATH": str(ROOT / "workflow" / "lib")}
    rows = []

    def add(name, values, unit="s", note=""):
        progress(f"{name}: median {median(values):.2f} {unit}")
        rows.append(row(name, values, unit, note))

    clean, mem = [], []
    progress(f"clean builds ({runs} runs, about 15 s each)")
    for i in range(runs):
        repo = fresh(tmp, f"clean{i}")
        s, rss, _ = measure(SNAKEMAKE, repo)
        clean.append(s)
        mem.append(rss)
    add("clean build (real data)", clean)
    for rule, seconds in job_profile(tmp / f"clean{runs - 1}"):
        rows.append(
            {
                "measure": f"  job {rule}",
                "median": round(seconds, 2),
                "min": "",
                "max": "",
                "runs": 1,
                "unit": "s",
                "note": "job wall time, last clean build (cores shared)",
            }
        )
    add("clean build peak RSS", mem, "MiB", "largest single process")
    repo = tmp / "clean0"
    add("no-op snakemake", [measure(SNAKEMAKE, repo)[0] for _ in range(runs)])

    edit, reran = [], []
    target = repo / "data/raw/extractions/xiao2019.yaml"
    original = target.read_text()
    assert "locator: title\n" in original
    for i in range(runs):
        # A real content change each run: the locator of one fact gets a run marker.
        target.write_text(original.replace("locator: title\n", f"locator: title (benchmark edit {i})\n", 1))
        s, _, out = measure(SNAKEMAKE, repo)
        edit.append(s)
        reran = jobs_run(out)
    add("one extraction edited", edit, note="re-ran: " + " ".join(reran))

    floor_parts = []
    for _job, imports in CRITICAL_PATH:
        floor_parts.append(median([measure([PY, "-c", imports], ROOT, env)[0] for _ in range(runs)]))
    pandoc = __import__("pypandoc").get_pandoc_path()
    floor_parts.append(median([measure([pandoc, "--version"], ROOT)[0] for _ in range(runs)]))
    typst_cmd = [PY, "-c", "import typst; typst.compile(b'= x', format='pdf', ignore_system_fonts=True)"]
    floor_parts.append(median([measure(typst_cmd, ROOT)[0] for _ in range(runs)]))
    snake_start = median([measure([PY, "-m", "snakemake", "--version"], ROOT)[0] for _ in range(runs)])
    floor = sum(floor_parts)
    add("floor (critical-path process starts)", [floor], note=f"{len(floor_parts)} processes")
    add("floor + snakemake start", [floor + snake_start])
    rows.append(
        {
            "measure": "clean build / floor",
            "median": round(median(clean) / floor, 2),
            "min": "",
            "max": "",
            "runs": "",
            "unit": "x",
            "note": "target <= 1.5",
        }
    )

    progress("save to reload in the preview")
    rows += bench_preview(runs, repo)
    base = None
    for n in (22, 220, 2200):
        progress(f"scale: clean builds with {n} case entries ({runs} runs)")
        times, mems = [], []
        for i in range(runs):
            repo_n = fresh(tmp, f"scale{n}-{i}", cases=n)
            s, rss, _ = measure(SNAKEMAKE, repo_n)
            times.append(s)
            mems.append(rss)
            shutil.rmtree(repo_n)
        add(f"clean build, {n} cases (SYNTHETIC)", times)
        add(f"peak RSS, {n} cases (SYNTHETIC)", mems, "MiB")
        base = base or median(times)
        rows.append(
            {
                "measure": f"{n} / 22 cases time",
                "median": round(median(times) / base, 2),
                "min": "",
                "max": "",
                "runs": "",
                "unit": "x",
                "note": "target <= 2",
            }
        )
    return rows


def write(rows: list[dict], out: Path) -> str:
    out.mkdir(parents=True, exist_ok=True)
    cols = ["measure", "median", "min", "max", "runs", "unit", "note"]
    with open(out / "results.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    md = [f"Machine: {machine}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    md += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    text = "\n".join(md) + "\n"
    (out / "results.md").write_text(text, encoding="utf-8")
    return text


def bench_only_preview(runs: int, tmp: Path) -> list[dict]:
    repo = fresh(tmp, "preview")
    progress("building a fresh copy for the preview benchmark")
    measure(SNAKEMAKE, repo)
    progress(f"save to reload in the preview ({runs} edits)")
    return bench_preview(runs, repo)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--only", choices=["all", "preview"], default="all", help="run only these rows")
    args = parser.parse_args()
    start = time.perf_counter()
    progress(f"running {args.only} rows in temporary copies; load average now {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="crsreview-bench-") as tmp:
        run = bench if args.only == "all" else bench_only_preview
        rows = run(args.runs, Path(tmp))
    print(write(rows, args.out))
    print(f"benchmark took {time.perf_counter() - start:.0f} s; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
