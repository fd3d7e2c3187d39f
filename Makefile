# fleetplane: a Karmada-compatible multi-cluster control plane.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT        := $(CURDIR)
OUTPUT      := $(ROOT)/_output
BIN         := $(OUTPUT)/bin
CONTROLLER_GEN_VERSION := v0.23.0
CONTROLLER_GEN := $(BIN)/controller-gen-$(CONTROLLER_GEN_VERSION)
OPENAPI_GEN    := $(BIN)/openapi-gen
MODULE         := github.com/fleetplane/fleetplane
# Packages whose types the aggregated server publishes in its OpenAPI documents.
OPENAPI_PACKAGES := k8s.io/apimachinery/pkg/apis/meta/v1 k8s.io/apimachinery/pkg/runtime \
	k8s.io/apimachinery/pkg/version k8s.io/apimachinery/pkg/api/resource k8s.io/apimachinery/pkg/util/intstr \
	k8s.io/api/core/v1 ./pkg/apis/cluster/v1alpha1 ./pkg/apis/search/v1alpha1
GO_PACKAGES := ./cmd/... ./pkg/...

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z_-]+:.*## /{printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(CONTROLLER_GEN):
	@mkdir -p $(BIN)
	cd hack/tools/gen && go build -o $@ sigs.k8s.io/controller-tools/cmd/controller-gen

$(OPENAPI_GEN):
	@mkdir -p $(BIN)
	cd hack/tools/gen && go build -o $@ k8s.io/kube-openapi/cmd/openapi-gen

.PHONY: generate
generate: $(CONTROLLER_GEN) $(OPENAPI_GEN) ## Regenerate deepcopy functions, CRDs and OpenAPI definitions.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./pkg/apis/...
	$(CONTROLLER_GEN) crd:crdVersions=v1 paths=./pkg/apis/policy/... paths=./pkg/apis/work/... output:crd:artifacts:config=config/crds
	$(OPENAPI_GEN) --go-header-file hack/boilerplate.go.txt --output-dir pkg/apis/openapi \
		--output-pkg $(MODULE)/pkg/apis/openapi --output-file zz_generated.openapi.go \
		--output-model-name-file zz_generated.model_name.go \
		--readonly-pkg k8s.io/apimachinery/pkg/apis/meta/v1 --readonly-pkg k8s.io/apimachinery/pkg/runtime \
		--readonly-pkg k8s.io/apimachinery/pkg/version --readonly-pkg k8s.io/apimachinery/pkg/api/resource \
		--readonly-pkg k8s.io/apimachinery/pkg/util/intstr --readonly-pkg k8s.io/api/core/v1 \
		--report-filename hack/openapi-violations.list $(OPENAPI_PACKAGES)

.PHONY: verify
verify: ## Fail when generated files are stale, code is unformatted or go vet complains.
	hack/verify.sh

.PHONY: build
# Semantic version of this build; the commit goes into the build metadata.
VERSION ?= v0.1.0+$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X $(MODULE)/pkg/version.gitVersion=$(VERSION) -X k8s.io/component-base/version.gitVersion=$(VERSION)

build: ## Build the proxy and the kubectl plugin into _output/bin.
	@echo "build: proxy and kubectl-karmada ($(VERSION))"
	go build -ldflags '$(LDFLAGS)' -o $(BIN)/proxy ./cmd/proxy
	go build -ldflags '$(LDFLAGS)' -o $(BIN)/kubectl-karmada ./cmd/kubectl-karmada

.PHONY: unit
unit: ## Run the unit tests, then print the Karmada API coverage table.
	go test $(GO_PACKAGES)
	@go test -count=1 -v -run 'TestCRDSchemasCoverKarmada|TestReferenceFieldsExist' ./pkg/apis/compat | grep -v -e '^=== ' -e '^--- ' -e '^PASS' -e '^ok'

.PHONY: e2e
e2e: ## Run the e2e tests against the sandbox (reuses a running one, or starts its own).
	hack/e2e.sh

.PHONY: test
test: verify unit e2e ## Verify generated code and formatting, unit tests, then e2e tests against the sandbox.

.PHONY: bench
bench: ## Benchmarks against the sandbox (make up first); prints ratios against baselines measured in the same run.
	SANDBOX_DIR=$(OUTPUT)/sandbox BENCH=1 go test -count=1 -timeout 30m -run 'Test.*' ./test/bench/

.PHONY: binaries
binaries: ## Build the sandbox's Kubernetes, etcd and kwok binaries (cached in _output/bin).
	hack/sandbox-binaries.sh

.PHONY: up
up: binaries build ## Start the control plane and three members (idempotent).
	hack/sandbox.sh up

.PHONY: down
down: ## Stop every sandbox process and remove its state.
	hack/sandbox.sh down

.PHONY: krew
krew: ## Cross-build the krew archives of kubectl-karmada into _output/krew and update plugins/karmada.yaml.
	VERSION='$(VERSION)' hack/krew.sh
