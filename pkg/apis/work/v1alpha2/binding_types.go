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

package v1alpha2

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
)

// Resource names (plural, lower case) and kind names of the bindings.
const (
	// ResourceKindResourceBinding is the kind of a namespaced binding.
	ResourceKindResourceBinding = "ResourceBinding"
	// ResourcePluralResourceBinding is the REST resource name of ResourceBinding.
	ResourcePluralResourceBinding = "resourcebindings"
	// ResourceKindClusterResourceBinding is the kind of a cluster-scoped binding.
	ResourceKindClusterResourceBinding = "ClusterResourceBinding"
	// ResourcePluralClusterResourceBinding is the REST resource name of ClusterResourceBinding.
	ResourcePluralClusterResourceBinding = "clusterresourcebindings"
)

// +genclient
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=rb,categories=karmada-io
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="SCHEDULED",type=string,JSONPath=`.status.conditions[?(@.type=="Scheduled")].status`
// +kubebuilder:printcolumn:name="FULLYAPPLIED",type=string,JSONPath=`.status.conditions[?(@.type=="FullyApplied")].status`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`

// ResourceBinding binds a namespaced resource template to the propagation
// policy that claimed it, and records where it is scheduled and how it is
// doing there.
type ResourceBinding struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the binding.
	// +required
	Spec ResourceBindingSpec `json:"spec"`

	// Status is the observed state of the bound resource.
	// +optional
	Status ResourceBindingStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ResourceBindingList is a list of ResourceBinding objects.
type ResourceBindingList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the bindings in the list.
	Items []ResourceBinding `json:"items"`
}

// +genclient
// +genclient:nonNamespaced
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=crb,categories=karmada-io
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="SCHEDULED",type=string,JSONPath=`.status.conditions[?(@.type=="Scheduled")].status`
// +kubebuilder:printcolumn:name="FULLYAPPLIED",type=string,JSONPath=`.status.conditions[?(@.type=="FullyApplied")].status`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`

// ClusterResourceBinding is the cluster-scoped form of ResourceBinding, used
// for cluster-scoped resource templates.
type ClusterResourceBinding struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the binding.
	// +required
	Spec ResourceBindingSpec `json:"spec"`

	// Status is the observed state of the bound resource.
	// +optional
	Status ResourceBindingStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ClusterResourceBindingList is a list of ClusterResourceBinding objects.
type ClusterResourceBindingList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the bindings in the list.
	Items []ClusterResourceBinding `json:"items"`
}

