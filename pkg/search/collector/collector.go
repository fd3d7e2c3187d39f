package collector

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/clusteraffinity"
	"github.com/fleetplane/fleetplane/pkg/search/cache"
)

// Registries reads ResourceRegistries and writes their status.
type Registries interface {
	ListRegistries(ctx context.Context) ([]searchv1alpha1.ResourceRegistry, error)
	UpdateStatus(ctx context.Context, r *searchv1alpha1.ResourceRegistry) error
}

// Clusters lists the member clusters.
type Clusters interface {
	ListClusters(ctx context.Context) ([]clusterv1alpha1.Cluster, error)
}

// Credentials returns the client configuration of a cluster's own credentials
// and a fingerprint that changes with them.
type Credentials interface {
	Config(ctx context.Context, c *clusterv1alpha1.Cluster) (cfg *rest.Config, fingerprint string, err error)
}

// Collector keeps one reflector per shard the registries ask for.
type Collector struct {
	Cache       *cache.Cache
	Registries  Registries
	Clusters    Clusters
	Credentials Credentials
	// Interval is how often the registries and clusters are compared with what runs.
	Interval time.Duration

	running map[shardID]*reflector
	members map[string]*member
}

type shardID struct {
	cluster string
	gvr     schema.GroupVersionResource
}

// shardSpec is a shard the registries ask for.
type shardSpec struct {
	kind, namespace string
	cluster         *clusterv1alpha1.Cluster
}

// reflector is a running reflector.
type reflector struct {
	spec        shardSpec
	fingerprint string
	shard       *cache.Shard
	stop        context.CancelFunc
}

// member is what the collector keeps per cluster: clients and a mapper from
// kinds to the member's resources, built from its discovery.
type member struct {
	fingerprint string
	dynamic     dynamic.Interface
	mapper      *restmapper.DeferredDiscoveryRESTMapper
	// rediscovered is when the mapper last dropped its discovery to look for a
	// kind it did not know; a kind the member does not serve must not cost a
	// full discovery on every sync.
	rediscovered time.Time
}

// rediscoverEvery bounds how often a member's discovery is read again for kinds
// it did not serve.
const rediscoverEvery = 30 * time.Second

// Run reconciles every Interval until ctx is done, then stops every reflector.
func (c *Collector) Run(ctx context.Context) {
	c.running = map[shardID]*reflector{}
	c.members = map[string]*member{}
	defer func() {
		for id, r := range c.running {
			r.stop()
			c.Cache.RemoveShard(id.cluster, id.gvr)
		}
	}()
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		if err := c.sync(ctx); err != nil {
			klog.FromContext(ctx).Error(err, "syncing the search cache with the resource registries")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sync starts the reflectors the registries ask for, stops those they no
// longer ask for and updates every registry's status.
func (c *Collector) sync(ctx context.Context) error {
	registries, err := c.Registries.ListRegistries(ctx)
	if err != nil {
		return err
	}
	clusters, err := c.Clusters.ListClusters(ctx)
	if err != nil {
		return err
	}
	// Forget the clients of clusters that are gone.
	for name := range c.members {
		if !slices.ContainsFunc(clusters, func(cl clusterv1alpha1.Cluster) bool { return cl.Name == name }) {
			delete(c.members, name)
		}
	}
	desired := map[shardID]shardSpec{}
	shardsOf := map[string][]shardID{}
	problems := map[string][]string{}
	for i := range registries {
		r := &registries[i]
		matcher, err := clusteraffinity.New(policyAffinity(r.Spec.TargetCluster))
		if err != nil {
			problems[r.Name] = append(problems[r.Name], fmt.Sprintf("spec.targetCluster: %v", err))
			continue
		}
		for j := range clusters {
			cl := &clusters[j]
			if !matcher.Matches(cl) {
				continue
			}
			m, err := c.member(ctx, cl)
			if err != nil {
				problems[r.Name] = append(problems[r.Name], fmt.Sprintf("cluster %s: %v", cl.Name, err))
				continue
			}
			for _, sel := range r.Spec.ResourceSelectors {
				gvr, namespaced, err := m.resource(sel)
				if err != nil {
					problems[r.Name] = append(problems[r.Name], fmt.Sprintf("cluster %s: %v", cl.Name, err))
					continue
				}
				ns := sel.Namespace
				if !namespaced {
					ns = ""
				}
				id := shardID{cluster: cl.Name, gvr: gvr}
				if have, ok := desired[id]; ok && have.namespace != ns {
					// Two registries ask for different namespaces of one type: cache all.
					ns = ""
				}
				desired[id] = shardSpec{kind: sel.Kind, namespace: ns, cluster: cl}
				shardsOf[r.Name] = append(shardsOf[r.Name], id)
			}
		}
	}
	c.reconcile(ctx, desired)
	for i := range registries {
		r := &registries[i]
		if err := c.updateStatus(ctx, r, shardsOf[r.Name], problems[r.Name]); err != nil {
			klog.FromContext(ctx).V(2).Info("updating a resource registry's status", "registry", r.Name, "err", err)
		}
	}
	return nil
}

// reconcile makes the running reflectors those of desired.
func (c *Collector) reconcile(ctx context.Context, desired map[shardID]shardSpec) {
	for id, r := range c.running {
		spec, ok := desired[id]
		if m := c.members[id.cluster]; ok && spec.namespace == r.spec.namespace && m != nil && m.fingerprint == r.fingerprint {
			continue
		}
		r.stop()
		c.Cache.RemoveShard(id.cluster, id.gvr)
		delete(c.running, id)
	}
	for _, id := range slices.SortedFunc(maps.Keys(desired), func(a, b shardID) int {
		return strings.Compare(a.cluster+"/"+a.gvr.String(), b.cluster+"/"+b.gvr.String())
	}) {
		if _, ok := c.running[id]; ok {
			continue
		}
		spec := desired[id]
		m := c.members[id.cluster]
		shard := c.Cache.Shard(id.cluster, id.gvr, spec.kind, spec.namespace)
		rctx, stop := context.WithCancel(ctx)
		client := m.dynamic.Resource(id.gvr).Namespace(spec.namespace)
		lw := &toolscache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return client.List(ctx, o)
			},
			WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return client.Watch(ctx, o)
			},
		}
		r := toolscache.NewReflectorWithOptions(lw, &unstructured.Unstructured{}, shard, toolscache.ReflectorOptions{
			Name: fmt.Sprintf("search cache %s %s", id.cluster, id.gvr),
		})
		go r.RunWithContext(rctx)
		c.running[id] = &reflector{spec: spec, fingerprint: m.fingerprint, shard: shard, stop: stop}
	}
}

