# Developer and CI entry points. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# requires-python is 3.11 only: prefer python3.11, fall back to python3 (pip then says if it is wrong).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Reinstalled when pyproject.toml changes (dependencies, entry points).
INSTALLED := $(VENV)/.kycuong-installed

.PHONY: test lint demo docs release distributed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

# All three checks run, so one report shows every kind of failure; any failure fails the target.
# pytest's exit status 5 means it collected no test: a failure too, said plainly.
test: $(INSTALLED)
	@failed=""; \
	echo "+ ruff check ."; $(BIN)/ruff check --no-cache . || failed="$$failed ruff"; \
	echo "+ lint-imports"; $(BIN)/lint-imports --no-cache || failed="$$failed lint-imports"; \
	echo "+ pytest"; $(BIN)/pytest -p no:cacheprovider || { status=$$?; failed="$$failed pytest"; \
	  if [ $$status -eq 5 ]; then echo "make test: pytest collected no test" >&2; fi; }; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed" >&2; exit 1; fi

lint: $(INSTALLED)
	$(BIN)/ruff check --no-cache .
	$(BIN)/lint-imports --no-cache

demo: $(INSTALLED)
	$(BIN)/kycuong up --demo

docs: $(INSTALLED)
	$(BIN)/kycuong events --markdown > docs/events.md.tmp
	mv docs/events.md.tmp docs/events.md

# Distributed mode on this host (deploy/Procfile): RabbitMQ, PostgreSQL and nginx must be running/installed.
release: $(INSTALLED)
	set -a; . deploy/.env.distributed; set +a; $(BIN)/kycuong migrate && $(BIN)/kycuong topology

# A JWT secret of this host's own, made once (mint tokens with it: KYCUONG_JWT_SECRET=$$(cat var/jwt-secret)).
var/jwt-secret:
	mkdir -p var && umask 077 && openssl rand -hex 32 > $@

distributed: release var/jwt-secret
	KYCUONG_JWT_SECRET=$$(cat var/jwt-secret) $(BIN)/honcho -f deploy/Procfile -e deploy/.env.distributed start
