# Two commands for a new user: `make reports` and `make test`.
# Everything they need is installed here, into .venv (and Chromium from Debian for browser tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every distribution at one version, with its hashes: what `make setup` (and so CI) installs.
LOCK := requirements.lock
# How requirements.lock is resolved from pyproject.toml: for every platform, Python 3.11.5 and
# newer, with the hashes of every file (make lock, make upgrade; docs/architecture.md §7).
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --extra lab --extra test --universal \
	--python-version 3.11.5 --generate-hashes --quiet --output-file $(LOCK)
DEMO := data/demo
JOBS ?=
# Where make upgrade writes the demo's reports made before and after the upgrade.
UPGRADE_DIR := .cache/upgrade
# The fast tests: tests/ (not the notebooks) less those that start a kernel, a process or a
# browser or run for seconds (the markers in pyproject.toml).
CHECK_TESTS := tests -m "not slow and not browser" -q
# JupyterLab's configuration in .venv: after saving a committed notebook that was only run, git's
# index is told it is unchanged (strapetsi_lib/lab_hooks.py).
LAB_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.d/strapetsi.json
# Notebook metadata that changes on every run and must not reach git (nbstripout already drops
# outputs, execution counts, cell execution times and widget state); tests/test_notebook_hygiene.py
# reads this line.
NBSTRIPOUT_EXTRA_KEYS := metadata.language_info metadata.papermill metadata.vscode metadata.toc cell.metadata.papermill cell.metadata.trusted cell.metadata.jp-MarkdownHeadingCollapsed

.PHONY: setup reports test check lock upgrade demo browser clean-reports lab

setup: $(STAMP)

# The locked versions, checked against their hashes; then the workbench itself, editable, with
# nothing more (--no-deps); pip check fails when pyproject.toml asks for what the lock lacks
# (then: make lock).
$(STAMP): pyproject.toml $(LOCK) Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	$(BIN)/python -m ipykernel install --sys-prefix --name strapetsi --display-name "Python (strapetsi)" > /dev/null
	-git config filter.nbstripout.clean "$(abspath $(BIN))/nbstripout --keep-id" 2>/dev/null
	-git config filter.nbstripout.smudge cat 2>/dev/null
	-git config filter.nbstripout.extrakeys "$(NBSTRIPOUT_EXTRA_KEYS)" 2>/dev/null
	-git config diff.ipynb.textconv "$(abspath $(BIN))/nbstripout -t" 2>/dev/null
	mkdir -p $(dir $(LAB_CONFIG))
	echo '{"ServerApp": {"jpserver_extensions": {"strapetsi_lib.lab_hooks": true}}}' > $(LAB_CONFIG)
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

# ruff and the tests that start no kernel, process or browser: the loop to run while working
# (under a minute; docs/architecture.md §7). make test runs everything.
check: $(STAMP) $(DEMO)/dataset.yml
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(CHECK_TESTS)

# Re-resolve requirements.lock from pyproject.toml, keeping every locked version that still
# fits (after a dependency is added or its bounds change); then make setup installs it.
lock:
	test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install --quiet uv; }
	$(UV_COMPILE)

# Newer versions within pyproject.toml's bounds: the demo's reports before, re-lock, install,
# the reports again; the upgrade stands when they are byte for byte the same (diff lists any
# report that differs; the index page and the run's working files carry dates and versions).
upgrade: $(STAMP) $(DEMO)/dataset.yml
	rm -rf $(UPGRADE_DIR)
	$(BIN)/strapetsi run $(DEMO) --force --out $(UPGRADE_DIR)/before
	$(UV_COMPILE) --upgrade
	$(MAKE) setup
	$(BIN)/strapetsi run $(DEMO) --force --out $(UPGRADE_DIR)/after
	diff -rq --exclude=_work --exclude=index.html $(UPGRADE_DIR)/before $(UPGRADE_DIR)/after

lab: $(STAMP) $(DEMO)/dataset.yml
	$(BIN)/jupyter lab notebooks/

clean-reports:
	rm -rf reports/*/
