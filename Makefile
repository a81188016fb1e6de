# Two entry points for a fresh machine: `make run` and `make test`. Both are idempotent.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: run test install system lint

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" CHATBOT_BIND=$(HOST):$(PORT) scripts/serve.sh

# Debian's Chromium drives the browser tests (Noto fonts so screenshots show Japanese and emoji);
# the scale-out tests start throwaway PostgreSQL, Redis and nginx servers (openssl makes their certificate);
# axe-core comes from npm (package-lock.json).
SYSTEM_PKGS := chromium chromium-driver fonts-noto-cjk fonts-noto-color-emoji postgresql redis-server nginx openssl
system:
	@dpkg -s $(SYSTEM_PKGS) >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PKGS); }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --silent

test: $(STAMP) system
	$(VENV)/bin/ruff check chatbot scripts tests
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check chatbot scripts tests
