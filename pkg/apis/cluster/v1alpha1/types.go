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
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Resource names of the cluster.karmada.io group, as they appear in URLs.
const (
	// ResourceKindCluster is the kind of a member cluster object.
	ResourceKindCluster = "Cluster"
	// ResourcePluralCluster is the plural resource name of Cluster objects.
	ResourcePluralCluster = "clusters"
	// ResourceSingularCluster is the singular resource name of Cluster objects.
	ResourceSingularCluster = "cluster"
	// ResourceNamespaceScopedCluster tells whether Cluster objects live in a
	// namespace; they do not.
	ResourceNamespaceScopedCluster = false
)

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope="Cluster"
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:JSONPath=`.status.kubernetesVersion`,name="VERSION",type=string
// +kubebuilder:printcolumn:JSONPath=`.spec.syncMode`,name="MODE",type=string
// +kubebuilder:printcolumn:JSONPath=`.status.conditions[?(@.type=="Ready")].status`,name="READY",type=string
// +kubebuilder:printcolumn:JSONPath=`.metadata.creationTimestamp`,name="AGE",type=date

// Cluster is the control plane's record of one member cluster: the
// connection details it needs to reach the cluster (spec) and the facts the
// cluster status controller last collected from it (status). Clusters are
// cluster-scoped; the object name is the member cluster's name in placements.
type Cluster struct {
	metav1.TypeMeta `json:",inline"`
	// ObjectMeta is the standard object metadata; metadata.name is the
	// member cluster's name.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the desired connection and scheduling attributes of the
	// member cluster.
	// +required
	Spec ClusterSpec `json:"spec"`

	// Status holds the most recently observed state of the member cluster.
	// +optional
	Status ClusterStatus `json:"status,omitempty"`
}

// ClusterSyncMode selects which side drives resource synchronisation between
// the control plane and a member cluster.
type ClusterSyncMode string

const (
	// Push means the control plane connects to the member cluster's API
	// server and writes resources into it directly.
	Push ClusterSyncMode = "Push"
	// Pull means an agent running inside the member cluster watches the
	// control plane and applies resources locally.
	Pull ClusterSyncMode = "Pull"

	// SyncModePush is an alias of Push with a more descriptive name.
	SyncModePush = Push
	// SyncModePull is an alias of Pull with a more descriptive name.
	SyncModePull = Pull
)

// ClusterSpec is the desired, user- or agent-provided description of a member
// cluster.
type ClusterSpec struct {
	// ID uniquely identifies the member cluster across the fleet. It is not
	// the object's metadata.uid: registration fills it in from the member
	// cluster, using the ClusterProperty named "cluster.clusterset.k8s.io"
	// when one exists and the uid of the member's kube-system namespace
	// otherwise. It may be used to name multi-cluster service DNS records,
	// so it should not be changed by hand.
	// +optional
	ID string `json:"id,omitempty"`

	// SyncMode states whether the control plane pushes resources to the
	// cluster (Push) or an in-cluster agent pulls them (Pull).
	// +kubebuilder:validation:Enum=Push;Pull
	// +required
	SyncMode ClusterSyncMode `json:"syncMode"`

	// APIEndpoint is the address of the member cluster's API server, given
	// as a hostname or IP with an optional port, or as a URL.
	// +optional
	APIEndpoint string `json:"apiEndpoint,omitempty"`

	// SecretRef points at the Secret with the credentials the control plane
	// uses to talk to the member cluster; it is expected to carry the keys
	// "token" and "caBundle" in its data.
	// +optional
	SecretRef *LocalSecretReference `json:"secretRef,omitempty"`

	// ImpersonatorSecretRef points at the Secret holding the token of the
	// account used to impersonate end users when requests are proxied to the
	// member cluster; the token is read from the "token" data key.
	// +optional
	ImpersonatorSecretRef *LocalSecretReference `json:"impersonatorSecretRef,omitempty"`

	// InsecureSkipTLSVerification disables verification of the member API
	// server's serving certificate. Connections become vulnerable to
	// interception, so use it only for testing. It defaults to false.
	// +optional
	InsecureSkipTLSVerification bool `json:"insecureSkipTLSVerification,omitempty"`

	// ProxyURL, when set, is the HTTP(S) or SOCKS5 proxy through which the
	// control plane reaches the member cluster.
	// +optional
	ProxyURL string `json:"proxyURL,omitempty"`

	// ProxyHeader lists extra HTTP headers sent to the proxy named by
	// ProxyURL. Several values of one header are joined by commas, as in
	// "k1": "v1,v2,v3".
	// +optional
	ProxyHeader map[string]string `json:"proxyHeader,omitempty"`

	// Provider names the cloud provider the member cluster runs on.
	// +optional
	Provider string `json:"provider,omitempty"`

	// Region names the region where the member cluster runs.
	// +optional
	Region string `json:"region,omitempty"`

	// Zone names the zone where the member cluster runs.
	//
	// Deprecated: never used for scheduling and kept only so that older
	// manifests still decode; set Zones instead.
	// +optional
	Zone string `json:"zone,omitempty"`

	// Zones lists the failure (availability) zones the member cluster
	// spans; a list is used because one cluster may stretch over several
	// zones.
	// +optional
	Zones []string `json:"zones,omitempty"`

	// Taints repel workloads from the member cluster unless a placement
	// tolerates them, in the same way node taints repel pods.
	// +optional
	Taints []corev1.Taint `json:"taints,omitempty"`

	// ResourceModels customises the grades used to bucket the member's nodes
	// by allocatable resources when status.resourceSummary.allocatableModelings
	// is computed. Range names must be cpu, memory, storage or
	// ephemeral-storage. When empty a default model with grades 0 to 8 is
	// used, where each grade roughly doubles the CPU and memory of the
	// previous one and the last grade is unbounded above.
	// +optional
	ResourceModels []ResourceModel `json:"resourceModels,omitempty"`
}

