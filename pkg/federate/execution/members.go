package execution

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/auth/membercreds"
	"github.com/fleetplane/fleetplane/pkg/federate/coalesce"
)

// errNotStarted means a member was asked for before the controller started.
var errNotStarted = errors.New("member connections are not started yet")

// connectFunc builds the clients of a member from its REST configuration.
type connectFunc func(cfg *rest.Config) (dynamic.Interface, meta.ResettableRESTMapper, error)

// connect builds a dynamic client and a lazily filled, discovery-based RESTMapper
// that share one HTTP client.
func connect(cfg *rest.Config) (dynamic.Interface, meta.ResettableRESTMapper, error) {
	cfg = rest.CopyConfig(cfg)
	// This controller writes for every Work of the member; the credentials'
	// default budget is sized for health probes.
	cfg.QPS, cfg.Burst = 100, 200
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, nil, err
	}
	dyn, err := dynamic.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, nil, err
	}
	// Discovery runs inside RESTMapper calls, which take no context; a timeout
	// keeps a member that stopped answering from holding a worker.
	discoveryCfg := rest.CopyConfig(cfg)
	discoveryCfg.Timeout = memberTimeout
	disc, err := discovery.NewDiscoveryClientForConfig(discoveryCfg)
	if err != nil {
		return nil, nil, err
	}
	return dyn, restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)), nil
}

// members holds one connection per member cluster. It is also the controller's
// source of member events: the controller starts it before any reconcile, handing
// it the queue that member informers feed and the context they run under.
type members struct {
	connect connectFunc
	// recheck is how long a connection is trusted before its credentials are
	// compared with the Secret again.
	recheck time.Duration
	// burst merges the events of one Work's objects that arrive together, such
	// as the status steps of a Deployment starting its pods.
	burst *coalesce.Window[reconcile.Request]

	mu     sync.Mutex
	base   context.Context
	queue  workqueue.TypedRateLimitingInterface[reconcile.Request]
	byName map[string]*member
}

var _ source.TypedSource[reconcile.Request] = &members{}

func newMembers(connect connectFunc, recheck time.Duration) *members {
	return &members{connect: connect, recheck: recheck, byName: map[string]*member{},
		burst: coalesce.NewWindow[reconcile.Request](memberEventWindow, maxEventWindow)}
}

// Start implements source.Source. It records the queue and context, and stops
// every member's informers when ctx is done.
func (ms *members) Start(ctx context.Context, queue workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.base, ms.queue = ctx, queue
	go func() {
		<-ctx.Done()
		ms.mu.Lock()
		defer ms.mu.Unlock()
		for name, m := range ms.byName {
			m.close()
			delete(ms.byName, name)
		}
	}()
	return nil
}

func (ms *members) String() string { return "member clusters" }

// get returns the connection to a cluster. The Secret is read again when the
// connection is older than recheck, when the Cluster changed or when a member
// request was refused for its credentials; the connection is rebuilt, and its
// informers restarted, only when the credentials or the endpoint changed.
func (ms *members) get(ctx context.Context, secrets client.Reader, c *clusterv1alpha1.Cluster) (*member, error) {
	ms.mu.Lock()
	if ms.base == nil {
		ms.mu.Unlock()
		return nil, errNotStarted
	}
	m := ms.byName[c.Name]
	if m != nil && m.generation == c.Generation && !m.stale.Load() && time.Since(m.checked) < ms.recheck {
		ms.mu.Unlock()
		return m, nil
	}
	ms.mu.Unlock()

	secret, err := membercreds.Read(ctx, secrets, c)
	if err != nil {
		return nil, err
	}
	fingerprint := membercreds.Fingerprint(c, secret)

	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m := ms.byName[c.Name]; m != nil {
		if m.fingerprint == fingerprint {
			m.generation, m.checked = c.Generation, time.Now()
			m.stale.Store(false)
			return m, nil
		}
		m.close()
		delete(ms.byName, c.Name)
	}
	cfg, err := membercreds.RESTConfig(c, secret)
	if err != nil {
		return nil, err
	}
	dyn, mapper, err := ms.connect(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the client of cluster %s: %w", c.Name, err)
	}
	m = newMember(ms.base, c.Name, dyn, mapper, ms.enqueue)
	m.fingerprint, m.generation, m.checked = fingerprint, c.Generation, time.Now()
	ms.byName[c.Name] = m
	return m, nil
}

// forget drops the connection to a cluster and stops its informers.
func (ms *members) forget(name string) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if m, ok := ms.byName[name]; ok {
		m.close()
		delete(ms.byName, name)
	}
}

// enqueue asks for a Work to be reconciled.
func (ms *members) enqueue(work types.NamespacedName) {
	ms.mu.Lock()
	queue := ms.queue
	ms.mu.Unlock()
	if queue != nil {
		ms.burst.Add(queue, reconcile.Request{NamespacedName: work})
	}
}

// markStaleOnAuthError makes the next get re-read the credentials when err says
// the member refused them.
func markStaleOnAuthError(m *member, err error) {
	if apierrors.IsUnauthorized(err) {
		m.stale.Store(true)
	}
}
