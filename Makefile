# Two commands matter: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export MEDOPS_HOME ?= $(CURDIR)/.medops

.PHONY: setup demo test test-all test-fast lint lint-spark format benchmark clean browser-deps dev-build docs

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	cd dbt && ../$(BIN)/dbt parse --quiet
	touch $@

demo: setup
	$(BIN)/medops demo

# one worked example end to end (docs/ingest.md, "Bring your own exports"): its contract, its export,
# the nightly job; e.g. make example-kingdee_receivables MEDOPS_HOME=/tmp/kingdee
example-%: setup
	MEDOPS_CONTRACTS_DIR=examples/$* $(BIN)/medops run --exports examples/$*/export

# An analyst's build: only the models changed since the last dev build and everything
# downstream (dbt build --select state:modified+, with their unit and data tests), against the
# manifest that build left in $(DBT_STATE). The first time there is none: everything is built
# once. Stop the nightly schedule meanwhile (one writer per warehouse file).
DBT_STATE ?= $(MEDOPS_HOME)/dbt-state
dev-build: setup
	mkdir -p "$(MEDOPS_HOME)"
	@if [ -f "$(DBT_STATE)/manifest.json" ]; then \
	  echo "building what changed since the manifest in $(DBT_STATE) (state:modified+)"; \
	  cd dbt && ../$(BIN)/dbt build --select state:modified+ --state "$(DBT_STATE)"; \
	else \
	  echo "no manifest of an earlier dev build in $(DBT_STATE): building everything once"; \
	  cd dbt && ../$(BIN)/dbt build; \
	fi
	mkdir -p "$(DBT_STATE)"
	cp dbt/target/manifest.json "$(DBT_STATE)/manifest.json"

# the analysts' reference site (dbt docs with the cockpit pages as exposures) on :8580
docs: setup
	$(BIN)/medops docs

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# the dbt templater opens the warehouse file, and DuckDB will not create its folder
	mkdir -p "$(MEDOPS_HOME)"
	@# all cores: dbt templates in one process, the linting itself spreads (halves the time)
	cd dbt && ../$(BIN)/sqlfluff lint models tests --processes 0

# The same models compiled for Spark and linted in Spark's dialect (docs/spark.md). The dbt
# templater then starts a local Spark session (the `spark` extra, Java 17): its catalog goes to
# a folder of its own, and its artefacts beside the Spark runs', never over DuckDB's manifest.
lint-spark: setup
	mkdir -p "$(MEDOPS_HOME)/lint-spark"
	@# Spark logs each optional table it looks up and does not find (an empty catalog): those
	@# lines go to a file, shown only when the lint fails
	cd dbt && MEDOPS_HOME="$(MEDOPS_HOME)/lint-spark" DBT_TARGET_PATH=target/spark \
	  ../$(BIN)/sqlfluff lint models --config sqlfluff-spark.cfg \
	  2>"$(MEDOPS_HOME)/lint-spark/stderr.log" || (tail -c 4000 "$(MEDOPS_HOME)/lint-spark/stderr.log"; exit 1)

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	mkdir -p "$(MEDOPS_HOME)"
	cd dbt && ../$(BIN)/sqlfluff fix models tests --processes 0

# The browser tests never skip: install Debian's chromium and CJK fonts when we can (as root,
# as in CI), otherwise stop with the one command to run.
browser-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium and fonts-noto-cjk for the browser tests ..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "The browser tests need chromium and fonts-noto-cjk. Run:"; \
	    echo "  sudo apt-get install -y chromium fonts-noto-cjk"; \
	    exit 1; \
	  fi; \
	fi

# the Dagster assets are defined from dbt's manifest: parse first so it matches the models
test: lint browser-deps
	cd dbt && ../$(BIN)/dbt parse --quiet
	$(BIN)/python -m pytest -m "not long"

# what CI runs (.ci/run): everything, the suites marked long included, and the Spark lint
test-all: lint lint-spark browser-deps
	cd dbt && ../$(BIN)/dbt parse --quiet
	$(BIN)/python -m pytest

test-fast: setup
	cd dbt && ../$(BIN)/dbt parse --quiet
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf .medops dbt/target dbt/logs .pytest_cache
