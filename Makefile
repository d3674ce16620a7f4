# Two commands for a new user: `make reports` and `make test`.
# Everything they need is installed here, into .venv (and Chromium from Debian for browser tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := data/demo
JOBS ?=
# Notebook metadata that changes on every run and must not reach git (nbstripout already drops
# outputs, execution counts, cell execution times and widget state); tests/test_notebook_hygiene.py
# reads this line.
NBSTRIPOUT_EXTRA_KEYS := metadata.language_info metadata.papermill metadata.vscode metadata.toc cell.metadata.papermill cell.metadata.trusted cell.metadata.jp-MarkdownHeadingCollapsed

.PHONY: setup reports test lint demo browser clean-reports lab

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name strapetsi --display-name "Python (strapetsi)" > /dev/null
	-git config filter.nbstripout.clean "$(abspath $(BIN))/nbstripout --keep-id" 2>/dev/null
	-git config filter.nbstripout.smudge cat 2>/dev/null
	-git config filter.nbstripout.extrakeys "$(NBSTRIPOUT_EXTRA_KEYS)" 2>/dev/null
	-git config diff.ipynb.textconv "$(abspath $(BIN))/nbstripout -t" 2>/dev/null
	touch $(STAMP)

$(DEMO)/dataset.yml: | $(STAMP)
	$(BIN)/strapetsi demo --out $(DEMO)

demo: $(DEMO)/dataset.yml

# Debian's Chromium for the browser tests (Playwright drives it via executable_path).
browser:
	@command -v chromium > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null; }

reports: $(STAMP) $(DEMO)/dataset.yml
	$(BIN)/strapetsi run $(DEMO) $(if $(JOBS),--jobs $(JOBS),)

test: $(STAMP) $(DEMO)/dataset.yml browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lab: $(STAMP) $(DEMO)/dataset.yml
	$(BIN)/jupyter lab notebooks/

clean-reports:
	rm -rf reports/*/
