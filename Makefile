# Naast: `make run` starts everything on an embedded default; `make test` passes every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
SYSSTAMP := .naast/.system-packages
SPACY    := models/spacy_nl/meta.json
MODEL    := models/naast.tar.gz
NPMSTAMP := widget/node_modules/.installed
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run run-prod test train validate lint bench widget clean lock converse check-texts

help:
	@echo "make run    install, train if needed, start Rasa (5005), actions (5055) and the web app (8000)"
	@echo "make run-prod  the production topology on this machine: PostgreSQL, Redis, Rasa replicas, nginx (port 8000)"
	@echo "make test   install and run every test"
	@echo "make bench  measure Naast (and plain Rasa) and write bench/results/latest.md"
	@echo "make converse  run every persona (tests/personas) through the real servers and print the totals"

# Python 3.10 venv with the pinned dependencies; redone when pyproject.toml changes.
$(STAMP): pyproject.toml constraints.txt requirements-data.lock
	@PY=$$(scripts/find-python.sh) && { [ -x $(BIN)/python ] || $$PY -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade "pip<25" wheel "setuptools<81"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	# Data only: the Kubernetes and compose JSON schemas tests/ops/test_deploy.py validates deploy/ with
	# (their own code wants a newer jsonschema and attrs than Rasa 3.6 allows, and is never imported).
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-data.lock
	@touch $@

# Debian packages the tests need (PostgreSQL server, Chromium for browser tests).
$(SYSSTAMP): scripts/system-packages.sh
	scripts/system-packages.sh
	@mkdir -p $(@D) && touch $@

# The blank Dutch spaCy pipeline (no model download: spacy.blank("nl") + lookup lemmas).
$(SPACY): $(STAMP) bot/nlp.py
	$(BIN)/python -m bot.nlp models/spacy_nl

install: $(STAMP) $(SPACY)

# Node packages for the widget build and axe-core for the accessibility tests (pinned by the lock file).
$(NPMSTAMP): widget/package.json widget/package-lock.json
	npm ci --prefix widget --no-audit --no-fund --loglevel=error
	@touch $@

# Rebuild the committed widget bundle after changing widget/src (make run needs no Node.js).
widget: $(NPMSTAMP)
	npm run --prefix widget --silent build

# Rasa's fingerprinting skips training when data, domain and config are unchanged.
train: install
	$(BIN)/rasa train --fixed-model-name naast --out models

# rasa data validate, failing on any warning except responses that custom actions and forms send
# (Rasa's validator cannot see those; the test checks the code really uses each one).
validate: install
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_rasa_data.py -k "validates or every_response"

run: train
	$(BIN)/naast run

# PostgreSQL, Redis (Rasa's lock store), NAAST_RASA_REPLICAS Rasa servers (2), action server, web app,
# delivery worker and nginx in front, on loopback, in .naast/prod/ (bot/prod.py; README "Production").
run-prod: train $(SYSSTAMP)
	$(BIN)/naast run --prod

test: install $(SYSSTAMP) $(NPMSTAMP) train
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check bot actions tests bench

# The plain-language check over every shipped text (make test runs the same code in tests/texts).
check-texts: install
	$(BIN)/naast check-texts --shipped

bench: train
	$(BIN)/python -m bench.run

# Every persona under tests/personas/residents through the real servers (tests/personas/README.md).
# ARGS="--only p07 --transcript" passes options on.
converse: train
	$(BIN)/python -m tests.personas.run $(ARGS)

clean:
	rm -rf $(VENV) models .rasa .naast/.system-packages widget/node_modules

# Record the versions the tests pass with, so a clean clone (CI) installs exactly these; then the same
# pins with the hash of every file PyPI has for them (requirements.lock; tests/test_lock_file.py checks
# the two agree). The Makefile installs from constraints.txt: the PyPI mirror on this machine holds a
# third of these versions, so a --require-hashes install cannot work offline here (README, "For developers").
lock: $(STAMP)
	@{ sed -n '1,3p' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^naast'; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt
	grep -v -e '^#' -e '^kubernetes-validate==' -e '^check-jsonschema==' constraints.txt > .naast/lock.in
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links \
	  --strip-extras --output-file requirements.lock .naast/lock.in
