# The two commands of the README. Each creates .venv on first use (CPU torch pinned by
# constraints-cpu.txt; nothing is downloaded from a model or dataset hub). `make demo` installs only
# what the demo needs (the package and its hf extra); `make test` adds the test extra on top.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_STAMP := $(VENV)/.installed-demo
STAMP  := $(VENV)/.installed

.PHONY: demo test tables-check clean-venv

$(DEMO_STAMP): pyproject.toml constraints-cpu.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e '.[hf]'
	touch $(DEMO_STAMP)

$(STAMP): $(DEMO_STAMP)
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e '.[test]'
	touch $(STAMP)

## Evaluate the tiny random model on the 96-item demo set in all 8 languages; ends with the
## headline (stdout) and the path of the HTML report (leaderboard + per-sample viewer).
demo: $(DEMO_STAMP)
	$(BIN)/mella-bench run --model tiny --langs all --output results/demo-tiny
	$(BIN)/mella-bench report results/demo-tiny --out results/demo-tiny/report > /dev/null
	@echo "HTML report (leaderboard, plots, per-sample viewer): results/demo-tiny/report/index.html"

## Run the test suite (what CI runs). The HTML report's browser tests need Debian's chromium and
## fonts: tools/install-browser.sh installs what is missing (root); without them those tests skip
## with the reason (and fail in CI).
test: $(STAMP)
	tools/install-browser.sh || echo "warning: could not install chromium/fonts; the browser tests will skip (see docs/reports.md)"
	tools/install-hunspell.sh || echo "warning: could not install the Hunspell dictionaries; the keyword-set tests will skip (see docs/metrics-keywords.md)"
	$(BIN)/python -m pytest -q -ra

## Check that the committed paper tables are what the committed runs produce.
tables-check: $(DEMO_STAMP)
	$(BIN)/mella-bench tables --check

clean-venv:
	rm -rf $(VENV)
