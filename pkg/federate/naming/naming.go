// Package naming holds the names and well-known keys that the propagation
// controllers share: binding and Work names, execution namespaces, and the labels
// and annotations that tie templates, bindings, Works and member objects together.
// Values are Karmada's, so objects written by either system read the same.
package naming

import (
	"fmt"
	"hash/fnv"
	"strings"
)

const (
	// ExecutionNamespacePrefix starts the control-plane namespace that holds the Works
	// of one member cluster.
	ExecutionNamespacePrefix = "karmada-es-"

	// PropagationPolicyNameLabel and friends claim a template for a policy.
	PropagationPolicyNamespaceLabel   = "propagationpolicy.karmada.io/namespace"
	PropagationPolicyNameLabel        = "propagationpolicy.karmada.io/name"
	PropagationPolicyPermanentIDLabel = "propagationpolicy.karmada.io/permanent-id"
	// ClusterPropagationPolicyLabel claims a template for a ClusterPropagationPolicy.
	ClusterPropagationPolicyLabel            = "clusterpropagationpolicy.karmada.io/name"
	ClusterPropagationPolicyPermanentIDLabel = "clusterpropagationpolicy.karmada.io/permanent-id"

	// ResourceBindingPermanentIDLabel ties Works to the binding that wrote them.
	ResourceBindingPermanentIDLabel        = "resourcebinding.karmada.io/permanent-id"
	ClusterResourceBindingPermanentIDLabel = "clusterresourcebinding.karmada.io/permanent-id"
	// ResourceBindingNamespaceAnnotation and friends name the binding of a Work.
	ResourceBindingNamespaceAnnotation = "resourcebinding.karmada.io/namespace"
	ResourceBindingNameAnnotation      = "resourcebinding.karmada.io/name"
	ClusterResourceBindingAnnotation   = "clusterresourcebinding.karmada.io/name"

	// WorkNamespaceLabel and WorkNameLabel mark a member object with the Work that
	// applied it; ManagedByLabel marks every object the controllers manage.
	WorkNamespaceLabel = "work.karmada.io/namespace"
	WorkNameLabel      = "work.karmada.io/name"
	ManagedByLabel     = "karmada.io/managed"

	// ConflictResolutionAnnotation on a manifest allows taking over an existing
	// member object ("overwrite") or not ("abort").
	ConflictResolutionAnnotation = "work.karmada.io/conflict-resolution"
	ConflictOverwrite            = "overwrite"
	ConflictAbort                = "abort"

	// FieldManager is the server-side apply field manager on members.
	FieldManager = "karmada-execution-controller"
)

// ExecutionNamespace returns the namespace of a cluster's Works.
func ExecutionNamespace(cluster string) string { return ExecutionNamespacePrefix + cluster }

// ClusterOfExecutionNamespace returns the cluster whose Works a namespace holds.
func ClusterOfExecutionNamespace(namespace string) (string, bool) {
	return strings.CutPrefix(namespace, ExecutionNamespacePrefix)
}

// BindingName names the (Cluster)ResourceBinding of a template, as Karmada does.
func BindingName(kind, name string) string {
	return name + "-" + strings.ToLower(kind)
}

// WorkName names the Work of a template in an execution namespace: the template's
// name plus a hash of its kind and namespace, so that templates of different kinds
// or namespaces never collide.
func WorkName(kind, namespace, name string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strings.ToLower(kind) + "/" + namespace + "/" + name))
	suffix := fmt.Sprintf("-%08x", h.Sum32())
	if max := 253 - len(suffix); len(name) > max {
		name = name[:max]
	}
	return name + suffix
}

// IsReservedNamespace reports whether the controllers must leave a namespace's
// objects alone: the system's own and Kubernetes' own namespaces.
func IsReservedNamespace(ns string) bool {
	return strings.HasPrefix(ns, "kube-") || ns == "karmada-system" || ns == "karmada-cluster" ||
		strings.HasPrefix(ns, ExecutionNamespacePrefix)
}

// BindingFinalizer keeps a binding until its Works are gone; the detector sets it at
// creation so that no extra write is needed.
const BindingFinalizer = "karmada.io/binding-controller"

// WorkFinalizer keeps a Work until the execution controller has removed its
// objects from the member. The binding controller sets it when it creates a Work,
// so that the execution controller need not write the Work again to add it.
const WorkFinalizer = "karmada.io/execution-controller"
