package execution

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// desired is one manifest of a Work, ready to be applied to a member.
type desired struct {
	ordinal int
	// obj is the object to apply: the manifest without server-set fields, in
	// its namespace on the member, carrying the labels that tie it to its Work.
	obj *unstructured.Unstructured
	key objectKey
	id  workv1alpha1.ResourceIdentifier
	// hash identifies the intent, to tell whether it changed since the last
	// apply.
	hash string
	// ensureOnly marks a Namespace that is in the Work only so that the Work's
	// other objects have somewhere to go: it is created when missing, never
	// taken over or deleted, since other Works and users share it.
	ensureOnly bool
}

// serverFields are set by the member's API server, or are meaningless there
// (owner references name control-plane UIDs), and must not be applied.
var serverFields = [][]string{
	{"metadata", "resourceVersion"},
	{"metadata", "uid"},
	{"metadata", "generation"},
	{"metadata", "creationTimestamp"},
	{"metadata", "deletionTimestamp"},
	{"metadata", "deletionGracePeriodSeconds"},
	{"metadata", "managedFields"},
	{"metadata", "selfLink"},
	{"metadata", "ownerReferences"},
	{"status"},
}

// decodeManifest parses one manifest of a Work.
func decodeManifest(m workv1alpha1.Manifest) (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	switch {
	case len(m.Raw) > 0:
		// Unlike encoding/json, this keeps integers int64.
		if err := obj.UnmarshalJSON(m.Raw); err != nil {
			return nil, fmt.Errorf("decoding the manifest: %w", err)
		}
	case m.Object != nil:
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(m.Object)
		if err != nil {
			return nil, fmt.Errorf("decoding the manifest: %w", err)
		}
		obj.Object = content
	default:
		return nil, errors.New("the manifest is empty")
	}
	switch {
	case obj.GetAPIVersion() == "" || obj.GetKind() == "":
		return nil, errors.New("the manifest has no apiVersion or kind")
	case obj.GetName() == "":
		return nil, fmt.Errorf("the %s manifest has no metadata.name", obj.GetKind())
	}
	return obj, nil
}

// ensureOnlyNamespaces returns the ordinals of the Namespace manifests that other
// manifests of the same Work live in.
func ensureOnlyNamespaces(objs []*unstructured.Unstructured) map[int]bool {
	used := map[string]bool{}
	for _, obj := range objs {
		if obj != nil && obj.GetNamespace() != "" {
			used[obj.GetNamespace()] = true
		}
	}
	out := map[int]bool{}
	for i, obj := range objs {
		if obj != nil && isNamespace(obj) && used[obj.GetName()] {
			out[i] = true
		}
	}
	return out
}

func isNamespace(obj *unstructured.Unstructured) bool {
	gvk := obj.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Namespace"
}

// prepare returns the object to apply for a manifest: server-set fields removed,
// the namespace fitted to the resource's scope, and the labels that mark it as
// managed by work. Objects that are only ensured get the managed label alone.
func prepare(manifest *unstructured.Unstructured, scope meta.RESTScopeName, work types.NamespacedName, ensureOnly bool) *unstructured.Unstructured {
	obj := manifest.DeepCopy()
	for _, f := range serverFields {
		unstructured.RemoveNestedField(obj.Object, f...)
	}
	switch {
	case scope != meta.RESTScopeNameNamespace:
		obj.SetNamespace("")
	case obj.GetNamespace() == "":
		obj.SetNamespace(metav1.NamespaceDefault)
	}
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[naming.ManagedByLabel] = "true"
	if !ensureOnly {
		labels[naming.WorkNamespaceLabel] = work.Namespace
		labels[naming.WorkNameLabel] = work.Name
	}
	obj.SetLabels(labels)
	return obj
}

// identifier names a manifest and its object in a Work's status.
func identifier(ordinal int, obj *unstructured.Unstructured, resource string) workv1alpha1.ResourceIdentifier {
	gvk := obj.GroupVersionKind()
	return workv1alpha1.ResourceIdentifier{
		Ordinal:   ordinal,
		Group:     gvk.Group,
		Version:   gvk.Version,
		Kind:      gvk.Kind,
		Resource:  resource,
		Namespace: obj.GetNamespace(),
		Name:      obj.GetName(),
	}
}

// intentHash identifies what is applied for an object.
func intentHash(obj *unstructured.Unstructured) (string, error) {
	data, err := json.Marshal(obj.Object)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16]), nil
}

// upToDate reports whether live, the object as the member's informer last saw
// it, still holds what the last apply wrote, so that applying the same intent
// again would change nothing. The object is unchanged since the apply, or only
// its status changed: the generation, which the API server bumps on every change
// outside metadata and status, is the same and our labels and annotations are
// still there. Kinds without a generation (0) are up to date only when
// unchanged.
func upToDate(last appliedState, hash string, want, live *unstructured.Unstructured) bool {
	switch {
	case live == nil || live.GetDeletionTimestamp() != nil || last.hash != hash:
		return false
	case live.GetResourceVersion() == last.resourceVersion:
		return true
	case last.generation == 0 || live.GetGeneration() != last.generation:
		return false
	}
	return containsAll(live.GetLabels(), want.GetLabels()) && containsAll(live.GetAnnotations(), want.GetAnnotations())
}

func containsAll(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}
