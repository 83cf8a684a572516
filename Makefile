# readiness-analysis: `make report` builds every report, `make test` runs all checks.
# Both create .venv with the machine's python3 on first use and reinstall only when
# pyproject.toml changes (the package is installed editable, so source edits need none).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# pytest-xdist workers for make test: one per core (the suite is mostly notebook builds).
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help report test lint notebooks benchmark demo-data clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

report: $(STAMP) ## Clean the demo data and build every report into reports/
	$(BIN)/readiness build

test: $(STAMP) ## Lint, then run the whole test suite (notebooks included)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not serial"
	$(BIN)/python -m pytest -m serial --durations=0

lint: $(STAMP) ## ruff only
	$(BIN)/ruff check .

benchmark: $(STAMP) ## Run the benchmarks in benchmarks/ and print their figures
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

demo-data: $(STAMP) ## Regenerate the synthetic demo scan data (seeded: same bytes)
	$(BIN)/readiness synth --out data/raw/scan_responses.csv --force

clean: ## Remove processed data and reports (never data/raw)
	rm -rf data/processed/* reports/*
	@touch data/processed/.gitkeep reports/.gitkeep