// ResourceBindingSpec is the desired state shared by ResourceBinding and
// ClusterResourceBinding.
type ResourceBindingSpec struct {
	// Resource is the resource template being propagated.
	// +required
	Resource ObjectReference `json:"resource"`

	// PropagateDeps, copied from the policy, makes the resources the
	// template depends on follow it. Defaults to false.
	// +optional
	PropagateDeps bool `json:"propagateDeps,omitempty"`

	// ReplicaRequirements are the resources and node constraints of one
	// replica of the template.
	// +optional
	ReplicaRequirements *ReplicaRequirements `json:"replicaRequirements,omitempty"`

	// Replicas is the replica count of the template.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// Components describes each pod template of a workload made of several
	// (distributed training jobs, Flink deployments, ...), with its replica
	// count and requirements. Used with the MultiplePodTemplatesScheduling
	// feature gate.
	// +optional
	Components []Component `json:"components,omitempty"`

	// Clusters are the member clusters chosen by the scheduler, with the
	// replicas assigned to each.
	// +optional
	Clusters []TargetCluster `json:"clusters,omitempty"`

	// Placement is the placement copied from the policy.
	// +optional
	Placement *policyv1alpha1.Placement `json:"placement,omitempty"`

	// GracefulEvictionTasks are evictions from clusters that wait for the
	// workload to be healthy elsewhere before removing it. A controller
	// that evicts the resource from a cluster (the taint manager, for
	// instance) removes or scales down that cluster in Clusters and adds a
	// task here; the graceful eviction controller then deletes the
	// workload from the old cluster once it is healthy in its new clusters,
	// or once the grace period ends, and drops the task.
	// +optional
	GracefulEvictionTasks []GracefulEvictionTask `json:"gracefulEvictionTasks,omitempty"`

	// RequiredBy lists the bindings that depend on this resource, with
	// their scheduling results, so dependencies follow their dependants.
	// +optional
	RequiredBy []BindingSnapshot `json:"requiredBy,omitempty"`

	// SchedulerName is the scheduler in charge, copied from the policy.
	// +optional
	SchedulerName string `json:"schedulerName,omitempty"`

	// Failover is the failover behaviour copied from the policy.
	// +optional
	Failover *policyv1alpha1.FailoverBehavior `json:"failover,omitempty"`

	// ConflictResolution, copied from the policy, says what to do when the
	// resource already exists in a member cluster: "Abort" (the default) or
	// "Overwrite".
	// +optional
	// +kubebuilder:default=Abort
	// +kubebuilder:validation:Enum=Abort;Overwrite
	ConflictResolution policyv1alpha1.ConflictResolution `json:"conflictResolution,omitempty"`

	// RescheduleTriggeredAt asks for a full rescheduling that ignores the
	// previous result. The scheduler acts on it when it is later than
	// status.lastScheduledTime.
	// +optional
	RescheduleTriggeredAt *metav1.Time `json:"rescheduleTriggeredAt,omitempty"`

	// Suspension pauses scheduling or dispatching of the binding.
	// +optional
	Suspension *Suspension `json:"suspension,omitempty"`

	// PreserveResourcesOnDeletion keeps the propagated resources in the
	// member clusters when the binding is deleted. It applies to every Work
	// of the binding.
	// +optional
	PreserveResourcesOnDeletion *bool `json:"preserveResourcesOnDeletion,omitempty"`

	// SchedulePriority is the scheduling priority resolved for the workload.
	// +optional
	SchedulePriority *SchedulePriority `json:"schedulePriority,omitempty"`

	// WorkloadAffinityGroups are the affinity and anti-affinity groups the
	// workload belongs to, derived from the policy's workload affinity.
	// +optional
	WorkloadAffinityGroups *WorkloadAffinityGroups `json:"workloadAffinityGroups,omitempty"`
}

