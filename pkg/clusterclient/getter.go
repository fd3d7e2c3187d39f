package clusterclient

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	diskcached "k8s.io/client-go/discovery/cached/disk"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/homedir"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

// Paths below the control plane's URL, and the query parameters they take.
const (
	// GlobalProxyPath answers any Kubernetes API path live, merged across members.
	GlobalProxyPath = "/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy"
	// SearchPath answers any Kubernetes API path from the search cache.
	SearchPath = "/apis/search.karmada.io/v1alpha1/search/cache"

	// ClustersParam narrows the global proxy and the search to some clusters.
	ClustersParam = "clusters"
	// SearchParam is the fuzzy name query of the search.
	SearchParam = "q"
)

// MemberPath is the path that forwards requests to the named member's API server.
func MemberPath(cluster string) string { return membership.ProxyPath(cluster) }

// Options tune a Getter.
type Options struct {
	// Query is added to every API request (not to discovery), e.g. clusters=a,b.
	Query url.Values
	// Warnings receives the Warning headers of every response; nil keeps
	// client-go's default.
	Warnings rest.WarningHandlerWithContext
	// CacheDir is the root of the on-disk discovery and HTTP caches (kubectl's
	// --cache-dir). Empty keeps discovery in memory for this process only.
	CacheDir string
}

// Getter is a genericclioptions.RESTClientGetter for one path on the control
// plane. Its REST configuration is the control plane's, with Host extended by the
// path; its discovery and RESTMapper see that path only.
type Getter struct {
	base genericclioptions.RESTClientGetter
	path string
	opts Options

	mu        sync.Mutex
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
}

var _ genericclioptions.RESTClientGetter = &Getter{}

// NewGetter returns a getter for path below the control plane that base reaches.
func NewGetter(base genericclioptions.RESTClientGetter, path string, opts Options) *Getter {
	return &Getter{base: base, path: "/" + strings.Trim(path, "/"), opts: opts}
}

// GlobalProxy returns a getter for the global proxy.
func GlobalProxy(base genericclioptions.RESTClientGetter, opts Options) *Getter {
	return NewGetter(base, GlobalProxyPath, opts)
}

// Search returns a getter for the search cache.
func Search(base genericclioptions.RESTClientGetter, opts Options) *Getter {
	return NewGetter(base, SearchPath, opts)
}

// Member returns a getter for one member's cluster proxy.
func Member(base genericclioptions.RESTClientGetter, cluster string, opts Options) *Getter {
	return NewGetter(base, MemberPath(cluster), opts)
}

// NewFactory returns a kubectl factory over g. Like kubectl's own, it fills in the
// Kubernetes defaults (group version, serializer) that exec and raw requests need.
func NewFactory(g genericclioptions.RESTClientGetter) cmdutil.Factory {
	return cmdutil.NewFactory(cmdutil.NewMatchVersionFlags(g))
}

// Path is the path below the control plane's URL.
func (g *Getter) Path() string { return g.path }

// ToRESTConfig returns the control plane's configuration pointed at the path,
// with the query parameters and the warning handler installed.
func (g *Getter) ToRESTConfig() (*rest.Config, error) {
	cfg, err := g.pathConfig()
	if err != nil {
		return nil, err
	}
	if len(g.opts.Query) > 0 {
		query := g.opts.Query
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &queryTransport{next: rt, query: query} })
	}
	return cfg, nil
}

// pathConfig is the configuration without the query parameters: discovery
// documents do not depend on them.
func (g *Getter) pathConfig() (*rest.Config, error) {
	cfg, err := g.base.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Host = strings.TrimSuffix(cfg.Host, "/") + g.path
	if g.opts.Warnings != nil {
		cfg.WarningHandler = nil
		cfg.WarningHandlerWithContext = g.opts.Warnings
	}
	return cfg, nil
}

// ToDiscoveryClient returns a discovery client for the path, cached on disk under
// a directory of its own (see DiscoveryCacheDir) when a cache dir is set.
func (g *Getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.discovery != nil {
		return g.discovery, nil
	}
	cfg, err := g.pathConfig()
	if err != nil {
		return nil, err
	}
	// Discovery fans out one request per group version, as kubectl allows.
	cfg.Burst, cfg.QPS = max(cfg.Burst, 300), max(cfg.QPS, 50)
	if g.opts.CacheDir == "" {
		d, err := discovery.NewDiscoveryClientForConfig(cfg)
		if err != nil {
			return nil, err
		}
		g.discovery = memory.NewMemCacheClient(d)
		return g.discovery, nil
	}
	d, err := diskcached.NewCachedDiscoveryClientForConfig(cfg, DiscoveryCacheDir(g.opts.CacheDir, cfg.Host),
		filepath.Join(g.opts.CacheDir, "http"), 6*time.Hour)
	if err != nil {
		return nil, err
	}
	g.discovery = d
	return d, nil
}

// NewDiscoveryClient returns a discovery client for the path that caches
// nothing, for answers that must be fresh.
func (g *Getter) NewDiscoveryClient() (discovery.DiscoveryInterface, error) {
	cfg, err := g.pathConfig()
	if err != nil {
		return nil, err
	}
	cfg.Burst, cfg.QPS = max(cfg.Burst, 300), max(cfg.QPS, 50)
	return discovery.NewDiscoveryClientForConfig(cfg)
}

// ToRESTMapper returns a mapper over the path's discovery that expands short names.
func (g *Getter) ToRESTMapper() (meta.RESTMapper, error) {
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

// ToRawKubeConfigLoader is the control plane's: the namespace and context are
// the ones the user chose.
func (g *Getter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return g.base.ToRawKubeConfigLoader()
}

// unsafePathChars are the characters DiscoveryCacheDir replaces.
var unsafePathChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// DiscoveryCacheDir is the discovery cache directory for a server URL below
// root. client-go keys its cache by the host including its path, but keeps the
// path's slashes, so every member's cache would be nested inside the control
// plane's; here the whole URL becomes one directory name.
func DiscoveryCacheDir(root, host string) string {
	schemeless := strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
	return filepath.Join(root, "discovery", unsafePathChars.ReplaceAllString(strings.TrimSuffix(schemeless, "/"), "_"))
}

// CacheDir returns the value of kubectl's --cache-dir flag in flags, or "" when
// the command has no such flag. Without the flag, the default is KUBECACHEDIR or
// ~/.kube/cache, as kubectl's.
func CacheDir(flags *pflag.FlagSet) string {
	f := flags.Lookup("cache-dir")
	if f == nil {
		return ""
	}
	if v := f.Value.String(); v != "" {
		return v
	}
	if v := os.Getenv("KUBECACHEDIR"); v != "" {
		return v
	}
	return filepath.Join(homedir.HomeDir(), ".kube", "cache")
}

// queryTransport adds query parameters to every request.
type queryTransport struct {
	next  http.RoundTripper
	query url.Values
}

func (t *queryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	q := req.URL.Query()
	for k, v := range t.query {
		q[k] = v
	}
	req.URL.RawQuery = q.Encode()
	return t.next.RoundTrip(req)
}

// WrappedRoundTripper lets client-go see through the wrapper.
func (t *queryTransport) WrappedRoundTripper() http.RoundTripper { return t.next }
