# Veriflow: a newcomer needs two commands, `make dev` and `make test`. `make help` lists the rest.
# Every environment is built from the Python 3.13 that scripts/python313.sh finds (or builds once):
# Lambda runs python3.13, so tests, the local cloud and `sam build` run that same minor version.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

VENV     := .venv
VENV_SAM := .venv-sam
VENV_CHECKOV := .venv-checkov
PY       := $(VENV)/bin/python
SAM      := $(VENV_SAM)/bin/sam
BUILD    := .aws-sam/build

# The interpreter, looked up on first use only (recursive variable that replaces itself), so
# `make help` or `make clean` never build Python and one run never looks it up twice.
PYTHON313 = $(eval PYTHON313 := $$(shell scripts/python313.sh))$(PYTHON313)

export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# ---------------------------------------------------------------------------------------------
# Environments
# ---------------------------------------------------------------------------------------------
# $(call ensure-venv,DIR): (re)create DIR from the project's Python 3.13 unless it already was
# built from that interpreter. Only touches DIR/pyvenv.cfg when it recreates the environment,
# so the install stamp below re-runs exactly then.
define ensure-venv
	@py='$(PYTHON313)'; \
	if [ -z "$$py" ]; then echo "make: no Python 3.13 (scripts/python313.sh failed, see above)" >&2; exit 1; fi; \
	have=$$(sed -n 's/^executable *= *//p' $(1)/pyvenv.cfg 2>/dev/null || true); \
	if [ "$$(realpath -qe "$$have")" != "$$(realpath -e "$$py")" ] || ! $(1)/bin/python -c '' 2>/dev/null; then \
	  echo "Creating $(1) with $$py"; rm -rf $(1); "$$py" -m venv $(1); \
	fi
endef

.PHONY: FORCE
FORCE:

$(VENV)/pyvenv.cfg: FORCE
	$(call ensure-venv,$(VENV))

$(VENV_SAM)/pyvenv.cfg: FORCE
	$(call ensure-venv,$(VENV_SAM))

$(VENV_CHECKOV)/pyvenv.cfg: FORCE
	$(call ensure-venv,$(VENV_CHECKOV))

# The test environment: the deps layer's pins plus the tools, then our package editable.
$(VENV)/.installed: $(VENV)/pyvenv.cfg layers/deps/requirements.txt requirements/dev.txt pyproject.toml
	$(VENV)/bin/pip install -q -r layers/deps/requirements.txt -r requirements/dev.txt
	$(VENV)/bin/pip install -q -e . --no-deps
	@touch $@

# The SAM CLI and cfn-lint apart: the SAM CLI pins boto3 below the runtime's version.
$(VENV_SAM)/.installed: $(VENV_SAM)/pyvenv.cfg requirements/sam.txt
	$(VENV_SAM)/bin/pip install -q -r requirements/sam.txt
	@touch $@

# checkov apart too: its pins clash with both of the others.
$(VENV_CHECKOV)/.installed: $(VENV_CHECKOV)/pyvenv.cfg requirements/checkov.txt
	$(VENV_CHECKOV)/bin/pip install -q -r requirements/checkov.txt
	@touch $@

.PHONY: venv venv-sam venv-checkov
venv: $(VENV)/.installed ## build or refresh .venv (runs by itself when needed)
venv-sam: $(VENV_SAM)/.installed ## build or refresh .venv-sam (SAM CLI, cfn-lint)
venv-checkov: $(VENV_CHECKOV)/.installed ## build or refresh .venv-checkov (checkov)

# ---------------------------------------------------------------------------------------------
# Everyday
# ---------------------------------------------------------------------------------------------
# exec: the server replaces the recipe's shell, so Ctrl-C (SIGINT) reaches it directly.
.PHONY: dev
dev: venv ## migrate the local database, then run the local cloud (Ctrl-C stops it; DEV_ARGS=--port 3001)
	$(VENV)/bin/veriflow migrate
	exec $(VENV)/bin/veriflow dev $(DEV_ARGS)

