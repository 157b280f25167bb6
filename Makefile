# The two Quick start commands (README): `make demo` and `make test`. Each builds .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,server]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/callstate demo

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check callstate tests
	$(BIN)/ruff format --check callstate tests
	$(BIN)/mypy --strict callstate

docs: $(STAMP)
	$(BIN)/python -m callstate._docgen --write docs

clean:
	rm -rf $(VENV)
