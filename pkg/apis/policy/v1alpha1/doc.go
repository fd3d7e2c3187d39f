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

// Package v1alpha1 holds the policy.karmada.io/v1alpha1 API: the policies that
// decide where resource templates are propagated (PropagationPolicy,
// ClusterPropagationPolicy), how they are rewritten per member cluster
// (OverridePolicy, ClusterOverridePolicy) and how much of a namespace's quota
// they may use across the fleet (FederatedResourceQuota).
//
// The types are wire compatible with Karmada's policy.karmada.io/v1alpha1 API:
// group, version, kinds, JSON field names and enum values are the same, so
// manifests and clients written for Karmada work unchanged against fleetplane.
//
// +k8s:deepcopy-gen=package
// +groupName=policy.karmada.io
package v1alpha1