// ResourceModel is one grade of the resource model: a set of per-resource
// ranges a node must fall into to be counted in this grade.
type ResourceModel struct {
	// Grade is the position of this model in the ordered list of grades,
	// starting at 0.
	// +kubebuilder:validation:Minimum=0
	// +required
	Grade int32 `json:"grade"`

	// Ranges gives, for each resource, the interval that defines the grade.
	// +required
	Ranges []ResourceModelRange `json:"ranges"`
}

// ResourceModelRange is a half-open interval [Min, Max) of one resource. For
// the highest grade the upper bound is treated as infinite whatever its value,
// and Min of the lowest grade is treated as zero. Max must exceed Min, and
// the ranges of consecutive grades should be contiguous.
type ResourceModelRange struct {
	// Name is the resource the interval applies to, such as cpu or memory.
	// +required
	Name corev1.ResourceName `json:"name"`

	// Min is the inclusive lower bound of the interval.
	// +required
	Min resource.Quantity `json:"min"`

	// Max is the exclusive upper bound of the interval.
	// +required
	Max resource.Quantity `json:"max"`
}

// LocalSecretReference identifies a Secret by namespace and name.
type LocalSecretReference struct {
	// Namespace is the namespace of the referenced Secret.
	// +required
	Namespace string `json:"namespace"`

	// Name is the name of the referenced Secret.
	// +required
	Name string `json:"name"`
}

// ClusterStatus is what the control plane last observed about a member
// cluster; it is refreshed periodically.
type ClusterStatus struct {
	// KubernetesVersion is the version reported by the member API server.
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`

	// APIEnablements lists the group versions and resources the member
	// cluster serves.
	// +optional
	APIEnablements []APIEnablement `json:"apiEnablements,omitempty"`

	// Conditions reports the latest observations of the cluster, such as
	// whether it is Ready.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// NodeSummary counts the member cluster's nodes.
	// +optional
	NodeSummary *NodeSummary `json:"nodeSummary,omitempty"`

	// ResourceSummary aggregates the member cluster's compute resources.
	// +optional
	ResourceSummary *ResourceSummary `json:"resourceSummary,omitempty"`

	// RemedyActions lists the remedial actions currently requested for the
	// cluster (for example by Remedy objects) that components should carry
	// out.
	// +optional
	RemedyActions []string `json:"remedyActions,omitempty"`
}

// APIEnablement lists the resources a member cluster serves in one group
// version.
type APIEnablement struct {
	// GroupVersion is the "group/version" (or just "version" for the core
	// group) the resources belong to.
	// +required
	GroupVersion string `json:"groupVersion"`

	// Resources are the resources served in GroupVersion.
	// +optional
	Resources []APIResource `json:"resources,omitempty"`
}

// APIResource names one resource served by a member cluster.
type APIResource struct {
	// Name is the plural resource name, e.g. "deployments".
	// +required
	Name string `json:"name"`

	// Kind is the kind of the resource's objects, e.g. "Deployment".
	// +required
	Kind string `json:"kind"`
}

// NodeSummary counts the nodes of a member cluster.
type NodeSummary struct {
	// TotalNum is how many nodes the cluster has.
	// +optional
	TotalNum int32 `json:"totalNum,omitempty"`

	// ReadyNum is how many of those nodes are Ready.
	// +optional
	ReadyNum int32 `json:"readyNum,omitempty"`
}

// ResourceSummary aggregates the compute resources of a member cluster.
type ResourceSummary struct {
	// Allocatable is the sum of the allocatable resources of all nodes,
	// i.e. what is available to schedule onto.
	// +optional
	Allocatable corev1.ResourceList `json:"allocatable,omitempty"`

	// Allocating is the sum of the requests of pods that are still waiting
	// to be scheduled.
	// +optional
	Allocating corev1.ResourceList `json:"allocating,omitempty"`

	// Allocated is the sum of the requests of pods already bound to nodes.
	// +optional
	Allocated corev1.ResourceList `json:"allocated,omitempty"`

	// AllocatableModelings counts nodes per resource-model grade, based on
	// what each node can still allocate.
	// +optional
	AllocatableModelings []AllocatableModeling `json:"allocatableModelings,omitempty"`
}

// AllocatableModeling is the number of nodes whose allocatable resources fall
// into one grade of the resource model; {Grade: 2, Count: 10} means ten
// nodes are in grade 2.
type AllocatableModeling struct {
	// Grade is the index of the ResourceModel this entry counts.
	// +kubebuilder:validation:Minimum=0
	// +required
	Grade int32 `json:"grade"`

	// Count is the number of nodes in that grade.
	// +required
	Count int32 `json:"count"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true

// ClusterList is a list of Cluster objects.
type ClusterList struct {
	metav1.TypeMeta `json:",inline"`
	// ListMeta is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the member clusters in the list.
	Items []Cluster `json:"items"`
}

// +k8s:conversion-gen:explicit-from=net/url.Values
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true

// ClusterProxyOptions carries the query parameters of a request to the
// clusters/{name}/proxy connect subresource.
type ClusterProxyOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Path is the request path to forward to the member cluster's API
	// server, e.g. "/api/v1/namespaces/default/pods".
	// +optional
	Path string `json:"path,omitempty"`
}
