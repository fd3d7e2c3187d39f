package execution

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// ConflictError says that a manifest names an object that already exists on
// the member and that this Work may not take over.
type ConflictError struct {
	Kind, Namespace, Name string
	Cluster               string
	// Owner is the other Work that manages the object, if any.
	Owner *types.NamespacedName
}

func (e *ConflictError) Error() string {
	name := e.Name
	if e.Namespace != "" {
		name = e.Namespace + "/" + e.Name
	}
	if e.Owner != nil {
		return fmt.Sprintf("%s %s already exists on %s and is managed by Work %s; set conflictResolution: Overwrite to adopt it",
			e.Kind, name, e.Cluster, e.Owner)
	}
	return fmt.Sprintf("%s %s already exists on %s and is not managed by Karmada; set conflictResolution: Overwrite to adopt it",
		e.Kind, name, e.Cluster)
}

// checkConflict decides whether want may be applied over existing, the object
// of the same name on the member (nil when there is none). It may when the object
// is this Work's, when Karmada created it without tying it to a Work (a namespace
// created for a Work's objects), or when the manifest asks to overwrite.
func checkConflict(existing, want *unstructured.Unstructured, work types.NamespacedName, cluster string) error {
	if existing == nil || overwrite(want) {
		return nil
	}
	owner, owned := workOf(existing)
	switch {
	case owned && owner == work:
		return nil
	case !owned && existing.GetLabels()[naming.ManagedByLabel] == "true":
		return nil
	}
	err := &ConflictError{Kind: want.GetKind(), Namespace: want.GetNamespace(), Name: want.GetName(), Cluster: cluster}
	if owned {
		err.Owner = &owner
	}
	return err
}

// overwrite reports whether a manifest allows taking over an existing object.
func overwrite(obj *unstructured.Unstructured) bool {
	return strings.EqualFold(obj.GetAnnotations()[naming.ConflictResolutionAnnotation], naming.ConflictOverwrite)
}
