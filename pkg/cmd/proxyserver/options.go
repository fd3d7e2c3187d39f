package proxyserver

import (
	"fmt"
	"net"
	"time"

	"github.com/spf13/pflag"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	basecompatibility "k8s.io/component-base/compatibility"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/apis/openapi"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/apiserver"
	"github.com/fleetplane/fleetplane/pkg/auth/unifiedauth"
	"github.com/fleetplane/fleetplane/pkg/proxy"
)

// etcdPrefix is where clusters and resource registries live in etcd, as in Karmada:
// beside, never inside, kube-apiserver's own keys.
const etcdPrefix = "/registry"

// Options are the flags of the proxy command.
type Options struct {
	Recommended *genericoptions.RecommendedOptions
	Controllers ControllerOptions
	// MemberDialTimeout bounds how long connecting to a member may take.
	MemberDialTimeout time.Duration
	// SecretNamespace is where cluster credentials live on the control plane.
	SecretNamespace string
	// Search configures the global proxy and the search cache.
	Search apiserver.SearchConfig
}

// ControllerOptions configure the controllers that run beside the server.
type ControllerOptions struct {
	Enabled             bool
	LeaderElect         bool
	LeaderElectionNS    string
	HealthCheckInterval time.Duration
	HealthCheckTimeout  time.Duration
	ClientQPS           float32
	ClientBurst         int
}

// NewOptions returns the defaults.
func NewOptions() *Options {
	o := &Options{
		// The etcd codec stores each served group at its own version.
		Recommended: genericoptions.NewRecommendedOptions(etcdPrefix,
			apiserver.Codecs.LegacyCodec(clusterv1alpha1.SchemeGroupVersion, searchv1alpha1.SchemeGroupVersion)),
		Controllers: ControllerOptions{
			Enabled:             true,
			LeaderElect:         true,
			LeaderElectionNS:    "karmada-system",
			HealthCheckInterval: 10 * time.Second,
			HealthCheckTimeout:  5 * time.Second,
			ClientQPS:           500,
			ClientBurst:         1000,
		},
		MemberDialTimeout: 5 * time.Second,
		SecretNamespace:   "karmada-cluster",
		Search: apiserver.SearchConfig{
			MemberConcurrency: 16,
			MemberTimeout:     10 * time.Second,
			CacheMaxObjects:   1_000_000,
			CacheMaxBytes:     1 << 30,
			AccessDecisions:   10_000,
			AccessTTL:         5 * time.Second,
			CollectInterval:   2 * time.Second,
		},
	}
	// The server has no admission plugins of its own.
	o.Recommended.Admission = nil
	// Every request reaches this server through the control plane's apiserver, whose
	// priority and fairness already admitted it; doing it twice costs CPU on the
	// proxy's hot path and needs flowcontrol objects this server does not own.
	o.Recommended.Features.EnablePriorityAndFairness = false
	return o
}

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.Recommended.AddFlags(fs)
	fs.DurationVar(&o.MemberDialTimeout, "member-dial-timeout", o.MemberDialTimeout,
		"How long connecting to a member cluster may take before the proxy answers 503.")
	fs.StringVar(&o.SecretNamespace, "cluster-secret-namespace", o.SecretNamespace,
		"Namespace of the control plane that holds the members' credentials.")
	fs.IntVar(&o.Search.MemberConcurrency, "member-concurrency", o.Search.MemberConcurrency,
		"How many members one request of the global proxy or the search talks to at once.")
	fs.DurationVar(&o.Search.MemberTimeout, "member-request-timeout", o.Search.MemberTimeout,
		"How long a member may take to answer its part of a merged request before it is left out with a warning (watches and streams excepted).")
	fs.IntVar(&o.Search.CacheMaxObjects, "search-cache-max-objects", o.Search.CacheMaxObjects,
		"Most objects the search cache holds; beyond it the least recently used are evicted and queries of their shards go to the members.")
	fs.Int64Var(&o.Search.CacheMaxBytes, "search-cache-max-bytes", o.Search.CacheMaxBytes,
		"Approximate bound on the bytes of objects the search cache holds.")
	fs.IntVar(&o.Search.AccessDecisions, "search-access-cache-size", o.Search.AccessDecisions,
		"How many members' access decisions (SubjectAccessReviews) are cached.")
	fs.DurationVar(&o.Search.AccessTTL, "search-access-cache-ttl", o.Search.AccessTTL,
		"How long a member's access decision is cached; a revoked permission shows within this time.")
	fs.BoolVar(&o.Controllers.Enabled, "controllers", o.Controllers.Enabled,
		"Run the controllers (cluster status, unified auth) in this process.")
	fs.BoolVar(&o.Controllers.LeaderElect, "leader-elect", o.Controllers.LeaderElect,
		"Elect a leader among replicas with a Lease before running the controllers.")
	fs.StringVar(&o.Controllers.LeaderElectionNS, "leader-elect-namespace", o.Controllers.LeaderElectionNS,
		"Namespace of the leader-election Lease.")
	fs.DurationVar(&o.Controllers.HealthCheckInterval, "cluster-status-update-frequency", o.Controllers.HealthCheckInterval,
		"How often each member is probed; a member that stops answering turns Ready=False within this interval plus the probe timeout.")
	fs.DurationVar(&o.Controllers.HealthCheckTimeout, "cluster-health-timeout", o.Controllers.HealthCheckTimeout,
		"How long one health probe of a member may take.")
	fs.Float32Var(&o.Controllers.ClientQPS, "controllers-kube-api-qps", o.Controllers.ClientQPS,
		"Requests per second the controllers may send to the control plane.")
	fs.IntVar(&o.Controllers.ClientBurst, "controllers-kube-api-burst", o.Controllers.ClientBurst,
		"Burst of requests the controllers may send to the control plane.")
}

