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

// Package v1alpha1 holds the cluster.karmada.io/v1alpha1 API: the Cluster
// object that records how the control plane reaches a member cluster and what
// it last observed there, plus the options object of the clusters/{name}/proxy
// subresource.
//
// The package exists so that fleetplane speaks the same wire format as
// Karmada for member clusters: group, version, kinds, JSON field names and
// enum values match Karmada's published API, so existing manifests, kubectl
// plugins and clients work unchanged. Unlike the policy and work groups, this
// group is served by an aggregated API server rather than by CRDs, so no CRD
// manifest is generated from these types.
//
// +k8s:deepcopy-gen=package
// +k8s:openapi-gen=true
// +k8s:openapi-model-package=io.karmada.cluster.v1alpha1
// +groupName=cluster.karmada.io
package v1alpha1
