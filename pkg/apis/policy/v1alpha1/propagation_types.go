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
)

// Resource names (plural, lower case) and kind names of the propagation policies.
const (
	// ResourceKindPropagationPolicy is the kind of a namespaced propagation policy.
	ResourceKindPropagationPolicy = "PropagationPolicy"
	// ResourcePluralPropagationPolicy is the REST resource name of PropagationPolicy.
	ResourcePluralPropagationPolicy = "propagationpolicies"
	// ResourceKindClusterPropagationPolicy is the kind of a cluster-scoped propagation policy.
	ResourceKindClusterPropagationPolicy = "ClusterPropagationPolicy"
	// ResourcePluralClusterPropagationPolicy is the REST resource name of ClusterPropagationPolicy.
	ResourcePluralClusterPropagationPolicy = "clusterpropagationpolicies"
)

// +genclient
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=pp,categories=karmada-io
// +kubebuilder:printcolumn:name="CONFLICT-RESOLUTION",type=string,JSONPath=`.spec.conflictResolution`
// +kubebuilder:printcolumn:name="PRIORITY",type=string,JSONPath=`.spec.priority`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`

// PropagationPolicy selects resource templates in its own namespace and
// states to which member clusters, and how, they are propagated.
type PropagationPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired propagation behaviour.
	// +required
	Spec PropagationSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// PropagationPolicyList is a list of PropagationPolicy objects.
type PropagationPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the policies in the list.
	Items []PropagationPolicy `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=cpp,categories=karmada-io
// +kubebuilder:printcolumn:name="CONFLICT-RESOLUTION",type=string,JSONPath=`.spec.conflictResolution`
// +kubebuilder:printcolumn:name="PRIORITY",type=string,JSONPath=`.spec.priority`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`

// ClusterPropagationPolicy is the cluster-scoped form of PropagationPolicy:
// it can select cluster-scoped resource templates and namespaced ones in any
// namespace.
type ClusterPropagationPolicy struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired propagation behaviour.
	// +required
	Spec PropagationSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// ClusterPropagationPolicyList is a list of ClusterPropagationPolicy objects.
type ClusterPropagationPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the policies in the list.
	Items []ClusterPropagationPolicy `json:"items"`
}

// PropagationSpec is the body shared by PropagationPolicy and
// ClusterPropagationPolicy.
type PropagationSpec struct {
	// ResourceSelectors picks the resource templates the policy applies to.
	// At least one selector is needed: an empty list does not mean "every
	// resource", so that sensitive kinds such as Secrets are never propagated
	// by accident.
	// +required
	// +kubebuilder:validation:MinItems=1
	ResourceSelectors []ResourceSelector `json:"resourceSelectors"`

	// Association makes resources referenced by the selected ones (for
	// example a ConfigMap mounted by a Deployment) selected as well.
	// Deprecated: use PropagateDeps instead.
	// +optional
	Association bool `json:"association,omitempty"`

	// PropagateDeps makes the resources a selected resource depends on (the
	// ConfigMaps, Secrets, ... a Deployment refers to) follow it to the same
	// clusters, including when it fails over, without listing them in
	// ResourceSelectors. Defaults to false.
	// +optional
	PropagateDeps bool `json:"propagateDeps,omitempty"`

	// Placement decides which member clusters receive the resources and how
	// replicas are spread among them.
	// +optional
	Placement Placement `json:"placement,omitempty"`

	// Priority orders competing policies: when several policies match a
	// resource template, the one with the highest priority claims it. On a
	// tie the policy with the more precise selector wins (name over label
	// selector over kind), then the one whose name sorts first. A template
	// already claimed is only taken over when Preemption allows it.
	// Defaults to 0.
	// +optional
	// +kubebuilder:default=0
	Priority *int32 `json:"priority,omitempty"`

	// Preemption tells whether this policy may take over resource templates
	// already claimed by a policy of lower priority. Defaults to "Never".
	// +optional
	// +kubebuilder:default=Never
	// +kubebuilder:validation:Enum=Always;Never
	Preemption PreemptionBehavior `json:"preemption,omitempty"`

	// DependentOverrides names the OverridePolicies that must exist before
	// this policy takes effect, so that overrides created together with the
	// policy are not skipped. Override policies not listed still apply when
	// they match.
	// +optional
	DependentOverrides []string `json:"dependentOverrides,omitempty"`

	// SchedulerName is the scheduler that schedules the selected resources.
	// +optional
	// +kubebuilder:default="default-scheduler"
	SchedulerName string `json:"schedulerName,omitempty"`

	// Failover describes how applications move away from failed clusters or
	// failing application instances. Nil disables failover.
	// +optional
	Failover *FailoverBehavior `json:"failover,omitempty"`

	// ConflictResolution says what to do when a resource being propagated
	// already exists in a member cluster: "Abort" (the default) stops so
	// nothing is overwritten unexpectedly; "Overwrite" takes the existing
	// resource over, which is useful when adopting legacy workloads.
	// +optional
	// +kubebuilder:default=Abort
	// +kubebuilder:validation:Enum=Abort;Overwrite
	ConflictResolution ConflictResolution `json:"conflictResolution,omitempty"`

	// ActivationPreference says when changes to this policy reach the
	// resource templates it governs. Empty means at once; "Lazy" means a
	// template picks up the new rules only the next time it is itself
	// updated, which lets a risky policy change roll out gradually.
	// +optional
	// +kubebuilder:validation:Enum=Lazy
	ActivationPreference ActivationPreference `json:"activationPreference,omitempty"`

	// Suspension pauses parts of the propagation. Nil suspends nothing.
	// +optional
	Suspension *Suspension `json:"suspension,omitempty"`

	// PreserveResourcesOnDeletion keeps the propagated resources in the member
	// clusters when the resource template is deleted; by default they are
	// deleted with it. It applies to every member cluster alike and does not
	// concern deleting the policy itself, which never removes propagated
	// resources.
	// +optional
	PreserveResourcesOnDeletion *bool `json:"preserveResourcesOnDeletion,omitempty"`

	// SchedulePriority chooses where the scheduling priority of the selected
	// workloads comes from, so that more important workloads are scheduled
	// first.
	// +optional
	SchedulePriority *SchedulePriority `json:"schedulePriority,omitempty"`
}