// Validate checks the flags.
func (o *Options) Validate() error {
	errs := o.Recommended.Validate()
	if o.Search.MemberConcurrency <= 0 || o.Search.MemberTimeout <= 0 || o.Search.CacheMaxObjects <= 0 || o.Search.CacheMaxBytes <= 0 ||
		o.Search.AccessDecisions <= 0 || o.Search.AccessTTL <= 0 {
		errs = append(errs, fmt.Errorf("--member-concurrency, --member-request-timeout, --search-cache-max-objects, --search-cache-max-bytes, --search-access-cache-size and --search-access-cache-ttl must be positive"))
	}
	if o.MemberDialTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--member-dial-timeout must be positive"))
	}
	if o.Controllers.HealthCheckInterval <= 0 || o.Controllers.HealthCheckTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--cluster-status-update-frequency and --cluster-health-timeout must be positive"))
	}
	return utilerrors.NewAggregate(errs)
}

// Config turns the options into the server configuration, and returns the
// informer factories that a post-start hook must start.
func (o *Options) Config() (*apiserver.Config, []informers.SharedInformerFactory, error) {
	if err := o.Recommended.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		return nil, nil, fmt.Errorf("self-signed serving certificate: %w", err)
	}
	generic := genericapiserver.NewRecommendedConfig(apiserver.Codecs)
	generic.EffectiveVersion = basecompatibility.NewEffectiveVersionFromString("1.37", "", "")
	namer := openapinamer.NewDefinitionNamer(apiserver.OpenAPIScheme)
	generic.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openapi.GetOpenAPIDefinitions, namer)
	generic.OpenAPIConfig.Info.Title = "fleetplane"
	generic.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, namer)
	generic.OpenAPIV3Config.Info.Title = "fleetplane"
	if err := o.Recommended.ApplyTo(generic); err != nil {
		return nil, nil, err
	}
	client, err := kubernetes.NewForConfig(generic.ClientConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("control-plane client: %w", err)
	}
	credentials := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(o.SecretNamespace))
	secrets := NewSecretCache(client, credentials, o.SecretNamespace)
	// Every replica narrows the groups it forwards to those the member's impersonator
	// may impersonate, from the control plane's RBAC; no leader election needed.
	rbac := informers.NewSharedInformerFactory(client, 0)
	groups, err := unifiedauth.NewGroupFilter(rbac)
	if err != nil {
		return nil, nil, err
	}
	cfg := &apiserver.Config{
		GenericConfig: generic,
		ExtraConfig: apiserver.ExtraConfig{
			Secrets: secrets,
			Pool:    proxy.NewTransportPool(o.MemberDialTimeout),
			Groups:  groups.AllowedGroups,
			Search:  o.Search,
		},
	}
	return cfg, []informers.SharedInformerFactory{credentials, rbac}, nil
}
