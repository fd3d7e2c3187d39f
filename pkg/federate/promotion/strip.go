package promotion

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// serverSetFields are written by the member's API server or are meaningless on
// the control plane: owner references name member UIDs, and finalizers would wait
// for member controllers that never see the template.
var serverSetFields = [][]string{
	{"metadata", "uid"},
	{"metadata", "resourceVersion"},
	{"metadata", "generation"},
	{"metadata", "creationTimestamp"},
	{"metadata", "deletionTimestamp"},
	{"metadata", "deletionGracePeriodSeconds"},
	{"metadata", "managedFields"},
	{"metadata", "ownerReferences"},
	{"metadata", "finalizers"},
	{"metadata", "selfLink"},
	{"status"},
}

// strippedAnnotations are written by tools and member controllers. Keeping a
// controller's annotation in the template would make the execution controller
// and that controller overwrite each other on the member.
var strippedAnnotations = []string{
	corev1.LastAppliedConfigAnnotation,
	naming.ConflictResolutionAnnotation,
	"deployment.kubernetes.io/revision",
	"pv.kubernetes.io/bind-completed",
	"pv.kubernetes.io/bound-by-controller",
	"volume.beta.kubernetes.io/storage-provisioner",
	"volume.kubernetes.io/storage-provisioner",
	"volume.kubernetes.io/selected-node",
}

// strippedLabels tie a member object to the Work that applied it; the execution
// controller sets them again when it adopts the object.
var strippedLabels = []string{naming.ManagedByLabel, naming.WorkNamespaceLabel, naming.WorkNameLabel}

// jobControllerLabels are set by the Job controller on the pod template, with the
// selector, unless the Job chose its own selector.
var jobControllerLabels = []string{"controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"}

// Strip returns a copy of obj, as read from a member, fit to create as a template
// on the control plane: without status, server-set metadata, controller-set
// labels and annotations, and fields the member allocated (a Service's cluster
// IPs, unless it is headless; a Job's generated selector). Everything a user
// wrote, including labels such as pod-template-hash, is kept.
func Strip(obj *unstructured.Unstructured) *unstructured.Unstructured {
	out := obj.DeepCopy()
	for _, f := range serverSetFields {
		unstructured.RemoveNestedField(out.Object, f...)
	}
	removeKeys(out, []string{"metadata", "labels"}, strippedLabels)
	removeKeys(out, []string{"metadata", "annotations"}, strippedAnnotations)

	switch obj.GroupVersionKind().GroupKind() {
	case schema.GroupKind{Kind: "Service"}:
		if ip, _, _ := unstructured.NestedString(out.Object, "spec", "clusterIP"); ip != corev1.ClusterIPNone {
			unstructured.RemoveNestedField(out.Object, "spec", "clusterIP")
			unstructured.RemoveNestedField(out.Object, "spec", "clusterIPs")
		}
	case schema.GroupKind{Group: "batch", Kind: "Job"}:
		if manual, _, _ := unstructured.NestedBool(out.Object, "spec", "manualSelector"); !manual {
			unstructured.RemoveNestedField(out.Object, "spec", "selector")
			removeKeys(out, []string{"spec", "template", "metadata", "labels"}, jobControllerLabels)
		}
	}
	return out
}

// removeKeys deletes keys from the string map at path, and the map when it ends up empty.
func removeKeys(obj *unstructured.Unstructured, path, keys []string) {
	m, found, err := unstructured.NestedStringMap(obj.Object, path...)
	if !found || err != nil {
		return
	}
	for _, k := range keys {
		delete(m, k)
	}
	if len(m) == 0 {
		unstructured.RemoveNestedField(obj.Object, path...)
		return
	}
	_ = unstructured.SetNestedStringMap(obj.Object, m, path...)
}
