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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Placement decides which member clusters receive the selected resources and
// how their replicas are spread.
// +kubebuilder:validation:XValidation:rule="!(has(self.clusterAffinity) && has(self.clusterAffinities))",message="clusterAffinity and clusterAffinities are mutually exclusive"
type Placement struct {
	// ClusterAffinity restricts scheduling to one set of clusters. It cannot
	// be combined with ClusterAffinities. When neither is set every cluster
	// is a candidate.
	// +optional
	ClusterAffinity *ClusterAffinity `json:"clusterAffinity,omitempty"`

	// ClusterAffinities lists alternative sets of clusters, tried in order:
	// the scheduler uses the first set that can satisfy the placement and
	// falls back to the next one otherwise (a cluster may belong to several
	// sets). Term names must be unique. It cannot be combined with
	// ClusterAffinity.
	// +optional
	// +listType=map
	// +listMapKey=affinityName
	ClusterAffinities []ClusterAffinityTerm `json:"clusterAffinities,omitempty"`

	// ClusterTolerations lets the resources be scheduled onto, or stay on,
	// clusters carrying matching taints.
	// +optional
	ClusterTolerations []corev1.Toleration `json:"clusterTolerations,omitempty"`

	// SpreadConstraints spread the resources over groups of clusters (by
	// cluster, region, zone, provider or a cluster label). When any
	// constraint spreads by field, one of them must spread by "cluster".
	// At most 16 constraints are allowed, which bounds the cost of checking
	// them.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:XValidation:rule="!self.exists(c, has(c.spreadByField)) || self.exists(c, has(c.spreadByField) && c.spreadByField == 'cluster')",message="a spread constraint with spreadByField 'cluster' is required when any constraint uses spreadByField"
	SpreadConstraints []SpreadConstraint `json:"spreadConstraints,omitempty"`

	// ReplicaScheduling decides how the replicas of workloads that have them
	// (Deployments, StatefulSets, ...) are assigned to the chosen clusters.
	// +optional
	ReplicaScheduling *ReplicaSchedulingStrategy `json:"replicaScheduling,omitempty"`

	// WorkloadAffinity places workloads relative to each other: together
	// with workloads of the same affinity group, or away from workloads of
	// the same anti-affinity group.
	// +optional
	WorkloadAffinity *WorkloadAffinity `json:"workloadAffinity,omitempty"`
}

