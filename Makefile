# hirebot — bootstrap, run, test. Everything runs from .venv, created on first use.
#
#   make run                  creates .venv, installs (CPU torch, then requirements.lock), builds
#                             the index, then starts Slack (tokens set) or the terminal chat
#   make test                 the same bootstrap, then the whole suite and the eval gate (CI)
#   make test-fast            the edit-test loop: ruff on the Python files changed since the last
#                             commit, then pytest -m "not slow" -x -q (stops at the first failure)
#   make PYTHON=python3.11 …  the interpreter that builds .venv (default: python3)
#   make bench                runs the benchmarks and writes docs/benchmarks.md
#
# Supported Python: 3.11 only (pyproject.toml: requires-python = ">=3.11,<3.12"). Another
# version stops every target but `clean` with one line, before anything is installed.
# 3.12 is not supported yet: not in CI, and its CPU torch install has not been checked.
# A .venv built by another Python, or broken, is rebuilt; .venv/.installed records its version.
# Knobs: VENV (where), VENV_FLAGS (extra `python -m venv` flags), TORCH_INDEX_URL (below).
PYTHON ?= python3
SUPPORTED_PYTHONS := 3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP = $(BIN)/python -m pip --disable-pip-version-check
VENV_FLAGS ?=
# torch comes from the pip sources configured on this machine when they hold the CPU build
# (torch==2.13.0+cpu), else from PyTorch's CPU wheel index (PyPI's Linux wheel is a multi-GB
# CUDA build). Point TORCH_INDEX_URL at a mirror of https://download.pytorch.org/whl/cpu if needed.
TORCH_VERSION := 2.13.0
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false

PYVER_CODE := import sys; print("%d.%d" % sys.version_info[:2])
PY_VERSION := $(shell $(PYTHON) -c '$(PYVER_CODE)' 2>/dev/null)
VENV_VERSION := $(shell $(BIN)/python -c '$(PYVER_CODE)' 2>/dev/null)
STAMP_VERSION := $(shell cat $(STAMP) 2>/dev/null)

ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),install)),)
ifeq ($(filter $(PY_VERSION),$(SUPPORTED_PYTHONS)),)
$(error hirebot supports Python $(SUPPORTED_PYTHONS); PYTHON=$(PYTHON) is $(if $(PY_VERSION),Python $(PY_VERSION),not found). Install Python $(firstword $(SUPPORTED_PYTHONS)) and run: make $(or $(firstword $(MAKECMDGOALS)),install) PYTHON=python$(firstword $(SUPPORTED_PYTHONS)))
endif
endif

# The install runs again when .venv's interpreter, or the version in its stamp, is not the
# chosen Python's; its recipe rebuilds .venv when that interpreter differs or does not run.
ifneq ($(VENV_VERSION) $(STAMP_VERSION),$(PY_VERSION) $(PY_VERSION))
$(STAMP): FORCE
endif

.PHONY: install check-python run test test-fast eval train-roles train-classifier bench profile \
	lint format clean FORCE

install: $(STAMP)

check-python:
	@echo "Python $(PY_VERSION) ($(PYTHON)): supported"

# torch first (CPU build, see above), then the project with exact versions from requirements.lock.
$(STAMP): pyproject.toml requirements.lock
	@if [ "$$($(BIN)/python -c '$(PYVER_CODE)' 2>/dev/null)" != "$(PY_VERSION)" ]; then \
	  if [ -e "$(VENV)" ] && [ ! -f "$(VENV)/pyvenv.cfg" ]; then \
	    echo "hirebot: $(VENV) is not a virtual environment; move it away or set VENV" >&2; exit 1; \
	  fi; \
	  if [ -e "$(VENV)" ]; then \
	    echo "hirebot: $(VENV) was built by another Python or is broken: rebuilding it with $(PYTHON) (Python $(PY_VERSION))"; \
	    rm -rf "$(VENV)"; \
	  fi; \
	  $(PYTHON) -m venv $(VENV_FLAGS) "$(VENV)"; \
	fi
	@echo "hirebot: installing CPU torch $(TORCH_VERSION), then the locked dependencies (first time: a few minutes)"
	$(PIP) install --quiet -c requirements.lock "torch==$(TORCH_VERSION)+cpu" 2>/dev/null \
	  || $(PIP) install --quiet -c requirements.lock $(if $(TORCH_INDEX_URL),--extra-index-url $(TORCH_INDEX_URL)) "torch==$(TORCH_VERSION)"
	$(PIP) install --quiet -c requirements.lock -e ".[dev]"
	@echo "$(PY_VERSION)" > $(STAMP)

