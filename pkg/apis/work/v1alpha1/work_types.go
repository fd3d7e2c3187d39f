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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Resource names (plural, lower case) and kind name of Work.
const (
	// ResourceKindWork is the kind of Work.
	ResourceKindWork = "Work"
	// ResourcePluralWork is the REST resource name of Work.
	ResourcePluralWork = "works"
)

// +genclient
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=wk,categories=karmada-io
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="WORKLOAD-KIND",type=string,JSONPath=`.spec.workload.manifests[*].kind`
// +kubebuilder:printcolumn:name="APPLIED",type=string,JSONPath=`.status.conditions[?(@.type=="Applied")].status`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`

// Work is the set of resources to apply to one member cluster. It lives in
// the execution namespace of that cluster.
type Work struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec lists the resources to apply.
	// +required
	Spec WorkSpec `json:"spec"`

	// Status reports what happened to them in the member cluster.
	// +optional
	Status WorkStatus `json:"status,omitempty"`
}

// WorkSpec is the desired content of a Work.
type WorkSpec struct {
	// Workload holds the manifests to apply to the member cluster.
	// +optional
	Workload WorkloadTemplate `json:"workload,omitempty"`

	// SuspendDispatching, when true, stops applying the manifests to the
	// member cluster; status is still collected. Nil means not suspended.
	// +optional
	SuspendDispatching *bool `json:"suspendDispatching,omitempty"`

	// PreserveResourcesOnDeletion keeps the applied resources in the member
	// cluster when the Work is deleted; by default they are deleted with it.
	// +optional
	PreserveResourcesOnDeletion *bool `json:"preserveResourcesOnDeletion,omitempty"`
}

// WorkloadTemplate holds the manifests of a Work.
type WorkloadTemplate struct {
	// Manifests are the Kubernetes objects to apply to the member cluster.
	// +optional
	Manifests []Manifest `json:"manifests,omitempty"`
}

// Manifest is one complete Kubernetes object, kept as raw JSON.
// +kubebuilder:pruning:PreserveUnknownFields
type Manifest struct {
	runtime.RawExtension `json:",inline"`
}

// WorkStatus reports the state of a Work's manifests in the member cluster.
type WorkStatus struct {
	// Conditions describe the Work as a whole, e.g. whether it is Applied.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ManifestStatuses reports the state of each manifest.
	// +optional
	ManifestStatuses []ManifestStatus `json:"manifestStatuses,omitempty"`
}

// ManifestStatus reports the state of one manifest in the member cluster.
type ManifestStatus struct {
	// Identifier tells which manifest this is.
	// +required
	Identifier ResourceIdentifier `json:"identifier"`

	// Status is the object's status as read from the member cluster.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	Status *runtime.RawExtension `json:"status,omitempty"`

	// Health is the object's health as judged by the rules for its kind.
	// +optional
	// +kubebuilder:validation:Enum=Healthy;Unhealthy;Unknown
	Health ResourceHealth `json:"health,omitempty"`
}

// ResourceIdentifier identifies one manifest of a Work and the object it
// describes.
type ResourceIdentifier struct {
	// Ordinal is the manifest's index in spec.workload.manifests, so that a
	// status can be tied to a manifest even when it cannot be parsed.
	// +required
	Ordinal int `json:"ordinal"`

	// Group is the API group of the object; empty for the core group.
	// +optional
	Group string `json:"group,omitempty"`

	// Version is the API version of the object.
	// +required
	Version string `json:"version"`

	// Kind is the kind of the object.
	// +required
	Kind string `json:"kind"`

	// Resource is the REST resource name of the object's kind.
	// +required
	Resource string `json:"resource"`

	// Namespace is the namespace of the object; empty for cluster-scoped
	// objects.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name is the name of the object.
	// +required
	Name string `json:"name"`
}

// ResourceHealth is the health of a propagated object.
type ResourceHealth string

const (
	// ResourceHealthy means the object meets its kind's health rules.
	ResourceHealthy ResourceHealth = "Healthy"
	// ResourceUnhealthy means it does not.
	ResourceUnhealthy ResourceHealth = "Unhealthy"
	// ResourceUnknown means its health cannot be judged.
	ResourceUnknown ResourceHealth = "Unknown"
)

// Condition types of a Work.
const (
	// WorkApplied means the manifests were applied to the member cluster.
	WorkApplied = "Applied"
	// WorkProgressing means the manifests are being applied.
	WorkProgressing = "Progressing"
	// WorkAvailable means the applied objects are available in the cluster.
	WorkAvailable = "Available"
	// WorkDegraded means the applied objects do not reach their desired state.
	WorkDegraded = "Degraded"
	// WorkDispatching tells whether dispatching to the cluster is going on or
	// suspended.
	WorkDispatching = "Dispatching"
)

// +kubebuilder:object:root=true

// WorkList is a list of Work objects.
type WorkList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Works in the list.
	Items []Work `json:"items"`
}
