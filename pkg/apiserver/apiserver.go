package apiserver

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	clusterregistry "github.com/fleetplane/fleetplane/pkg/apiserver/registry/cluster"
	"github.com/fleetplane/fleetplane/pkg/apiserver/registry/fleetview"
	"github.com/fleetplane/fleetplane/pkg/apiserver/registry/resourceregistry"
	"github.com/fleetplane/fleetplane/pkg/auth/memberaccess"
	"github.com/fleetplane/fleetplane/pkg/proxy"
	"github.com/fleetplane/fleetplane/pkg/proxy/global"
	"github.com/fleetplane/fleetplane/pkg/search"
	"github.com/fleetplane/fleetplane/pkg/search/cache"
	"github.com/fleetplane/fleetplane/pkg/search/collector"
)

// ExtraConfig is what the server needs beyond the generic configuration.
type ExtraConfig struct {
	// Secrets reads the impersonator credentials the proxy uses.
	Secrets proxy.SecretGetter
	// Pool keeps one transport per member.
	Pool *proxy.TransportPool
	// Groups narrows the groups the proxy forwards; nil forwards them all.
	Groups proxy.GroupFilter
	// Search configures the global proxy and the search cache.
	Search SearchConfig
}

// SearchConfig configures search.karmada.io's global proxy and search cache.
type SearchConfig struct {
	// MemberConcurrency bounds how many members one request talks to at once.
	MemberConcurrency int
	// MemberTimeout bounds each member's part of a non-streaming request.
	MemberTimeout time.Duration
	// CacheMaxObjects and CacheMaxBytes bound the search cache.
	CacheMaxObjects int
	CacheMaxBytes   int64
	// AccessDecisions and AccessTTL size the cache of members' access decisions.
	AccessDecisions int
	AccessTTL       time.Duration
	// CollectInterval is how often the cache is brought in step with the registries.
	CollectInterval time.Duration
}

// Config is the generic server configuration plus ExtraConfig.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig
}

type completedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	ExtraConfig   *ExtraConfig
}

// CompletedConfig is a Config whose defaults are filled in; only it can build a server.
type CompletedConfig struct {
	*completedConfig
}

// Server is the aggregated API server with the handles its controllers need.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
	// ClusterProxy forwards requests to members; the search and global proxy reuse it.
	ClusterProxy *proxy.ClusterProxy
	// ResourceRegistries is the storage of search.karmada.io ResourceRegistries, for a
	// controller in this process: read, list and watch them through
	// ResourceRegistries.ResourceRegistry, write their status through ResourceRegistries.Status.
	ResourceRegistries *resourceregistry.Storage
	// Collector fills the search cache; every replica runs its own.
	Collector *collector.Collector
}

// longRunningSubresources are exempt from the request timeout: streams and upgrades
// must run as long as the caller wants.
var longRunningSubresources = sets.NewString("proxy", "exec", "attach", "log", "portforward")

// LongRunningFunc reports which requests the server must not time out: watches and
// every request through a proxy subresource (which may be a watch, logs -f, exec,
// attach or port-forward on the member).
var LongRunningFunc request.LongRunningRequestCheck = genericfilters.BasicLongRunningRequestCheck(
	sets.NewString("watch", "proxy"), longRunningSubresources)

// Complete fills in the defaults.
func (c *Config) Complete() CompletedConfig {
	c.GenericConfig.LongRunningFunc = LongRunningFunc
	return CompletedConfig{&completedConfig{GenericConfig: c.GenericConfig.Complete(), ExtraConfig: &c.ExtraConfig}}
}

// New builds the server and installs the cluster.karmada.io and search.karmada.io API groups.
func (c CompletedConfig) New() (*Server, error) {
	generic, err := c.GenericConfig.New("fleetplane-proxy", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	if c.GenericConfig.EnableMetrics {
		installMetrics(generic.Handler.NonGoRestfulMux, c.GenericConfig.EnableProfiling)
	}
	storage, err := clusterregistry.NewStorage(Scheme, c.GenericConfig.RESTOptionsGetter)
	if err != nil {
		return nil, fmt.Errorf("cluster storage: %w", err)
	}
	cp := &proxy.ClusterProxy{
		Clusters: clusterregistry.Getter{Store: storage.Cluster},
		Secrets:  c.ExtraConfig.Secrets,
		Pool:     c.ExtraConfig.Pool,
		Groups:   c.ExtraConfig.Groups,
	}
	if authz := c.GenericConfig.Authorization.Authorizer; authz != nil {
		cp.Authorizer = authz
	}
	group := genericapiserver.NewDefaultAPIGroupInfo(clusterv1alpha1.GroupName, Scheme, ParameterCodec, Codecs)
	group.VersionedResourcesStorageMap[clusterv1alpha1.SchemeGroupVersion.Version] = map[string]rest.Storage{
		"clusters":        storage.Cluster,
		"clusters/status": storage.Status,
		"clusters/proxy":  &clusterregistry.ProxyREST{Proxy: cp},
	}
	if err := generic.InstallAPIGroup(&group); err != nil {
		return nil, err
	}
	sc := c.ExtraConfig.Search
	lister := clusterregistry.Lister{Store: storage.Cluster}
	globalProxy := &global.Handler{Clusters: lister, Members: cp, Concurrency: sc.MemberConcurrency, ClusterTimeout: sc.MemberTimeout}
	members := &memberClients{clusters: cp.Clusters, secrets: c.ExtraConfig.Secrets, clients: map[string]*memberClient{}}
	objects := cache.New(cache.Options{MaxObjects: sc.CacheMaxObjects, MaxBytes: sc.CacheMaxBytes})
	access := memberaccess.NewChecker(members, reviewIdentity(cp), sc.AccessDecisions, sc.AccessTTL)
	if authz := c.GenericConfig.Authorization.Authorizer; authz != nil {
		access.Gate = proxyGate(authz)
	}
	globalProxy.Namespaces = namespaceAccess{members: members, access: access}
	searcher := &search.Handler{Cache: objects, Global: globalProxy, Access: access}
	searchGroup, err := newSearchGroup(c.GenericConfig.RESTOptionsGetter, map[string]rest.Storage{
		"proxying": fleetview.NewProxying(globalProxy),
		"search":   fleetview.NewSearch(searcher),
	})
	if err != nil {
		return nil, err
	}
	if err := generic.InstallAPIGroup(searchGroup); err != nil {
		return nil, err
	}
	registries := resourceRegistryStorage(searchGroup)
	collect := &collector.Collector{
		Cache:       objects,
		Registries:  registryStore{storage: registries},
		Clusters:    lister,
		Credentials: members,
		Interval:    sc.CollectInterval,
	}
	return &Server{GenericAPIServer: generic, ClusterProxy: cp, ResourceRegistries: registries, Collector: collect}, nil
}