FORCE:

run: install
	$(BIN)/hirebot run

# The suite runs on TEST_WORKERS processes (pytest-xdist, one test file per worker at a time;
# each loads the model and builds its knowledge index once); TEST_WORKERS=0 runs it in one.
TEST_WORKERS ?= 2

# `make test` indexes knowledge/ once into TEST_DATA; the suite copies that index and the eval
# gate reads its own copy. The eval runs beside pytest (most of pytest's time is spent waiting on
# the processes it starts); its output is printed when both have finished. Either failing fails.
# Each test process and the eval run torch on one thread: two workers, the eval and the servers
# they start share two cores, and torch's threads would wait on each other (twice the CPU time).
TEST_DATA ?= .hirebot/test
test test-fast: export OMP_NUM_THREADS = 1
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: install
	env -u OMP_NUM_THREADS HIREBOT_DATA_DIR=$(TEST_DATA)/index $(BIN)/hirebot ingest
	rm -rf $(TEST_DATA)/eval && mkdir -p $(TEST_DATA)/eval && cp -r $(TEST_DATA)/index/chroma $(TEST_DATA)/eval/
	@echo "hirebot eval runs beside pytest; its report follows pytest's ($(TEST_DATA)/eval.log)"
	@HIREBOT_DATA_DIR=$(TEST_DATA)/eval $(BIN)/hirebot eval \
	  --report $(or $(EVAL_REPORT),.hirebot/eval-report.md) > $(TEST_DATA)/eval.log 2>&1 & evaluation=$$!; \
	TEST_INDEX_FROM=$(TEST_DATA)/index $(BIN)/python -m pytest $(XDIST); tests=$$?; \
	wait $$evaluation; gate=$$?; \
	echo; echo "== hirebot eval (exit $$gate) =="; cat $(TEST_DATA)/eval.log; \
	[ $$tests -eq 0 ] && [ $$gate -eq 0 ]

# The inner loop; `make test` (CI) stays the gate. Changed files: git diff against HEAD, plus
# untracked ones; none (or no git): ruff is skipped.
test-fast: install
	@files="$$( { git diff --name-only --diff-filter=d HEAD -- '*.py'; \
	  git ls-files --others --exclude-standard -- '*.py'; } 2>/dev/null | sort -u)"; \
	if [ -n "$$files" ]; then \
	  echo "ruff on $$(echo $$files | wc -w) changed file(s)"; \
	  $(BIN)/ruff check $$files && $(BIN)/ruff format --check $$files; \
	fi
	$(BIN)/python -m pytest -m "not slow" -x -q $(XDIST)

eval: install
	$(BIN)/hirebot eval --report .hirebot/eval-report.md

# Re-fit the role model after editing evals/roles_train.yaml or evals/roles.yaml (writes
# bot/data/role_model.json; a test fails while the committed artifact is stale).
train-roles: install
	$(BIN)/hirebot train-roles

# Re-fit the question classifier after editing bot/data/question_types*.yaml (writes
# bot/data/question_model.npz; a test fails while the committed artifact is stale).
train-classifier: install
	$(BIN)/hirebot train-classifier

# Writes the measured figures to docs/benchmarks.md (see docs/benchmarking.md).
bench: install
	$(BIN)/python -m benchmarks --out docs/benchmarks.md

profile: install
	$(BIN)/python -m benchmarks.profile_ask

lint: install
	$(BIN)/ruff check bot tests benchmarks ingest.py
	$(BIN)/ruff format --check bot tests benchmarks ingest.py
	$(BIN)/mypy bot
	$(BIN)/hadolint Dockerfile

format: install
	$(BIN)/ruff format bot tests benchmarks ingest.py
	$(BIN)/ruff check --fix bot tests benchmarks ingest.py

clean:
	rm -rf $(VENV) .hirebot .pytest_cache .mypy_cache .ruff_cache
