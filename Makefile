# Centric: the canonical entry points. Each target does its own set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export SPARK_LOCAL_IP ?= 127.0.0.1
export PYTHONHASHSEED ?= 0
SCALE ?= 0.05
WORKSPACE ?= centric-workspace

.PHONY: help setup sysdeps demo test test-fast bench lint clean

help:
	@echo "make demo   - set up and run the demo end to end (report in $(WORKSPACE)/report/index.html)"
	@echo "make test   - set up and run the whole test suite (DuckDB, Spark, Chromium)"
	@echo "make bench  - benchmarks (see BENCHMARKS.md)"
	@echo "make lint   - ruff"

$(VENV)/.stamp: ci/requirements.txt ci/constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r ci/requirements.txt -c ci/constraints.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.stamp

# Debian packages the tests need: Chromium for the report test, Java 17 for Spark.
sysdeps:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@command -v java >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

demo: setup
	$(VENV)/bin/centric demo --scale $(SCALE) --workspace $(WORKSPACE)

test: setup sysdeps
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not spark and not browser"

bench: setup
	$(PY) bench/run.py

lint: setup
	$(VENV)/bin/ruff check src tests bench

clean:
	rm -rf $(VENV) $(WORKSPACE) .pytest_cache spark-warehouse