// ClusterAffinity selects member clusters by name, labels or fields. All the
// filters that are set must match, and excluded clusters never match.
type ClusterAffinity struct {
	// LabelSelector keeps only clusters whose labels match. Nil or empty
	// matches every cluster.
	// +optional
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`

	// FieldSelector keeps only clusters whose provider, region or zone match.
	// Nil or empty matches every cluster.
	// +optional
	FieldSelector *FieldSelector `json:"fieldSelector,omitempty"`

	// ClusterNames keeps only the listed clusters.
	// +optional
	ClusterNames []string `json:"clusterNames,omitempty"`

	// ExcludeClusters lists clusters that never match.
	// +optional
	ExcludeClusters []string `json:"exclude,omitempty"`
}

// ClusterAffinityTerm is a named set of clusters, one of the alternatives of
// Placement.ClusterAffinities.
type ClusterAffinityTerm struct {
	// AffinityName names this set of clusters.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	AffinityName string `json:"affinityName"`

	// ClusterAffinity is the primary, preferred set of clusters of the term.
	ClusterAffinity `json:",inline"`

	// OverflowAffinities are extra sets of clusters the scheduler may add, in
	// order, when the primary set lacks resources, and releases in reverse
	// order when scaling down.
	// +optional
	OverflowAffinities []OverflowClusterAffinity `json:"overflowAffinities,omitempty"`
}

// OverflowClusterAffinity is a named set of clusters used when the primary
// set of a ClusterAffinityTerm is full.
type OverflowClusterAffinity struct {
	// AffinityName names this set of clusters.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	AffinityName string `json:"affinityName"`

	// ClusterAffinity selects the clusters of this set.
	ClusterAffinity `json:",inline"`
}

// FieldSelector selects member clusters by their fields.
type FieldSelector struct {
	// MatchExpressions must all match. Keys are "provider", "region" or
	// "zone" and operators are "In" or "NotIn".
	// +optional
	MatchExpressions []corev1.NodeSelectorRequirement `json:"matchExpressions,omitempty"`
}

// Keys usable in a FieldSelector.
const (
	// ProviderField selects clusters by their cloud provider.
	ProviderField = "provider"
	// RegionField selects clusters by their region.
	RegionField = "region"
	// ZoneField selects clusters by their zone.
	ZoneField = "zone"
)

// SpreadFieldValue is a cluster field clusters can be grouped by.
type SpreadFieldValue string

const (
	// SpreadByFieldCluster makes every cluster a group of its own.
	SpreadByFieldCluster SpreadFieldValue = "cluster"
	// SpreadByFieldRegion groups clusters by region.
	SpreadByFieldRegion SpreadFieldValue = "region"
	// SpreadByFieldZone groups clusters by zone.
	SpreadByFieldZone SpreadFieldValue = "zone"
	// SpreadByFieldProvider groups clusters by provider.
	SpreadByFieldProvider SpreadFieldValue = "provider"
)

// SpreadConstraint spreads resources over groups of clusters, the groups being
// formed either by a cluster field or by a cluster label.
// +kubebuilder:validation:XValidation:rule="!(has(self.spreadByField) && has(self.spreadByLabel))",message="spreadByField and spreadByLabel are mutually exclusive"
// +kubebuilder:validation:XValidation:rule="!has(self.maxGroups) || self.maxGroups <= 0 || !has(self.minGroups) || self.maxGroups >= self.minGroups",message="maxGroups must not be lower than minGroups"
type SpreadConstraint struct {
	// SpreadByField groups clusters by a field of the Cluster API: cluster,
	// region, zone or provider. It cannot be combined with SpreadByLabel;
	// when both are empty the constraint spreads by "cluster".
	// +optional
	// +kubebuilder:validation:Enum=cluster;region;zone;provider
	SpreadByField SpreadFieldValue `json:"spreadByField,omitempty"`

	// SpreadByLabel groups clusters by the value of this cluster label. It
	// cannot be combined with SpreadByField.
	// +optional
	SpreadByLabel string `json:"spreadByLabel,omitempty"`

	// MaxGroups is the largest number of groups to choose.
	// +optional
	MaxGroups int `json:"maxGroups,omitempty"`

	// MinGroups is the smallest number of groups to choose. Defaults to 1.
	// +optional
	MinGroups int `json:"minGroups,omitempty"`
}

// ReplicaSchedulingType says whether every cluster runs all replicas or the
// replicas are shared out among clusters.
type ReplicaSchedulingType string

const (
	// ReplicaSchedulingTypeDuplicated runs the full replica count in every
	// chosen cluster.
	ReplicaSchedulingTypeDuplicated ReplicaSchedulingType = "Duplicated"
	// ReplicaSchedulingTypeDivided shares the replica count out among the
	// chosen clusters.
	ReplicaSchedulingTypeDivided ReplicaSchedulingType = "Divided"
)

// ReplicaDivisionPreference says how replicas are shared out when they are
// divided.
type ReplicaDivisionPreference string

const (
	// ReplicaDivisionPreferenceAggregated packs the replicas into as few
	// clusters as their free resources allow.
	ReplicaDivisionPreferenceAggregated ReplicaDivisionPreference = "Aggregated"
	// ReplicaDivisionPreferenceWeighted shares the replicas out in proportion
	// to cluster weights.
	ReplicaDivisionPreferenceWeighted ReplicaDivisionPreference = "Weighted"
)

// ReplicaSchedulingStrategy decides how the replicas of a workload are assigned
// to clusters.
// +kubebuilder:validation:XValidation:rule="!(has(self.weightPreference) && has(self.weightPreference.staticWeightList) && size(self.weightPreference.staticWeightList) > 0 && has(self.weightPreference.dynamicWeight) && (!has(self.replicaSchedulingType) || self.replicaSchedulingType == 'Divided') && (!has(self.replicaDivisionPreference) || self.replicaDivisionPreference == 'Weighted'))",message="staticWeightList and dynamicWeight can not be used together"
type ReplicaSchedulingStrategy struct {
	// ReplicaSchedulingType is "Duplicated" (every cluster runs all
	// replicas) or "Divided" (the replicas are shared out as
	// ReplicaDivisionPreference says). Defaults to "Divided".
	// +optional
	// +kubebuilder:default=Divided
	// +kubebuilder:validation:Enum=Duplicated;Divided
	ReplicaSchedulingType ReplicaSchedulingType `json:"replicaSchedulingType,omitempty"`

	// ReplicaDivisionPreference applies when replicas are divided:
	// "Aggregated" packs them into as few clusters as resources allow,
	// "Weighted" shares them out by WeightPreference.
	// +optional
	// +kubebuilder:validation:Enum=Aggregated;Weighted
	ReplicaDivisionPreference ReplicaDivisionPreference `json:"replicaDivisionPreference,omitempty"`

	// WeightPreference gives the cluster weights used by "Weighted"
	// division. When it is unset every cluster weighs the same.
	// +optional
	WeightPreference *ClusterPreferences `json:"weightPreference,omitempty"`
}

// ClusterPreferences holds the weights of clusters or groups of clusters.
type ClusterPreferences struct {
	// StaticWeightList gives fixed weights to sets of clusters.
	// +optional
	StaticWeightList []StaticClusterWeight `json:"staticWeightList,omitempty"`

	// DynamicWeight computes weights from a cluster metric instead; when it
	// is set StaticWeightList is not used.
	// +optional
	// +kubebuilder:validation:Enum=AvailableReplicas
	DynamicWeight DynamicWeightFactor `json:"dynamicWeight,omitempty"`
}

// StaticClusterWeight gives a fixed weight to a set of clusters.
type StaticClusterWeight struct {
	// TargetCluster selects the clusters that get the weight.
	// +required
	TargetCluster ClusterAffinity `json:"targetCluster"`

	// Weight is the relative share of replicas for the selected clusters.
	// +required
	// +kubebuilder:validation:Minimum=1
	Weight int64 `json:"weight"`
}

// DynamicWeightFactor is a metric cluster weights can be derived from.
type DynamicWeightFactor string

const (
	// DynamicWeightByAvailableReplicas weighs each cluster by how many more
	// replicas of the workload it can run.
	DynamicWeightByAvailableReplicas DynamicWeightFactor = "AvailableReplicas"
)

// WorkloadAffinity places workloads relative to other workloads.
type WorkloadAffinity struct {
	// Affinity schedules a workload only onto clusters already running
	// workloads of its affinity group. The first workload of a group is
	// scheduled freely. This is a hard requirement.
	// +optional
	Affinity *WorkloadAffinityTerm `json:"affinity,omitempty"`

	// AntiAffinity keeps a workload off clusters already running workloads
	// of its anti-affinity group. This is a hard requirement.
	// +optional
	AntiAffinity *WorkloadAntiAffinityTerm `json:"antiAffinity,omitempty"`
}

// WorkloadAffinityTerm defines affinity groups of workloads.
type WorkloadAffinityTerm struct {
	// GroupByLabelKey is a label key on the resource templates: templates in
	// the same namespace with the same value for it form one affinity group.
	// It must be a valid label key.
	// +required
	GroupByLabelKey string `json:"groupByLabelKey"`
}

// WorkloadAntiAffinityTerm defines anti-affinity groups of workloads.
type WorkloadAntiAffinityTerm struct {
	// GroupByLabelKey is a label key on the resource templates: templates in
	// the same namespace with the same value for it form one anti-affinity
	// group, whose members are kept apart. It must be a valid label key.
	// +required
	GroupByLabelKey string `json:"groupByLabelKey"`
}
