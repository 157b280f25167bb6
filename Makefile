# The two Quick start commands (README): `make demo` and `make test`. Each builds .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench clean redis-server

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,server]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/callstate demo

# One pytest-xdist worker per core (at most 4): each worker starts its own redis-server.
test: $(STAMP) redis-server
	$(BIN)/pytest -n auto --maxprocesses=4

# The tests run every behavioural test against a real redis-server too (started by the tests
# themselves, on a free loopback port): install Debian's package when the machine lacks it.
redis-server:
	@command -v redis-server >/dev/null || { \
	  echo "installing redis-server (Debian package)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check callstate tests
	$(BIN)/ruff format --check callstate tests
	$(BIN)/mypy --strict callstate
	$(BIN)/mypy tests

# Benchmarks (docs/performance.md): the bench extra, and wrk for W5 when Debian has it.
bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,server,bench]'
	@command -v wrk >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || true; }
	$(BIN)/python -m benchmarks

docs: $(STAMP)
	$(BIN)/python -m callstate._docgen --write docs

clean:
	rm -rf $(VENV)
