package federate

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
)

// Options configure the controllers.
type Options struct {
	LeaderElect      bool
	LeaderElectionNS string
	// HealthCheckInterval is how often members are probed.
	HealthCheckInterval time.Duration
	// HealthCheckTimeout bounds one probe.
	HealthCheckTimeout time.Duration
	// SecretNamespace holds the members' credentials on the control plane.
	SecretNamespace string
	// ClientQPS and ClientBurst limit the controllers' requests to the control plane.
	ClientQPS   float32
	ClientBurst int
}

// Scheme knows every type the controllers read or write on the control plane.
var Scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(clusterv1alpha1.AddToScheme(Scheme))
	utilruntime.Must(policyv1alpha1.AddToScheme(Scheme))
	utilruntime.Must(workv1alpha1.AddToScheme(Scheme))
	utilruntime.Must(workv1alpha2.AddToScheme(Scheme))
}

// Setup registers a controller with the manager.
type Setup func(mgr ctrl.Manager, opts Options) error

// Run starts the given controllers under one manager and blocks until ctx is done.
func Run(ctx context.Context, cfg *rest.Config, opts Options, setups ...Setup) error {
	ctrl.SetLogger(klog.NewKlogr())
	cfg = rest.CopyConfig(cfg)
	// The controllers' request budget is set by the control plane's priority and
	// fairness, not by a client-side token bucket tuned for kubectl.
	cfg.QPS, cfg.Burst = opts.ClientQPS, opts.ClientBurst
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  Scheme,
		LeaderElection:          opts.LeaderElect,
		LeaderElectionID:        "fleetplane-controllers",
		LeaderElectionNamespace: opts.LeaderElectionNS,
		// The aggregated server serves the health endpoints and /metrics, which
		// includes controller-runtime's registry (see pkg/apiserver).
		Metrics:                       metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:        "0",
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	for _, setup := range setups {
		if err := setup(mgr, opts); err != nil {
			return err
		}
	}
	return mgr.Start(ctx)
}
