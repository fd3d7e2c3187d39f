//go:build tools

// Package tools pins the code generators: controller-gen (deepcopy functions and
// CRDs) and openapi-gen (OpenAPI definitions of the aggregated API groups).
package tools

import (
	_ "k8s.io/kube-openapi/cmd/openapi-gen"
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
