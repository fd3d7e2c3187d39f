/*
Copyright The fleetplane Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package v1alpha1 holds the search.karmada.io/v1alpha1 API. Its
// ResourceRegistry object tells the search component which resource types to
// cache from which member clusters (and, optionally, which external store to
// index them into), so that they can be listed and queried across the fleet
// from the control plane.
//
// The package exists so that fleetplane is wire-compatible with Karmada's
// search API: group, version, kinds and JSON field names match Karmada's
// published API. Like cluster.karmada.io, this group is served by an
// aggregated API server, so no CRD manifest is generated from these types.
//
// +k8s:deepcopy-gen=package
// +k8s:openapi-gen=true
// +k8s:openapi-model-package=io.karmada.search.v1alpha1
// +groupName=search.karmada.io
package v1alpha1
