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

// Resource names (plural, lower case) and kind name of FederatedResourceQuota.
const (
	// ResourceKindFederatedResourceQuota is the kind of a federated quota.
	ResourceKindFederatedResourceQuota = "FederatedResourceQuota"
	// ResourcePluralFederatedResourceQuota is the REST resource name of FederatedResourceQuota.
	ResourcePluralFederatedResourceQuota = "federatedresourcequotas"
)

// +genclient
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories=karmada-io
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="OVERALL",type=string,JSONPath=`.status.overall`
// +kubebuilder:printcolumn:name="OVERALL_USED",type=string,JSONPath=`.status.overallUsed`

// FederatedResourceQuota limits the total resources a namespace may use
// across all member clusters together.
type FederatedResourceQuota struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired quota.
	// +required
	Spec FederatedResourceQuotaSpec `json:"spec"`

	// Status is the quota as enforced and its current usage.
	// +optional
	Status FederatedResourceQuotaStatus `json:"status,omitempty"`
}

// FederatedResourceQuotaSpec is the desired quota of a namespace.
type FederatedResourceQuotaSpec struct {
	// Overall is the hard limit of each named resource over all clusters.
	// +required
	Overall corev1.ResourceList `json:"overall"`

	// StaticAssignments sets a ResourceQuota per member cluster: a
	// ResourceQuota is created in each listed cluster and none in the
	// others. The scheduler does not use these assignments.
	// +optional
	StaticAssignments []StaticClusterAssignment `json:"staticAssignments,omitempty"`
}

// StaticClusterAssignment is the hard limit of one member cluster.
type StaticClusterAssignment struct {
	// ClusterName is the member cluster the limits apply to.
	// +required
	ClusterName string `json:"clusterName"`

	// Hard is the hard limit of each named resource in that cluster.
	// +required
	Hard corev1.ResourceList `json:"hard"`
}

// FederatedResourceQuotaStatus is the enforced quota and observed usage.
type FederatedResourceQuotaStatus struct {
	// Overall is the hard limit of each named resource being enforced.
	// +optional
	Overall corev1.ResourceList `json:"overall,omitempty"`

	// OverallUsed is the observed usage of each named resource over all
	// clusters.
	// +optional
	OverallUsed corev1.ResourceList `json:"overallUsed,omitempty"`

	// AggregatedStatus is the limit and usage observed in each cluster.
	// +optional
	AggregatedStatus []ClusterQuotaStatus `json:"aggregatedStatus,omitempty"`
}

// ClusterQuotaStatus is the limit and usage observed in one member cluster.
type ClusterQuotaStatus struct {
	// ClusterName is the member cluster.
	// +required
	ClusterName string `json:"clusterName"`

	// Hard is the hard limit of each named resource enforced in the cluster.
	// +optional
	Hard corev1.ResourceList `json:"hard,omitempty"`

	// Used is the observed usage of each named resource in the namespace in
	// the cluster.
	// +optional
	Used corev1.ResourceList `json:"used,omitempty"`
}

// +kubebuilder:object:root=true

// FederatedResourceQuotaList is a list of FederatedResourceQuota objects.
type FederatedResourceQuotaList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the quotas in the list.
	Items []FederatedResourceQuota `json:"items"`
}
