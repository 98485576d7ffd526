# hirebot — bootstrap, run, test. Everything runs from .venv, created on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test eval train-roles train-classifier bench profile lint format clean

install: $(STAMP)

# torch first (pinned CPU wheel), then the project with exact versions from requirements.lock.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	touch $(STAMP)

run: install
	$(BIN)/hirebot run

test: install
	$(BIN)/python -m pytest
	$(BIN)/hirebot eval --report $(or $(EVAL_REPORT),.hirebot/eval-report.md)

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

bench: install
	$(BIN)/python -m benchmarks

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
