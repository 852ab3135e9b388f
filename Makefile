# The two set-up commands (see README): `make demo` and `make test`.
# Both create .venv with the Python found on PATH (3.11 or newer) and install what they need.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test wheelhouse clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet .
	@touch $@

$(STAMP_TEST): $(BIN)/python pyproject.toml examples/ft-plugin-pigeonpost/pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet ./examples/ft-plugin-pigeonpost
	@rm -f $(STAMP_RUN)
	@touch $@

demo: $(BIN)/python
	@[ -f $(STAMP_TEST) ] || [ -f $(STAMP_RUN) ] || $(MAKE) --no-print-directory $(STAMP_RUN)
	$(BIN)/forensic-triage demo

test: $(STAMP_TEST)
	$(BIN)/python -m pytest

# On a connected machine: every wheel the project needs, for an air-gapped install.
wheelhouse: $(BIN)/python
	$(BIN)/python -m pip wheel --quiet --wheel-dir wheelhouse '.[test]'

bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/ingest_vs_tsk.py

clean:
	rm -rf $(VENV) build *.egg-info demo-case wheelhouse
