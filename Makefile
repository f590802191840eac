# Two commands matter: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export MEDOPS_HOME ?= $(CURDIR)/.medops

.PHONY: setup demo test test-fast lint format benchmark clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	cd dbt && ../$(BIN)/dbt parse --quiet
	touch $@

demo: setup
	$(BIN)/medops demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# the dbt templater opens the warehouse file, and DuckDB will not create its folder
	mkdir -p "$(MEDOPS_HOME)"
	@# all cores: dbt templates in one process, the linting itself spreads (halves the time)
	cd dbt && ../$(BIN)/sqlfluff lint models tests --processes 0

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	mkdir -p "$(MEDOPS_HOME)"
	cd dbt && ../$(BIN)/sqlfluff fix models tests --processes 0

# the Dagster assets are defined from dbt's manifest: parse first so it matches the models
test: lint
	cd dbt && ../$(BIN)/dbt parse --quiet
	$(BIN)/python -m pytest

test-fast: setup
	cd dbt && ../$(BIN)/dbt parse --quiet
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf .medops dbt/target dbt/logs .pytest_cache
