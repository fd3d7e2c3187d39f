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

// Condition types reported in Cluster.status.conditions.
const (
	// ClusterConditionReady is True when the member cluster is healthy and
	// reachable, False when it answers but is unhealthy, and Unknown when
	// the control plane cannot reach it.
	ClusterConditionReady = "Ready"

	// ClusterConditionCompleteAPIEnablements is True when
	// status.apiEnablements lists every API of the member cluster, and
	// False when discovery returned only part of them.
	ClusterConditionCompleteAPIEnablements = "CompleteAPIEnablements"
)

// Taint keys the control plane puts on Cluster objects (spec.taints) to keep
// workloads away from clusters that cannot currently run them.
const (
	// TaintClusterUnscheduler marks a cluster that must not receive new
	// workloads; it is removed once the cluster is schedulable again.
	TaintClusterUnscheduler = "cluster.karmada.io/unschedulable"

	// TaintClusterNotReady marks a cluster whose Ready condition is False;
	// it is removed once the cluster is Ready again.
	TaintClusterNotReady = "cluster.karmada.io/not-ready"

	// TaintClusterUnreachable marks a cluster whose Ready condition is
	// Unknown because the control plane cannot reach it; it is removed once
	// the cluster answers again.
	TaintClusterUnreachable = "cluster.karmada.io/unreachable"

	// TaintClusterTerminating marks a cluster whose Cluster object is being
	// deleted.
	TaintClusterTerminating = "cluster.karmada.io/terminating"
)

// Keys of the data of the Secrets referenced from a ClusterSpec.
const (
	// SecretTokenKey holds the bearer token, both in the secret named by
	// spec.secretRef and in the one named by spec.impersonatorSecretRef.
	SecretTokenKey = "token"

	// SecretCADataKey holds the PEM CA bundle that signs the member API
	// server's certificate, in the secret named by spec.secretRef.
	SecretCADataKey = "caBundle"
)

// Other well-known names.
const (
	// ClusterPropertyIDName is the name of the ClusterProperty object
	// (about.k8s.io) whose value, when present in a member cluster, becomes
	// spec.id at registration.
	ClusterPropertyIDName = "cluster.clusterset.k8s.io"

	// CacheSourceAnnotationKey is set on objects returned from the search
	// cache and names the member cluster they were cached from.
	CacheSourceAnnotationKey = "resource.karmada.io/cached-from-cluster"

	// ClusterProxySubresource is the name of the connect subresource that
	// forwards requests to a member cluster (clusters/{name}/proxy).
	ClusterProxySubresource = "proxy"
)
