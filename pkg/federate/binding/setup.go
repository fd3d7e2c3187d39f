package binding

import (
	"k8s.io/client-go/dynamic"
	ctrl "sigs.k8s.io/controller-runtime"

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
	for _, scoped := range []bool{false, true} {
		r := &Reconciler{Client: mgr.GetClient(), Dynamic: dyn, Templates: det.Resources(),
			Recorder: mgr.GetEventRecorderFor("binding-controller"), ClusterScoped: scoped}
		if err := r.SetupWithManager(mgr); err != nil {
			return err
		}
	}
	return nil
}
