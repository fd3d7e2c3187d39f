package promote

import (
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

// NewMemberFactory returns a factory for one member cluster: the control plane's
// client configuration, with every standard flag (credentials, TLS, impersonation,
// timeouts) as given, and only the server URL moved to the member's cluster proxy.
// kubectl's own machinery (builders, printers, get/describe helpers) works with it.
func NewMemberFactory(controlPlane genericclioptions.RESTClientGetter, cluster string) cmdutil.Factory {
	return cmdutil.NewFactory(&memberGetter{controlPlane: controlPlane, cluster: cluster})
}

// memberGetter is the genericclioptions.RESTClientGetter behind NewMemberFactory.
type memberGetter struct {
	controlPlane genericclioptions.RESTClientGetter
	cluster      string

	mu        sync.Mutex
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
}

var _ genericclioptions.RESTClientGetter = &memberGetter{}

func (g *memberGetter) ToRESTConfig() (*rest.Config, error) {
	cfg, err := g.controlPlane.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Host = strings.TrimSuffix(cfg.Host, "/") + membership.ProxyPath(g.cluster)
	return cfg, nil
}

// ToDiscoveryClient caches in memory only: one command needs the member's
// discovery once, and stale disk caches of members would outlive re-joins.
func (g *memberGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.discovery != nil {
		return g.discovery, nil
	}
	cfg, err := g.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	// Discovery fans out one request per group version.
	cfg.Burst = max(cfg.Burst, 300)
	d, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	g.discovery = memory.NewMemCacheClient(d)
	return g.discovery, nil
}

func (g *memberGetter) ToRESTMapper() (meta.RESTMapper, error) {
	d, err := g.ToDiscoveryClient()
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.mapper == nil {
		g.mapper = restmapper.NewShortcutExpander(restmapper.NewDeferredDiscoveryRESTMapper(d), d, nil)
	}
	return g.mapper, nil
}

// ToRawKubeConfigLoader is the control plane's: namespaces and contexts are the
// ones the user chose.
func (g *memberGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return g.controlPlane.ToRawKubeConfigLoader()
}
