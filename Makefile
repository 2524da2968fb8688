# The two commands of the README. Each creates .venv on first use (CPU torch pinned by
# constraints-cpu.txt; nothing is downloaded from a model or dataset hub). `make demo` installs only
# what the demo needs (the package and its hf-cpu extra); `make test` adds the test extra on top, and
# runs the model-family matrix in a second environment, .venv-vision (below).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_STAMP := $(VENV)/.installed-demo
STAMP  := $(VENV)/.installed
VISION_VENV ?= .venv-vision
VISION_STAMP := $(VISION_VENV)/.installed

.PHONY: demo test test-families tables-check clean-venv

$(DEMO_STAMP): pyproject.toml constraints-cpu.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e '.[hf-cpu]'
	touch $(DEMO_STAMP)

$(STAMP): $(DEMO_STAMP)
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e '.[test]'
	touch $(STAMP)

# torchvision does not load beside the CPU torch of .venv: the families whose processors need it run
# in .venv-vision, on the torch/torchvision pair of constraints-vision.txt (CUDA builds, run on the CPU).
$(VISION_STAMP): pyproject.toml constraints-vision.txt
	$(PYTHON) -m venv $(VISION_VENV)
	$(VISION_VENV)/bin/python -m pip install -q --no-compile -c constraints-vision.txt -e '.[hf]' pytest pytest-timeout
	touch $(VISION_STAMP)

## Evaluate the tiny random model on the 96-item demo set in all 8 languages; ends with the
## headline (stdout) and the path of the HTML report (leaderboard + per-sample viewer).
demo: $(DEMO_STAMP)
	$(BIN)/mella-bench run --model tiny --langs all --output results/demo-tiny
	$(BIN)/mella-bench report results/demo-tiny --output results/demo-tiny/report > /dev/null
	@echo "HTML report (leaderboard, plots, per-sample viewer): results/demo-tiny/report/index.html"

## Run the test suite (what CI runs). The HTML report's browser tests need Debian's chromium and
## fonts: tools/install-browser.sh installs what is missing (root); without them those tests skip
## with the reason (and fail in CI).
test: $(STAMP)
	tools/install-browser.sh || echo "warning: could not install chromium/fonts; the browser tests will skip (see docs/reports.md)"
	tools/install-hunspell.sh || echo "warning: could not install the Hunspell dictionaries; the keyword-set and spelling-dictionary tests will skip (see docs/metrics-keywords.md, docs/metrics.md)"
	tools/install-wordnet.sh || echo "warning: could not install WordNet; Thai Keyword Accuracy reads no compounds and its tests will skip (see docs/metrics-keywords.md)"
	$(BIN)/python -m pytest -q -ra --ignore=tests/families
	$(MAKE) test-families

## The model-family matrix (tests/families, docs/models.md): a tiny checkpoint of every family through
## the hf backend. MELLA_WRITE_DOCS=1 rewrites the table in docs/models.md.
test-families: $(VISION_STAMP)
	$(VISION_VENV)/bin/python -m pytest -q -ra tests/families

## Check that the committed paper tables are what the committed runs produce.
tables-check: $(DEMO_STAMP)
	$(BIN)/mella-bench tables --check

clean-venv:
	rm -rf $(VENV) $(VISION_VENV)