// ObjectReference points to the resource template of a binding.
type ObjectReference struct {
	// APIVersion is the group/version of the resource.
	// +required
	APIVersion string `json:"apiVersion"`

	// Kind is the kind of the resource.
	// +required
	Kind string `json:"kind"`

	// Namespace is the namespace of the resource; empty for cluster-scoped
	// resources.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name is the name of the resource.
	// +required
	Name string `json:"name"`

	// UID is the UID of the resource.
	// +optional
	UID types.UID `json:"uid,omitempty"`

	// ResourceVersion is the resource version of the resource when it was
	// last seen, to notice changes.
	// +optional
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// ReplicaRequirements are the needs of one replica of a workload.
type ReplicaRequirements struct {
	// NodeClaim holds the node affinity, node selector and tolerations of a
	// replica.
	// +optional
	NodeClaim *NodeClaim `json:"nodeClaim,omitempty"`

	// ResourceRequest is the resources a replica requests.
	// +optional
	ResourceRequest corev1.ResourceList `json:"resourceRequest,omitempty"`

	// Namespace is the namespace the replicas run in.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// PriorityClassName is the priority class of the replicas.
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// ComponentReplicaRequirements are the needs of one replica of a component.
type ComponentReplicaRequirements struct {
	// NodeClaim holds the node affinity, node selector and tolerations of a
	// replica.
	// +optional
	NodeClaim *NodeClaim `json:"nodeClaim,omitempty"`

	// ResourceRequest is the resources a replica requests.
	// +optional
	ResourceRequest corev1.ResourceList `json:"resourceRequest,omitempty"`

	// PriorityClassName is the priority class of the replicas.
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// NodeClaim holds the node constraints of a replica that limit where it can
// run.
type NodeClaim struct {
	// HardNodeAffinity is the required node affinity of the pod template
	// (requiredDuringSchedulingIgnoredDuringExecution only, since only hard
	// rules restrict scheduling).
	// +optional
	HardNodeAffinity *corev1.NodeSelector `json:"hardNodeAffinity,omitempty"`

	// NodeSelector is the node selector of the pod template.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// Tolerations are the tolerations of the pod template.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
}

// Component is one pod template of a multi-template workload.
type Component struct {
	// Name identifies the component; it is unique within the resource and
	// needed when the resource has several components.
	// +required
	// +kubebuilder:validation:MaxLength=32
	Name string `json:"name"`

	// Replicas is the replica count of the component.
	// +required
	Replicas int32 `json:"replicas"`

	// ReplicaRequirements are the needs of one replica of the component.
	// +optional
	ReplicaRequirements *ComponentReplicaRequirements `json:"replicaRequirements,omitempty"`
}

// TargetCluster is a member cluster chosen by the scheduler.
type TargetCluster struct {
	// Name is the member cluster's name.
	// +required
	Name string `json:"name"`

	// Replicas is the number of replicas assigned to the cluster.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// Components is the per-component assignment in the cluster, for
	// multi-template workloads (MultiplePodTemplatesScheduling feature
	// gate). Names match spec.components[*].name.
	// +optional
	Components []TargetComponent `json:"components,omitempty"`
}

// TargetComponent is the replica count of one component in one cluster.
type TargetComponent struct {
	// Name of the component, as in spec.components[*].name.
	// +required
	Name string `json:"name"`

	// Replicas of the component assigned to the cluster.
	// +required
	Replicas int32 `json:"replicas"`
}

// GracefulEvictionTask is a pending graceful eviction from one cluster.
type GracefulEvictionTask struct {
	// FromCluster is the cluster the resource is evicted from.
	// +required
	FromCluster string `json:"fromCluster"`

	// PurgeMode says how the evicted resource is removed: "Directly",
	// "Gracefully" or "Never".
	// +optional
	// +kubebuilder:validation:Enum=Directly;Gracefully;Never
	PurgeMode policyv1alpha1.PurgeMode `json:"purgeMode,omitempty"`

	// Replicas is the number of replicas evicted; ignored for resources
	// without replicas.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Reason is a CamelCase, machine-readable reason for the eviction.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`
	Reason string `json:"reason"`

	// Message gives human-readable details; it may be empty.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`

	// Producer is the controller that started the eviction.
	// +required
	Producer string `json:"producer"`

	// GracePeriodSeconds is the longest time to wait before removing the
	// resource from the cluster. It cannot be combined with
	// SuppressDeletion.
	// +optional
	GracePeriodSeconds *int32 `json:"gracePeriodSeconds,omitempty"`

	// SuppressDeletion keeps the resource in the cluster until a person or
	// a tool ends the task. It cannot be combined with GracePeriodSeconds.
	// +optional
	SuppressDeletion *bool `json:"suppressDeletion,omitempty"`

	// PreservedLabelState is the application state taken from the old
	// cluster, injected as labels into the new one.
	// +optional
	PreservedLabelState map[string]string `json:"preservedLabelState,omitempty"`

	// ClustersBeforeFailover are the clusters the resource ran in before
	// the failover.
	// +optional
	ClustersBeforeFailover []string `json:"clustersBeforeFailover,omitempty"`

	// CreationTimestamp is when the task was created, set by the system in
	// UTC. Clients should not set it.
	// +optional
	CreationTimestamp *metav1.Time `json:"creationTimestamp,omitempty"`
}

// BindingSnapshot is the scheduling result of another binding.
type BindingSnapshot struct {
	// Namespace of the binding; empty for a ClusterResourceBinding.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name of the binding.
	// +required
	Name string `json:"name"`

	// Clusters is the binding's scheduling result.
	// +optional
	Clusters []TargetCluster `json:"clusters,omitempty"`
}

// Suspension lists the parts of a binding's propagation to pause.
type Suspension struct {
	// Suspension carries the dispatching switches shared with policies.
	policyv1alpha1.Suspension `json:",inline"`

	// Scheduling, when true, makes the scheduler leave the binding alone
	// until it is set back to false or nil. Meant for external systems that
	// queue or prioritise workloads.
	// +optional
	Scheduling *bool `json:"scheduling,omitempty"`
}

// SchedulePriority is the resolved scheduling priority of a binding.
type SchedulePriority struct {
	// Priority is the priority; higher values are scheduled first.
	// Defaults to 0.
	// +optional
	// +kubebuilder:default=0
	Priority int32 `json:"priority,omitempty"`
}

// WorkloadAffinityGroups are the groups a workload belongs to.
type WorkloadAffinityGroups struct {
	// AffinityGroup is the affinity group name derived from the affinity
	// rule.
	// +optional
	AffinityGroup string `json:"affinityGroup,omitempty"`

	// AntiAffinityGroup is the anti-affinity group name derived from the
	// anti-affinity rule.
	// +optional
	AntiAffinityGroup string `json:"antiAffinityGroup,omitempty"`
}

// ResourceBindingStatus is the observed state of a binding.
type ResourceBindingStatus struct {
	// SchedulerObservedGeneration is the metadata.generation the scheduler
	// last acted on; when lower than the current generation the scheduling
	// result is not up to date.
	// +optional
	SchedulerObservedGeneration int64 `json:"schedulerObservedGeneration,omitempty"`

	// SchedulerObservedAffinityName is the name of the cluster affinity term
	// the current scheduling result is based on.
	// +optional
	SchedulerObservedAffinityName string `json:"schedulerObservingAffinityName,omitempty"`

	// LastScheduledTime is when the scheduler last scheduled the binding
	// successfully, in UTC.
	// +optional
	LastScheduledTime *metav1.Time `json:"lastScheduledTime,omitempty"`

	// Conditions describe the binding, e.g. Scheduled and FullyApplied.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// AggregatedStatus is the state of the resource in each member cluster.
	// +optional
	AggregatedStatus []AggregatedStatusItem `json:"aggregatedStatus,omitempty"`
}

// AggregatedStatusItem is the state of the resource in one member cluster.
type AggregatedStatusItem struct {
	// ClusterName is the member cluster.
	// +required
	ClusterName string `json:"clusterName"`

	// Status is the resource's status as read from the member cluster.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	Status *runtime.RawExtension `json:"status,omitempty"`

	// Applied tells whether the resource was applied to the cluster.
	// +optional
	Applied bool `json:"applied,omitempty"`

	// AppliedMessage explains the applied state, usually the error when
	// applying failed.
	// +optional
	AppliedMessage string `json:"appliedMessage,omitempty"`

	// Health is the resource's health in the cluster.
	// +optional
	// +kubebuilder:validation:Enum=Healthy;Unhealthy;Unknown
	Health workv1alpha1.ResourceHealth `json:"health,omitempty"`
}

// Condition types of a binding.
const (
	// Scheduled means the scheduler has chosen clusters for the binding.
	Scheduled = "Scheduled"
	// FullyApplied means the resource was applied to every chosen cluster.
	FullyApplied = "FullyApplied"
)

// Reasons of the Scheduled condition.
const (
	// BindingReasonSuccess means scheduling succeeded.
	BindingReasonSuccess = "Success"
	// BindingReasonSchedulerError means the scheduler hit an internal error.
	BindingReasonSchedulerError = "SchedulerError"
	// BindingReasonNoClusterFit means no cluster fits the placement.
	BindingReasonNoClusterFit = "NoClusterFit"
	// BindingReasonUnschedulable means the binding cannot be scheduled.
	BindingReasonUnschedulable = "Unschedulable"
)