// member returns the clients of a cluster, rebuilt when its credentials change.
func (c *Collector) member(ctx context.Context, cl *clusterv1alpha1.Cluster) (*member, error) {
	cfg, fp, err := c.Credentials.Config(ctx, cl)
	if err != nil {
		return nil, err
	}
	if m, ok := c.members[cl.Name]; ok && m.fingerprint == fp {
		return m, nil
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 50, 100
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	m := &member{fingerprint: fp, dynamic: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))}
	c.members[cl.Name] = m
	return m, nil
}

// resource maps a selector's kind to the member's resource.
func (m *member) resource(sel searchv1alpha1.ResourceSelector) (schema.GroupVersionResource, bool, error) {
	gv, err := schema.ParseGroupVersion(sel.APIVersion)
	if err != nil {
		return schema.GroupVersionResource{}, false, err
	}
	gk := schema.GroupKind{Group: gv.Group, Kind: sel.Kind}
	mapping, err := m.mapper.RESTMapping(gk, gv.Version)
	if err != nil && time.Since(m.rediscovered) > rediscoverEvery {
		// The type may have been installed since discovery was cached.
		m.rediscovered = time.Now()
		m.mapper.Reset()
		mapping, err = m.mapper.RESTMapping(gk, gv.Version)
	}
	if err != nil {
		return schema.GroupVersionResource{}, false, fmt.Errorf("does not serve %s %s", sel.APIVersion, sel.Kind)
	}
	return mapping.Resource, mapping.Scope.Name() == apimeta.RESTScopeNameNamespace, nil
}

// policyAffinity reads a registry's target as the propagation policies' cluster
// affinity, which has the same fields and meaning.
func policyAffinity(a searchv1alpha1.ClusterAffinity) *policyv1alpha1.ClusterAffinity {
	out := &policyv1alpha1.ClusterAffinity{
		LabelSelector:   a.LabelSelector,
		ClusterNames:    a.ClusterNames,
		ExcludeClusters: a.ExcludeClusters,
	}
	if a.FieldSelector != nil {
		out.FieldSelector = &policyv1alpha1.FieldSelector{MatchExpressions: a.FieldSelector.MatchExpressions}
	}
	return out
}