// ResourceSelector picks resource templates by API version and kind, and
// optionally by namespace, name or labels.
type ResourceSelector struct {
	// APIVersion is the group/version of the resources, e.g. "apps/v1".
	// +required
	APIVersion string `json:"apiVersion"`

	// Kind is the kind of the resources, e.g. "Deployment".
	// +required
	Kind string `json:"kind"`

	// Namespace restricts the selection to one namespace. Empty means the
	// namespace of the policy for namespaced policies.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name restricts the selection to one resource. Empty selects every
	// resource of the kind.
	// +optional
	Name string `json:"name,omitempty"`

	// LabelSelector restricts the selection to resources with matching
	// labels. It is ignored when Name is set.
	// +optional
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`
}

// PreemptionBehavior tells whether a policy may claim resource templates
// already claimed by another policy.
type PreemptionBehavior string

const (
	// PreemptAlways lets a policy take over templates claimed by policies of
	// lower priority.
	PreemptAlways PreemptionBehavior = "Always"
	// PreemptNever leaves claimed templates alone.
	PreemptNever PreemptionBehavior = "Never"
)

// ConflictResolution says how to handle a resource that already exists in a
// member cluster when it is propagated there.
type ConflictResolution string

const (
	// ConflictOverwrite takes the existing resource over and overwrites it.
	ConflictOverwrite ConflictResolution = "Overwrite"
	// ConflictAbort stops propagating to that cluster and reports the conflict.
	ConflictAbort ConflictResolution = "Abort"
)

// ActivationPreference says when policy changes reach the resource templates.
type ActivationPreference string

const (
	// LazyActivation defers policy changes until each template is next updated.
	LazyActivation ActivationPreference = "Lazy"
)

// Suspension lists the parts of propagation to pause.
type Suspension struct {
	// Dispatching, when true, stops propagating to every member cluster.
	// Nil means not suspended. It cannot be combined with
	// DispatchingOnClusters.
	// +optional
	Dispatching *bool `json:"dispatching,omitempty"`

	// DispatchingOnClusters stops propagating to the listed clusters only.
	// It cannot be combined with Dispatching.
	// +optional
	DispatchingOnClusters *SuspendClusters `json:"dispatchingOnClusters,omitempty"`
}

// SuspendClusters names the member clusters a suspension applies to.
type SuspendClusters struct {
	// ClusterNames lists the clusters.
	// +optional
	ClusterNames []string `json:"clusterNames,omitempty"`
}

// SchedulePriority says where the scheduling priority of a workload is taken from.
type SchedulePriority struct {
	// PriorityClassSource says where to look up PriorityClassName. Only
	// "KubePriorityClass" (a scheduling.k8s.io/v1 PriorityClass) is
	// supported; "PodPriorityClass" and "FederatedPriorityClass" are reserved.
	// +required
	// +kubebuilder:validation:Enum=KubePriorityClass
	PriorityClassSource PriorityClassSource `json:"priorityClassSource"`

	// PriorityClassName is the name of the priority class to use.
	// +required
	PriorityClassName string `json:"priorityClassName"`
}

// PriorityClassSource names a place where priority classes are defined.
type PriorityClassSource string

const (
	// FederatedPriorityClass reads a fleet-wide FederatedPriorityClass (reserved).
	FederatedPriorityClass PriorityClassSource = "FederatedPriorityClass"
	// KubePriorityClass reads a Kubernetes scheduling.k8s.io/v1 PriorityClass.
	KubePriorityClass PriorityClassSource = "KubePriorityClass"
	// PodPriorityClass uses the priorityClassName of the workload's pod
	// template (reserved).
	PodPriorityClass PriorityClassSource = "PodPriorityClass"
)
