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

.PHONY: install book test lint unit notebooks check-install student sync strip clean help

help:
	@echo "make install        create .venv and install the pinned environment (the others do it too)"
	@echo "make book           build the HTML book into _build/html (runs every notebook)"
	@echo "make test           lint, unit and structure tests, then every notebook under nbval"
	@echo "make check-install  pip install . into a clean venv and run chapter 4.1 there"
	@echo "make student        write the student edition (solutions out) into _build/student"
	@echo "make sync / strip   rewrite setup cells from the template / strip outputs"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

install: $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . -W -n --keep-going

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

sync: $(STAMP)
	$(BIN)/python tools/nbtool.py sync

strip: $(STAMP)
	$(BIN)/python tools/nbtool.py strip

clean:
	rm -rf _build
