# Two commands on a fresh machine: `make paper` builds the paper, `make test` runs the tests.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 4
export SOURCE_DATE_EPOCH := $(shell sed -n 's/^ *source_date_epoch: *\([0-9]*\).*/\1/p' config/config.yaml)

.PHONY: paper test lint format lock manifest verify diff report clean env browser

paper: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

test: $(STAMP)
	$(BIN)/python -m pytest

env: $(STAMP)

# The venv is created from the hash-pinned lock; it is rebuilt when the lock changes.
$(STAMP): envs/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r envs/requirements.txt
	touch $@

# Re-lock after editing envs/requirements.in (needs `pip install uv==0.13.9`).
lock:
	$(PYTHON) -m uv pip compile envs/requirements.in --python-version 3.11 --generate-hashes -o envs/requirements.txt

lint: $(STAMP)
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/snakefmt Snakefile workflow/rules
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf data/processed figures manuscript/build manuscript/tables logs
