# The course's commands. Quick start: `make demo`, then `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
# `make site SOLUTIONS=0`: the website without the solution code (for a course whose assignments are still open).
SOLUTIONS ?= 1
# PyTorch comes from its own index of CPU builds (about 200 MB) on Linux, where PyPI's torch is a CUDA build of
# several GB; where that index cannot be reached (a machine that reaches only PyPI), from PyPI. `make demo
# TORCH_INDEX=` takes PyPI's build directly; on macOS and Windows PyPI's wheel is the CPU build already.
TORCH_VERSION := $(shell sed -n 's/^torch==//p' requirements.txt)
TORCH_INDEX ?= $(if $(filter Linux,$(shell uname -s)),https://download.pytorch.org/whl/cpu,)

BIN   := $(VENV)/bin
STAMP := $(VENV)/.coursekit-installed

# Keep Jupyter, IPython and matplotlib state inside the repository, never in the home folder.
export JUPYTER_CONFIG_DIR  := $(CURDIR)/.jupyter/config
export JUPYTER_DATA_DIR    := $(CURDIR)/.jupyter/data
export JUPYTER_RUNTIME_DIR := $(CURDIR)/.jupyter/runtime
export IPYTHONDIR          := $(CURDIR)/.jupyter/ipython
export MPLCONFIGDIR        := $(CURDIR)/.jupyter/matplotlib
export MPLBACKEND          := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup sandbox postgresql chromium demo test lab release site clean

help:
	@echo "make demo     set up .venv, release the notebooks, grade the sample submissions, print the scores"
	@echo "make test     set up .venv and run the whole test suite"
	@echo "make lab      JupyterLab on the course (students: notebooks/, instructors: solutions/ + formgrader)"
	@echo "make release  regenerate notebooks/ (student versions) from solutions/"
	@echo "make site     the course as a website in build/site/ (SOLUTIONS=0: without the solutions)"
	@echo "make clean    remove .venv and everything generated"

setup: $(STAMP) sandbox postgresql chromium

# The grader's sandbox is bubblewrap: installed from Debian's packages when we are root and it is missing.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing bubblewrap (the grader's sandbox)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null) || \
	      echo "note: could not install bubblewrap; grading will not be isolated"; \
	  else \
	    echo "note: bubblewrap (bwrap) is missing: install it (sudo apt-get install bubblewrap) to grade in a sandbox"; \
	  fi; }

# A PostgreSQL gradebook (COURSEKIT_DB_URL, see README: Grading a class) is tested against a real server that the tests
# start in a temporary folder: Debian's postgresql is installed when we are root and it is missing (the test does not use
# the cluster the package itself may set up); without it that test is skipped.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing postgresql (the PostgreSQL gradebook's test starts a server of its own)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      postgresql >/dev/null) || echo "note: could not install postgresql; its test will be skipped"; \
	  else \
	    echo "note: postgresql is missing: install it (sudo apt-get install postgresql) to test a PostgreSQL gradebook"; \
	  fi; }

# The browser tests (tests/browser) drive Debian's Chromium through Playwright (which cannot download a browser of its
# own here): installed when we are root and it is missing; without it those tests are skipped.
chromium:
	@[ -n "$$COURSEKIT_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 || \
	  command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing chromium (the browser tests drive it)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	      echo "note: could not install chromium; the browser tests will be skipped"; \
	  else \
	    echo "note: chromium is missing: install it (sudo apt-get install chromium) to run the browser tests"; \
	  fi; }

$(STAMP): requirements.txt pyproject.toml
	@echo "==> creating $(VENV) and installing the pinned environment (requirements.txt)"
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.10 is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	@grep -v '^torch==' requirements.txt > $(VENV)/requirements-without-torch.txt
	$(BIN)/python -m pip install --quiet -r $(VENV)/requirements-without-torch.txt
	@echo "==> installing torch==$(TORCH_VERSION)$(if $(TORCH_INDEX), (CPU build from $(TORCH_INDEX)))"
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install --quiet --no-deps --retries 0 --timeout 20 \
	  --index-url $(TORCH_INDEX) torch==$(TORCH_VERSION) || { echo "note: $(TORCH_INDEX) cannot be reached: torch from PyPI"; \
	  $(BIN)/python -m pip install --quiet --no-deps torch==$(TORCH_VERSION); },$(BIN)/python -m pip install --quiet \
	  --no-deps torch==$(TORCH_VERSION))
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

demo: setup
	$(BIN)/coursekit demo

# pytest's own exit status is kept in .pytest-status (make itself only says 2 on failure); .ci/run reports it.
test: setup
	@rm -f .pytest-status
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; echo $$status > .pytest-status; exit $$status

lab: setup
	$(BIN)/coursekit lab

release: setup
	$(BIN)/coursekit release

# The course as a static website in build/site/: every chapter executed (cached by content in build/site-cache/),
# solutions folded behind "Show solution", or left out with SOLUTIONS=0; npm fetches MathJax and the widget embedder
# once (docs/build_site.py says what and why).
site: setup
	$(BIN)/python docs/build_site.py --solutions $(SOLUTIONS)

clean:
	rm -rf $(VENV) .jupyter autograder/source autograder/release autograder/submitted autograder/autograded \
	       autograder/feedback autograder/exchange autograder/gradebook.db build *.egg-info
