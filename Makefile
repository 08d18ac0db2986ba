# alignment: CTE labor-market alignment. `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo browser test lint format clean-demo lab screenshots bench a11y

help: ## List every target with one line each
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv if missing and install the package with its dev tools

demo: $(STAMP) browser ## Generate the synthetic Demo State and build its reports (reports/demo/index.html)
	$(BIN)/alignment demo

browser: ## Install the system browser that prints the PDF reports (Debian/Ubuntu, as root), or say how
	@bash scripts/ensure-browser.sh

test: $(STAMP) ## Run the whole test suite (unit, schema, notebook smoke, end-to-end)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

screenshots: $(STAMP) ## PNGs of reports/demo (index, region reports, PDF page 1) into screenshots/ (after make demo)
	$(BIN)/python scripts/screenshots.py reports/demo --out screenshots

a11y: $(STAMP) ## axe-core accessibility check of reports/demo (index + one region report, screen and print)
	$(BIN)/python -m alignment.report.a11y reports/demo

bench: $(STAMP) ## Scale benchmarks (not in CI; ~15 min): time ratios, memory, demo split; see docs/benchmarks.md
	$(BIN)/python benchmarks/bench_scale.py --scale 1 10 50 --repeat 3 --memory --memory-scale 1 10 50 100

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

format: $(STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

lab: $(STAMP) ## Open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean-demo: ## Remove the generated demo data and reports
	rm -rf data/raw/demo data/processed/demo reports/demo
