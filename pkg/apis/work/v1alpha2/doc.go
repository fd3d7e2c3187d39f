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

// Package v1alpha2 holds the work.karmada.io/v1alpha2 API: ResourceBinding and
// ClusterResourceBinding, which tie one resource template to the propagation
// policy that claimed it and carry the scheduler's choice of member clusters
// and the status collected back from them.
//
// The types are wire compatible with Karmada's work.karmada.io/v1alpha2
// bindings: group, version, kinds, JSON field names and enum values are the
// same.
//
// +k8s:deepcopy-gen=package
// +groupName=work.karmada.io
package v1alpha2
