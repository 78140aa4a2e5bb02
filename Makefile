PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DOCS ?= examples
QUESTION ?= What did the peer review say about caseloads in the assessment teams?

.PHONY: install demo lint test bench clean

install: $(VENV)/.installed

# torch first and pinned: it is the CPU wheel on these machines; an unpinned one pulls gigabytes of CUDA.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: install
	$(BIN)/reviewbot ingest $(DOCS)
	$(BIN)/reviewbot ask "$(QUESTION)"

# The layout's rules (import-linter's contracts in pyproject.toml) and ruff.
lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check .

test: install
	$(BIN)/pytest -q

# NATIONAL=path: measure at 1x and at ../shared/corpus plus that folder of reports, side by side.
bench: install
	$(BIN)/python bench/run.py $(if $(NATIONAL),--national "$(NATIONAL)")

clean:
	rm -rf $(VENV) data
