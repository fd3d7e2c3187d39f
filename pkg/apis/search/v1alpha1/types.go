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

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
)

// Resource names of the search.karmada.io group, as they appear in URLs.
const (
	// ResourceKindResourceRegistry is the kind of a ResourceRegistry object.
	ResourceKindResourceRegistry = "ResourceRegistry"
	// ResourcePluralResourceRegistry is the plural resource name of
	// ResourceRegistry objects.
	ResourcePluralResourceRegistry = "resourceregistries"
	// ResourceSingularResourceRegistry is the singular resource name of
	// ResourceRegistry objects.
	ResourceSingularResourceRegistry = "resourceregistry"
	// ResourceNamespaceScopedResourceRegistry tells whether ResourceRegistry
	// objects live in a namespace; they do not.
	ResourceNamespaceScopedResourceRegistry = false
)

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope="Cluster"
// +kubebuilder:subresource:status

// ResourceRegistry defines a cache scope: the resource types (spec.
// resourceSelectors) that the search component collects from the member
// clusters chosen by spec.targetCluster, and optionally the backend store the
// cached objects are indexed into. ResourceRegistries are cluster-scoped.
type ResourceRegistry struct {
	metav1.TypeMeta `json:",inline"`
	// ObjectMeta is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes what to cache, from where, and where to store it.
	// +required
	Spec ResourceRegistrySpec `json:"spec"`

	// Status reports the observed state of the registry.
	// +optional
	Status ResourceRegistryStatus `json:"status,omitempty"`
}

// ResourceRegistrySpec is the desired cache scope of a ResourceRegistry.
type ResourceRegistrySpec struct {
	// TargetCluster chooses the member clusters whose resources are cached.
	// +required
	TargetCluster ClusterAffinity `json:"targetCluster"`

	// ResourceSelectors lists the resource types (and optionally the
	// namespace) to cache from the chosen clusters.
	// +required
	ResourceSelectors []ResourceSelector `json:"resourceSelectors"`

	// BackendStore, when set, names an external store the cached objects are
	// indexed into; when unset they are kept in the search component's
	// in-memory cache only.
	// +optional
	BackendStore *BackendStoreConfig `json:"backendStore,omitempty"`
}

// ClusterAffinity selects member clusters. A cluster is chosen when it
// satisfies every filter that is set; an empty ClusterAffinity chooses every
// cluster.
type ClusterAffinity struct {
	// LabelSelector keeps only the clusters whose Cluster object labels
	// match it, when it is set and non-empty.
	// +optional
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`

	// FieldSelector keeps only the clusters whose fields match it, when it
	// is set and non-empty.
	// +optional
	FieldSelector *FieldSelector `json:"fieldSelector,omitempty"`

	// ClusterNames, when non-empty, restricts the choice to the named
	// clusters.
	// +optional
	ClusterNames []string `json:"clusterNames,omitempty"`

	// ExcludeClusters lists clusters that are never chosen, whatever the
	// other filters say.
	// +optional
	ExcludeClusters []string `json:"exclude,omitempty"`
}

// FieldSelector filters clusters by fields of their Cluster spec.
type FieldSelector struct {
	// MatchExpressions are requirements that must all hold. Keys are limited
	// to "provider", "region" and "zone", and operators to In and NotIn.
	// +optional
	MatchExpressions []corev1.NodeSelectorRequirement `json:"matchExpressions,omitempty"`
}

// ResourceSelector names one resource type to cache, optionally limited to a
// namespace.
type ResourceSelector struct {
	// APIVersion is the group/version of the resource type, e.g. "apps/v1".
	// +required
	APIVersion string `json:"apiVersion"`

	// Kind is the kind of the resource type, e.g. "Deployment".
	// +required
	Kind string `json:"kind"`

	// Namespace limits caching to one namespace; empty means all
	// namespaces.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// BackendStoreConfig chooses the external store cached objects are indexed
// into. At most one backend is expected to be set.
type BackendStoreConfig struct {
	// OpenSearch stores the cached objects in an OpenSearch cluster
	// (https://opensearch.org/).
	// +optional
	OpenSearch *OpenSearchConfig `json:"openSearch,omitempty"`
}

// OpenSearchConfig tells the search component how to reach an OpenSearch
// cluster.
type OpenSearchConfig struct {
	// Addresses are the URLs of OpenSearch nodes, such as
	// "https://localhost:9200".
	// +required
	Addresses []string `json:"addresses"`

	// SecretRef points at the Secret with the credentials for OpenSearch,
	// read from its "userName" and "password" data keys.
	// +required
	SecretRef clusterv1alpha1.LocalSecretReference `json:"secretRef,omitempty"`
}

// ResourceRegistryStatus is the observed state of a ResourceRegistry.
type ResourceRegistryStatus struct {
	// Conditions report the latest observations of the registry.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true

// ResourceRegistryList is a list of ResourceRegistry objects.
type ResourceRegistryList struct {
	metav1.TypeMeta `json:",inline"`
	// ListMeta is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the registries in the list.
	Items []ResourceRegistry `json:"items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ProxyOptions carries the path of a request to the proxying connect
// resource: the Kubernetes API path to answer across the members, e.g.
// "/api/v1/namespaces/default/pods".
type ProxyOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Path is the Kubernetes API path below proxying/karmada/proxy.
	// +optional
	Path string `json:"path,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SearchOptions carries the path of a request to the search connect resource:
// the Kubernetes API path to answer from the search cache.
type SearchOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Path is the Kubernetes API path below search/cache.
	// +optional
	Path string `json:"path,omitempty"`
}
