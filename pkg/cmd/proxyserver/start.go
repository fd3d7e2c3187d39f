package proxyserver

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/rest"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/klog/v2"

	"github.com/fleetplane/fleetplane/pkg/auth/unifiedauth"
	"github.com/fleetplane/fleetplane/pkg/federate"
	"github.com/fleetplane/fleetplane/pkg/federate/binding"
	"github.com/fleetplane/fleetplane/pkg/federate/clusterstatus"
	"github.com/fleetplane/fleetplane/pkg/federate/execution"
)

// NewCommand returns the root command of cmd/proxy.
func NewCommand(ctx context.Context) *cobra.Command {
	o := NewOptions()
	logOptions := logs.NewOptions()
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Serve cluster.karmada.io as an aggregated API and run the fleet's controllers",
		Long: `proxy is the one authenticated entrance to every member cluster.

It serves cluster.karmada.io/v1alpha1 (Cluster objects, their status and the
clusters/{name}/proxy subresource) as an aggregated API of the control-plane
apiserver, authenticating and authorizing callers through the control plane and
impersonating them on the member. The same process runs the controllers, with
leader election, so that several replicas can run side by side.`,
		Example: `  # Serve with the control plane's etcd, delegating auth to the control plane
  proxy --etcd-servers=http://127.0.0.1:2379 --kubeconfig=karmada.config \
    --authentication-kubeconfig=karmada.config --authorization-kubeconfig=karmada.config \
    --tls-cert-file=serving.crt --tls-private-key-file=serving.key --secure-port=7443`,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := logsapi.ValidateAndApply(logOptions, nil); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.SetContext(ctx)
	fs := cmd.Flags()
	o.AddFlags(fs)
	logsapi.AddFlags(logOptions, fs)
	fs.SetNormalizeFunc(cliflag.WordSepNormalizeFunc)
	return cmd
}

// controllers are what the leader runs: member status and unified auth, then the
// propagation pipeline (detector and bindings, scheduling, execution).
var controllers = []federate.Setup{
	clusterstatus.Setup,
	unifiedauth.Setup,
	binding.Setup,
	execution.Setup,
}

// Run serves until ctx is done.
func Run(ctx context.Context, o *Options) error {
	cfg, factories, err := o.Config()
	if err != nil {
		return err
	}
	server, err := cfg.Complete().New()
	if err != nil {
		return err
	}
	generic := server.GenericAPIServer
	if err := generic.AddPostStartHook("start-proxy-informers", func(hook genericapiserver.PostStartHookContext) error {
		for _, f := range factories {
			f.Start(hook.Context.Done())
		}
		for _, f := range factories {
			f.WaitForCacheSync(hook.Context.Done())
		}
		return nil
	}); err != nil {
		return err
	}
	// Every replica serves searches, so every replica fills its own cache.
	if err := generic.AddPostStartHook("start-search-collector", func(hook genericapiserver.PostStartHookContext) error {
		go server.Collector.Run(hook.Context)
		return nil
	}); err != nil {
		return err
	}
	if o.Controllers.Enabled {
		controlPlane := rest.CopyConfig(cfg.GenericConfig.ClientConfig)
		if err := generic.AddPostStartHook("start-controllers", func(hook genericapiserver.PostStartHookContext) error {
			go func() {
				if err := federate.Run(hook.Context, controlPlane, o.federateOptions(), controllers...); err != nil {
					klog.ErrorS(err, "controllers stopped")
				}
			}()
			return nil
		}); err != nil {
			return err
		}
	}
	if err := generic.PrepareRun().RunWithContext(ctx); err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

func (o *Options) federateOptions() federate.Options {
	return federate.Options{
		LeaderElect:         o.Controllers.LeaderElect,
		LeaderElectionNS:    o.Controllers.LeaderElectionNS,
		HealthCheckInterval: o.Controllers.HealthCheckInterval,
		HealthCheckTimeout:  o.Controllers.HealthCheckTimeout,
		SecretNamespace:     o.SecretNamespace,
		ClientQPS:           o.Controllers.ClientQPS,
		ClientBurst:         o.Controllers.ClientBurst,
	}
}
