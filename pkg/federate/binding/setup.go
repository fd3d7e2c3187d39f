package binding

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/dynamic"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/fleetplane/fleetplane/pkg/federate"
	"github.com/fleetplane/fleetplane/pkg/federate/detector"
)

// Setup adds the detector and the binding controllers, which share the detector's
// cache of templates.
func Setup(mgr ctrl.Manager, _ federate.Options) error {
	det, err := detector.New(mgr)
	if err != nil {
		return err
	}
	if err := mgr.Add(det); err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(mgr.GetConfig())
	if err != nil {
		return err
	}
	// Dependencies are plain templates no policy may claim: their changes reach the
	// bindings that propagate them through the detector's cache.
	deps := make(chan event.GenericEvent, 1024)
	det.Resources().AddListener(func(k detector.TemplateKey) {
		if k.GVR.Group == "" && dependencyResources.Has(k.GVR.Resource) {
			deps <- event.GenericEvent{Object: &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name}}}
		}
	})
	for _, scoped := range []bool{false, true} {
		r := &Reconciler{Client: mgr.GetClient(), Dynamic: dyn, Templates: det.Resources(),
			Recorder: mgr.GetEventRecorderFor("binding-controller"), ClusterScoped: scoped}
		if !scoped {
			r.dependencyEvents = deps
		}
		if err := r.SetupWithManager(mgr); err != nil {
			return err
		}
	}
	return nil
}

// dependencyResources are the core resources a pod template can depend on.
var dependencyResources = sets.New("configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims")
