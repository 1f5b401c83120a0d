"""Rule fingerprint: SHA-256 of the files of one evidence part (stdlib only: starts fast)."""

import hashlib
from pathlib import Path

from crsreview import files, runner

sm = snakemake


def fingerprint() -> None:
    paths = sorted({*sm.input.files, *sm.input.shared, *sm.input.code})
    lines = [f"{hashlib.sha256(Path(p).read_bytes()).hexdigest()}  {p}" for p in paths]
    files.write_text(sm.output[0], "\n".join(lines) + "\n")


runner.run(sm.log[0], fingerprint, sm.rule)
