# Entry points for people and CI. Every target is a one-line call into invoke (tasks.py),
# except bootstrap, which creates the environment invoke runs in.
# `make` alone lists the targets.

PYTHON ?= python3
INVOKE := .venv/bin/invoke
ENV ?=
EXTRAS ?=
UPGRADE ?=
REF ?= HEAD
PROVIDER ?=

.DEFAULT_GOAL := help
.PHONY: help bootstrap test lint security check test-infra demo deploy lock images manifest manifest-check promote smoke retrain tf-fmt tf-validate

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bootstrap: ## create .venv, the checkov env, the HCL parser and .env (idempotent) [EXTRAS=transformer]
	@$(PYTHON) scripts/bootstrap.py --extras="$(EXTRAS)"

test: $(INVOKE) ## run the test suite (pytest + emulator)
	@$(INVOKE) checks.test

lint: $(INVOKE) ## ruff, actionlint, zizmor, hadolint, Terraform syntax (zero findings)
	@$(INVOKE) checks.lint

security: $(INVOKE) ## checkov over every Terraform root (zero failed checks)
	@$(INVOKE) checks.security

check: lint security test ## lint + security + test: what CI runs

test-infra: $(INVOKE) ## apply, check, re-plan, destroy every Terraform root on the emulator [PROVIDER=6: require aws 6.x]
	@$(INVOKE) checks.test-infra --provider="$(PROVIDER)"

demo: $(INVOKE) ## dev -> staging -> prod on the local emulator, end to end
	@$(INVOKE) demo

deploy: $(INVOKE) ## deploy an environment: make deploy ENV=dev|staging|prod
	@$(INVOKE) deploy --env="$(ENV)"

images: $(INVOKE) ## build and push the training, inference, lambda images tagged with the commit SHA
	@$(INVOKE) images.build --push

manifest: $(INVOKE) ## record this commit's release manifest (image digests) in the operations account
	@$(INVOKE) release.manifest

manifest-check: $(INVOKE) ## print a commit's release manifest, fail if CI has not built it: [REF=HEAD]
	@$(INVOKE) release.show --ref="$(REF)"

promote: $(INVOKE) ## tag a built commit for deployment: make promote ENV=staging|prod [REF=HEAD]
	@$(INVOKE) release.promote --env="$(ENV)" --ref="$(REF)"

smoke: $(INVOKE) ## smoke-test an environment's endpoint: make smoke ENV=staging
	@$(INVOKE) endpoint.test --env="$(ENV)"

retrain: $(INVOKE) ## start the training pipeline in an environment: make retrain ENV=prod
	@$(INVOKE) pipeline.run --env="$(ENV)"

tf-fmt: $(INVOKE) ## terraform fmt -check -recursive (needs terraform >= 1.10; CI)
	@$(INVOKE) checks.tf-fmt

tf-validate: $(INVOKE) ## terraform init -backend=false + validate per root (needs terraform; CI)
	@$(INVOKE) checks.tf-validate

lock: $(INVOKE) ## resolve requirements/*.in into hashed lock files with uv: [UPGRADE=1]
	@$(INVOKE) checks.lock $(if $(UPGRADE),--upgrade)

$(INVOKE):
	@echo "make: .venv is missing; run 'make bootstrap' first" >&2; exit 1
