package binding

import (
	"encoding/json"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
	"github.com/fleetplane/fleetplane/pkg/federate/overrides"
)

// replicaFields are where each workload kind keeps its replica count.
var replicaFields = map[schema.GroupKind][]string{
	{Group: "apps", Kind: "Deployment"}:  {"spec", "replicas"},
	{Group: "apps", Kind: "StatefulSet"}: {"spec", "replicas"},
	{Group: "apps", Kind: "ReplicaSet"}:  {"spec", "replicas"},
	{Group: "batch", Kind: "Job"}:        {"spec", "parallelism"},
}

// claimLabels are control-plane bookkeeping that members need not carry.
var claimLabels = []string{
	naming.PropagationPolicyNamespaceLabel, naming.PropagationPolicyNameLabel, naming.PropagationPolicyPermanentIDLabel,
	naming.ClusterPropagationPolicyLabel, naming.ClusterPropagationPolicyPermanentIDLabel,
}

// Prune returns a copy of a control-plane object fit to apply on a member: no
// status, no server-set metadata, and none of the fields the control plane
// allocated (a Service's cluster IPs, a Job's generated selector).
func Prune(obj *unstructured.Unstructured) *unstructured.Unstructured {
	out := &unstructured.Unstructured{Object: map[string]any{}}
	for k, v := range obj.Object {
		if k != "status" {
			out.Object[k] = runtime.DeepCopyJSONValue(v)
		}
	}
	meta := map[string]any{"name": obj.GetName()}
	if ns := obj.GetNamespace(); ns != "" {
		meta["namespace"] = ns
	}
	out.Object["metadata"] = meta
	if l := obj.GetLabels(); len(l) > 0 {
		labels := map[string]string{}
		for k, v := range l {
			if !slices.Contains(claimLabels, k) {
				labels[k] = v
			}
		}
		if len(labels) > 0 {
			out.SetLabels(labels)
		}
	}
	if a := obj.GetAnnotations(); len(a) > 0 {
		annotations := map[string]string{}
		for k, v := range a {
			if k != corev1.LastAppliedConfigAnnotation {
				annotations[k] = v
			}
		}
		if len(annotations) > 0 {
			out.SetAnnotations(annotations)
		}
	}
	gk := obj.GroupVersionKind().GroupKind()
	switch gk {
	case schema.GroupKind{Kind: "Service"}:
		// Allocated addresses belong to the control plane; a headless Service stays headless.
		if ip, _, _ := unstructured.NestedString(obj.Object, "spec", "clusterIP"); ip != corev1.ClusterIPNone {
			unstructured.RemoveNestedField(out.Object, "spec", "clusterIP")
			unstructured.RemoveNestedField(out.Object, "spec", "clusterIPs")
		}
	case schema.GroupKind{Group: "batch", Kind: "Job"}:
		// The control plane generated the selector and its label; members generate their own.
		if manual, _, _ := unstructured.NestedBool(obj.Object, "spec", "manualSelector"); !manual {
			unstructured.RemoveNestedField(out.Object, "spec", "selector")
			for _, l := range []string{"controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"} {
				unstructured.RemoveNestedField(out.Object, "spec", "template", "metadata", "labels", l)
			}
		}
	case schema.GroupKind{Kind: "PersistentVolumeClaim"}:
		unstructured.RemoveNestedField(out.Object, "spec", "volumeName")
	case schema.GroupKind{Kind: "Pod"}:
		unstructured.RemoveNestedField(out.Object, "spec", "nodeName")
	case schema.GroupKind{Kind: "ServiceAccount"}:
		unstructured.RemoveNestedField(out.Object, "secrets")
	}
	return out
}

// Input is what rendering the Work of one cluster needs.
type Input struct {
	Template     *unstructured.Unstructured
	Cluster      *clusterv1alpha1.Cluster
	Replicas     int32
	Workload     bool
	Dependencies []*unstructured.Unstructured
	Overwrite    bool
	ClusterOPs   []policyv1alpha1.ClusterOverridePolicy
	OPs          []policyv1alpha1.OverridePolicy
}

// Render returns the manifests of a cluster's Work: the template's namespace, its
// dependencies, then the overridden template; and the overrides annotation values.
func Render(in Input) ([]workv1alpha1.Manifest, map[string]string, error) {
	obj := Prune(in.Template)
	if path, ok := replicaFields[obj.GroupVersionKind().GroupKind()]; ok && in.Workload {
		if err := unstructured.SetNestedField(obj.Object, int64(in.Replicas), path...); err != nil {
			return nil, nil, err
		}
	}
	overridden, applied, err := overrides.Apply(obj, in.Cluster, in.ClusterOPs, in.OPs)
	if err != nil {
		return nil, nil, err
	}
	annotations, err := applied.Annotations()
	if err != nil {
		return nil, nil, err
	}
	var objs []*unstructured.Unstructured
	if ns := in.Template.GetNamespace(); ns != "" {
		objs = append(objs, namespaceObject(ns))
	}
	for _, dep := range in.Dependencies {
		objs = append(objs, Prune(dep))
	}
	objs = append(objs, overridden)
	manifests := make([]workv1alpha1.Manifest, 0, len(objs))
	for _, o := range objs {
		if in.Overwrite {
			a := o.GetAnnotations()
			if a == nil {
				a = map[string]string{}
			}
			a[naming.ConflictResolutionAnnotation] = naming.ConflictOverwrite
			o.SetAnnotations(a)
		}
		raw, err := json.Marshal(o.Object)
		if err != nil {
			return nil, nil, fmt.Errorf("encoding %s %s: %w", o.GetKind(), o.GetName(), err)
		}
		manifests = append(manifests, workv1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: raw}})
	}
	return manifests, annotations, nil
}

func namespaceObject(name string) *unstructured.Unstructured {
	ns := &unstructured.Unstructured{}
	ns.SetAPIVersion("v1")
	ns.SetKind("Namespace")
	ns.SetName(name)
	return ns
}
