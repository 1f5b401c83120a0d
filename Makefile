# Two commands on a fresh machine: `make paper` builds the paper, `make test` runs the tests.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 4
PORT ?= 8000
export SOURCE_DATE_EPOCH := $(shell sed -n 's/^ *source_date_epoch: *\([0-9]*\).*/\1/p' config/config.yaml)

.PHONY: paper test pytest lint format lock manifest verify diff changes preview report clean env browser validate help extraction-form cluster-test
LIB := PYTHONPATH=workflow/lib
SCHEMAS := workflow/schemas

# Build the paper (checks data/raw first: on a problem it ends with the problem list only).
paper: $(STAMP)
	@$(LIB) $(BIN)/python -m crsreview.validate data/raw --schemas $(SCHEMAS) --quiet
	$(BIN)/snakemake --cores $(CORES)
	@$(BIN)/snakemake --report report.html >logs/report.log 2>&1 || { echo "report failed: see logs/report.log"; exit 1; }
	@printf '\nThe paper:\n  manuscript/build/manuscript.html\n  manuscript/build/manuscript.pdf\n  manuscript/build/manuscript.docx\nThe report (provenance, figures, run times):\n  report.html\n'

# Check data/raw only (schema, vocabularies, data dictionary, ranges); exit 1 on problems.
validate: $(STAMP)
	@$(LIB) $(BIN)/python -m crsreview.validate data/raw --schemas $(SCHEMAS)

# Write a blank spreadsheet form: make extraction-form SOURCE=<source_id> (FROM_YAML=1 fills it from the YAML).
extraction-form: $(STAMP)
	@test -n "$(SOURCE)" || { echo "usage: make extraction-form SOURCE=<source_id> [FROM_YAML=1]"; exit 2; }
	@$(LIB) $(BIN)/python -m crsreview.xlsx_form --source "$(SOURCE)" --schemas $(SCHEMAS) --folder data/raw/extractions $(if $(FROM_YAML),--from-yaml,)

# List every target with the comment line above it.
help:
	@awk '/^# / {c = c (c ? " " : "") substr($$0, 3); next} /^[a-zA-Z][a-zA-Z_-]*:/ && !/:=/ {t = $$1; sub(/:.*/, "", t); d = c; i = index(d, ". "); if (i) d = substr(d, 1, i); if (!(t in s)) printf "  %-16s %s\n", t, d; s[t] = 1} {c = ""}' $(MAKEFILE_LIST)

# Lint/format checks, then the whole test suite (unit, bad-input catalogue, build, stability,
# browser). The browser test needs Debian's chromium; `browser` installs it when missing.
test: $(STAMP) browser lint pytest

# The test suite only (no lint, no browser install).
pytest: $(STAMP)
	$(BIN)/python -m pytest

# Install Debian chromium + chromium-driver for the browser test (when missing).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing Debian chromium + chromium-driver for the browser test"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# Rewrite outputs.sha256 after an intended change to an output (then commit it).
manifest: paper
	$(BIN)/python tools/manifest.py write

# Rebuild from clean in a temporary copy and compare every output with outputs.sha256.
verify: $(STAMP)
	$(BIN)/python tools/fresh_build.py verify --cores $(CORES)

# Build the paper through a throw-away one-node SLURM cluster (daemons on 127.0.0.1, stopped
# afterwards) and compare every output with outputs.sha256. Installs Debian's slurm-wlm and munge
# when missing (as root or with sudo, like `browser`).
cluster-test: $(STAMP)
	$(BIN)/python tools/cluster_test.py

# Ledger numbers that changed between REF and the working tree: make diff REF=HEAD~1
diff: $(STAMP)
	@test -n "$(REF)" || { echo "usage: make diff REF=<git ref>"; exit 2; }
	$(BIN)/python tools/numbers_diff.py $(REF)

# Live preview while writing: HTML only, served on 127.0.0.1:$(PORT), rebuilt and reloaded
# on every save under manuscript/, data/raw/, config/, workflow/. Ctrl-C stops it.
preview: $(STAMP)
	$(BIN)/python tools/preview.py --port $(PORT) --cores $(CORES)

# What changed since REF for reviewers and CHANGELOG.md: make changes REF=v0.1.0
# (writes manuscript/build/changes.{md,html}; REF is built in a temporary git worktree)
changes: $(STAMP)
	@test -n "$(REF)" || { echo "usage: make changes REF=<git ref>"; exit 2; }
	$(BIN)/python tools/changes.py $(REF)

# Snakemake's reviewer report (run times inside: not byte-stable, not in the manifest).
report: paper
	$(BIN)/snakemake --report report.html
	$(BIN)/snakemake --report report.zip

# Create the virtual environment from the hash-pinned lock.
env: $(STAMP)

# The venv is created from the hash-pinned lock; it is rebuilt when the lock changes.
$(STAMP): envs/requirements.txt
	@echo "env: installing the hash-pinned lock envs/requirements.txt into $(VENV) (first time: a few minutes) ..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r envs/requirements.txt
	touch $@
	@echo "env: $(VENV) is ready"

# Re-lock after editing envs/requirements.in (needs `pip install uv==0.13.9`).
lock:
	$(PYTHON) -m uv pip compile envs/requirements.in --python-version 3.11 --generate-hashes -o envs/requirements.txt

# Lint and format checks (snakefmt, snakemake --lint, ruff).
lint: $(STAMP)
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Reformat Snakemake and Python files in place.
format: $(STAMP)
	$(BIN)/snakefmt Snakefile workflow/rules
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Remove every generated output.
clean:
	rm -rf data/processed figures manuscript/build manuscript/tables logs
