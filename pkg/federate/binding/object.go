package binding

import (
	"sigs.k8s.io/controller-runtime/pkg/client"

	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// object is a ResourceBinding or a ClusterResourceBinding.
type object struct {
	client.Object
	Spec   *workv1alpha2.ResourceBindingSpec
	Status *workv1alpha2.ResourceBindingStatus
	// idLabel is the label that carries the binding's permanent id.
	idLabel string
}

func newObject(cluster bool) object {
	if cluster {
		b := &workv1alpha2.ClusterResourceBinding{}
		return object{Object: b, Spec: &b.Spec, Status: &b.Status, idLabel: naming.ClusterResourceBindingPermanentIDLabel}
	}
	b := &workv1alpha2.ResourceBinding{}
	return object{Object: b, Spec: &b.Spec, Status: &b.Status, idLabel: naming.ResourceBindingPermanentIDLabel}
}

// id is the binding's permanent id, which labels its Works.
func (o object) id() string { return o.GetLabels()[o.idLabel] }

// workAnnotations name the binding on its Works.
func (o object) workAnnotations() map[string]string {
	if o.GetNamespace() == "" {
		return map[string]string{naming.ClusterResourceBindingAnnotation: o.GetName()}
	}
	return map[string]string{naming.ResourceBindingNamespaceAnnotation: o.GetNamespace(), naming.ResourceBindingNameAnnotation: o.GetName()}
}
