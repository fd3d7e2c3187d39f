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

// Package v1alpha1 holds the work.karmada.io/v1alpha1 API: Work, the set of
// manifests to apply to one member cluster, which the control plane writes
// into that cluster's execution namespace and the cluster's agent or the
// execution controller applies.
//
// The types are wire compatible with Karmada's work.karmada.io/v1alpha1 Work:
// group, version, kind, JSON field names and enum values are the same. The
// deprecated v1alpha1 ResourceBinding and ClusterResourceBinding are not
// provided; use work.karmada.io/v1alpha2.
//
// +k8s:deepcopy-gen=package
// +groupName=work.karmada.io
package v1alpha1
