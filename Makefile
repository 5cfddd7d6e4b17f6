# Entry points for people and CI. Every target is a one-line call into invoke (tasks.py),
# except bootstrap, which creates the environment invoke runs in.
# `make` alone lists the targets.

PYTHON ?= python3
INVOKE := .venv/bin/invoke
ENV ?=

.DEFAULT_GOAL := help
.PHONY: help bootstrap test lint security check demo deploy lock tf-fmt tf-validate

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bootstrap: ## create .venv, the checkov env, the HCL parser and .env (idempotent)
	@$(PYTHON) scripts/bootstrap.py

test: $(INVOKE) ## run the test suite (pytest + emulator)
	@$(INVOKE) checks.test

lint: $(INVOKE) ## ruff, actionlint, hadolint, Terraform syntax (zero findings)
	@$(INVOKE) checks.lint

security: $(INVOKE) ## checkov over every Terraform root (zero failed checks)
	@$(INVOKE) checks.security

check: lint security test ## lint + security + test: what CI runs

demo: $(INVOKE) ## dev -> staging -> prod on the local emulator, end to end
	@$(INVOKE) demo

deploy: $(INVOKE) ## deploy an environment: make deploy ENV=dev|staging|prod
	@$(INVOKE) deploy --env="$(ENV)"

tf-fmt: $(INVOKE) ## terraform fmt -check -recursive (needs terraform >= 1.10; CI)
	@$(INVOKE) checks.tf-fmt

tf-validate: $(INVOKE) ## terraform init -backend=false + validate per root (needs terraform; CI)
	@$(INVOKE) checks.tf-validate

lock: $(INVOKE) ## re-resolve requirements/*.lock from requirements/requirements.in
	@$(INVOKE) checks.lock

$(INVOKE):
	@echo "make: .venv is missing; run 'make bootstrap' first" >&2; exit 1
