# Omni task runner. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# uv is pinned and lives in .tools/, installed from PyPI with the machine's own Python before
# anything else: a fresh machine needs only Python 3.11, pip, Node/npm and make.
UV_VERSION := 0.9.30
PYTHON := $(shell command -v python3.11 2>/dev/null || command -v python3)
TOOLS := $(CURDIR)/.tools/bin
UV := $(TOOLS)/uv
RUN := $(UV) run --frozen
export PATH := $(TOOLS):$(CURDIR)/.venv/bin:$(PATH)

.PHONY: help setup dev test test-slow test-fast lint typecheck api-check fmt proto proto-check openapi api-release \
	charts bench audit images clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## install everything: uv, the Python workspace, nats-server, the store, buf, helm, api-smart-diff, Chromium
	@bash scripts/install-uv.sh "$(PYTHON)" $(UV_VERSION)
	$(UV) sync --frozen
	bash scripts/install-tools.sh
	@$(RUN) nats-server --version
	@$(RUN) python -c "import importlib.metadata as m; print('secantusdb', m.version('secantusdb'))"

dev: ## run the whole platform locally (nats-server, store, services, gateway); Ctrl-C stops it
	$(RUN) python scripts/dev.py

test: lint ## lint, contracts, unit, integration, console browser and chart tests (all but the slow suites)
	$(RUN) pytest -m "not slow"

test-slow: ## the slow suites: kills, restarts and outages, the fuzzer, e2e walks, bulk loads, query plans
	$(RUN) pytest -m slow

test-fast: ## unit tests only
	$(RUN) pytest tests/unit tests/contracts

lint: ## ruff, formatting, mypy, buf lint, breaking changes to the public contract
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(MAKE) --no-print-directory typecheck
	buf lint proto
	$(MAKE) --no-print-directory api-check

# The paths mypy checks (see [tool.mypy]): the libraries, every service, the scripts and benchmarks.
TYPED := libs services/catalog services/inventory services/order services/customer services/notification \
	services/gateway services/store-node scripts bench
typecheck: ## mypy over the typed paths
	$(RUN) mypy $(TYPED)

api-check: ## fail when proto/ or api/openapi.json break the released API (docs/api.md#versioning)
	$(RUN) python scripts/api_compat.py check

fmt: ## format Python and proto files
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
	buf format -w proto

proto: ## regenerate libs/contracts from proto/
	$(RUN) python scripts/gen_contracts.py

proto-check: ## fail when libs/contracts or api/openapi.json is stale
	$(RUN) pytest tests/contracts

openapi: ## regenerate api/openapi.json, the gateway's OpenAPI document
	$(RUN) python scripts/gen_openapi.py

api-release: openapi ## record api/VERSION as released in api/released/ (then commit and tag it)
	$(RUN) python scripts/api_compat.py release

charts: ## lint, render and validate the Helm chart
	$(RUN) pytest tests/charts

bench: ## run the benchmarks in bench/ (only="browse checkout" for some; ab=main: A/B against main) and record their results
	$(RUN) python bench/run.py $(if $(ab),--ab $(ab)) $(only)

audit: ## check the locked dependencies for known vulnerabilities (needs the PyPI JSON API)
	mkdir -p .omni
	$(UV) export --frozen --all-packages --no-emit-workspace --quiet -o .omni/requirements.txt
	$(RUN) pip-audit --strict --disable-pip --progress-spinner off -r .omni/requirements.txt

images: ## build every service image (needs a Docker engine)
	@command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "no Docker engine here"; exit 1; }
	for s in catalog inventory order customer notification gateway; do \
	  docker build -f services/$$s/Dockerfile -t ghcr.io/omni-commerce/omni-$$s:0.1.0 . ; done

clean: ## remove local data and caches (keeps the installed tools)
	rm -rf .omni .pytest_cache .ruff_cache .mypy_cache .hypothesis