.PHONY: test
# One worker per core (pytest-xdist); a file's tests stay together on one worker, in order, with
# its module fixtures. Each worker starts its own PostgreSQL cluster. PYTEST_ARGS="-n 0" runs serially.
test: venv ## the whole suite: unit, functional, integration, e2e, on every core
	$(PY) -m pytest tests -n auto --dist loadfile $(PYTEST_ARGS)

# The published spec against the running local cloud (schemathesis, bounded and derandomized).
.PHONY: contract
contract: venv ## API contract: schemathesis against `veriflow dev` with a seeded user (about 1.5 minutes)
	$(PY) scripts/contract_test.py $(CONTRACT_ARGS)

.PHONY: test-aws
test-aws: venv ## check a deployed stack: VERIFLOW_STACK_NAME=veriflow-dev (or VERIFLOW_API_URL=https://...)
	$(PY) -m pytest tests/aws $(PYTEST_ARGS)

.PHONY: lint
lint: venv ## ruff, mypy and the import layers (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

.PHONY: fmt
fmt: venv ## format the code and apply ruff's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: bench
bench: venv ## run every benchmark in bench/ (reports, never fails on a budget)
	@for b in bench/*.py; do echo "== $$b"; $(PY) "$$b"; done

.PHONY: routes
routes: venv ## rewrite the health function's route table from template.yaml (after changing a route)
	$(PY) scripts/route_table.py

.PHONY: lock
lock: ## re-resolve requirements/*.in into the pinned files
	scripts/lock.sh

# ---------------------------------------------------------------------------------------------
# Template checks (CI runs them): lint, scan, build for arm64 without Docker, then check the build
# ---------------------------------------------------------------------------------------------
.PHONY: template-check template-lint checkov
template-check: venv template-lint checkov sam-build ## validate, lint, scan and build template.yaml, then check the build
	$(PY) scripts/check_asl_substitutions.py
	$(PY) scripts/route_table.py --check
	$(PY) scripts/check_handlers.py
	$(PY) scripts/check_function_sizes.py --build-dir $(BUILD)
	$(PY) scripts/check_layer_contents.py --build-dir $(BUILD)

template-lint: venv-sam ## sam validate --lint and cfn-lint
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-1} $(SAM) validate --lint --template-file template.yaml
	$(VENV_SAM)/bin/cfn-lint template.yaml

# The template as CloudFormation receives it (SAM's generated roles and policies included), scanned
# offline; every skipped check is listed, with its reason, in .checkov.yaml.
checkov: venv venv-checkov ## checkov security scan of the translated template (skips: .checkov.yaml)
	@mkdir -p .aws-sam/checkov
	$(PY) scripts/translate_template.py template.yaml > .aws-sam/checkov/template.json
	$(VENV_CHECKOV)/bin/checkov --config-file .checkov.yaml

# sam build finds python3.13 on PATH: put the project's interpreter first. Then compile the
# bytecode once: sam build ships none and Lambda's code directories are read-only, so without it
# every cold start compiles our code and the layers again (bench/cold_start.py measures it).
# unchecked-hash: the .pyc stays valid whatever mtimes the deployment zip gives the sources.
# SAM's python builder copies all of shared/ and cannot leave files out: the local cloud and the
# command line (development machines only) are pruned from the built layer before compiling.
.PHONY: sam-build build
sam-build: venv-sam ## sam build (arm64 wheels from PyPI, no container), with precompiled bytecode
	@py='$(PYTHON313)'; test -n "$$py" || { echo "make: no Python 3.13" >&2; exit 1; }; \
	set -x; PATH="$$(dirname "$$py"):$$PATH" $(SAM) build --parallel --template-file template.yaml --build-dir $(BUILD); \
	"$$py" scripts/check_layer_contents.py --build-dir $(BUILD) --prune; \
	"$$py" -m compileall -q -j 0 --invalidation-mode unchecked-hash $(BUILD)
build: sam-build ## what `sam deploy` ships: .aws-sam/build

.PHONY: clean distclean
clean: ## remove build output and caches (keeps the virtual environments)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache build shared/*.egg-info
	find . -path ./$(VENV) -prune -o -path ./$(VENV_SAM) -prune -o -path ./$(VENV_CHECKOV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## clean, and remove .venv, .venv-sam and .venv-checkov too
	rm -rf $(VENV) $(VENV_SAM) $(VENV_CHECKOV)
