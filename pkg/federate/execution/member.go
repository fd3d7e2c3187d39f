package execution

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// syncWait bounds how long a lookup waits for a just-started informer to list
// before it asks the member directly.
const syncWait = 5 * time.Second

// objectKey names one object in a member cluster.
type objectKey struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
}

// appliedState remembers the last apply of an object, so that a member event
// that an apply would not change (a status update, our own write coming back) does
// not cause one.
type appliedState struct {
	work types.NamespacedName
	// hash identifies the applied intent.
	hash string
	// resourceVersion and generation are the object's right after the apply.
	resourceVersion string
	generation      int64
}

// member is the connection to one member cluster: a dynamic client, a
// RESTMapper, and one informer per applied resource type, each watching only the
// objects the controllers manage.
type member struct {
	cluster     string
	fingerprint string
	generation  int64     // of the Cluster the connection was built or checked for
	checked     time.Time // when the credentials were last compared
	stale       atomic.Bool

	dynamic dynamic.Interface
	mapper  meta.ResettableRESTMapper
	factory dynamicinformer.DynamicSharedInformerFactory
	ctx     context.Context
	stop    context.CancelFunc
	enqueue func(types.NamespacedName)

	mu         sync.Mutex
	informers  map[schema.GroupVersionResource]*watched
	applied    map[objectKey]appliedState
	namespaces map[string]*unstructured.Unstructured // namespaces known to exist
}

func newMember(base context.Context, cluster string, dyn dynamic.Interface, mapper meta.ResettableRESTMapper,
	enqueue func(types.NamespacedName)) *member {
	ctx, stop := context.WithCancel(base)
	managed := func(o *metav1.ListOptions) { o.LabelSelector = naming.ManagedByLabel + "=true" }
	return &member{
		cluster: cluster, dynamic: dyn, mapper: mapper, ctx: ctx, stop: stop, enqueue: enqueue,
		factory:    dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, metav1.NamespaceAll, managed),
		informers:  map[schema.GroupVersionResource]*watched{},
		applied:    map[objectKey]appliedState{},
		namespaces: map[string]*unstructured.Unstructured{},
	}
}

func (m *member) close() { m.stop() }

// mapping returns the REST mapping of a kind, rediscovering the member's APIs
// once when the kind is unknown (a CRD installed since the last discovery).
func (m *member) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	mapping, err := m.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		m.mapper.Reset()
		mapping, err = m.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		markStaleOnAuthError(m, err)
		return nil, fmt.Errorf("mapping %s on cluster %s: %w", gvk, m.cluster, err)
	}
	return mapping, nil
}

// resource returns the client of a resource, scoped to namespace when set.
func (m *member) resource(gvr schema.GroupVersionResource, namespace string) dynamic.ResourceInterface {
	if namespace == "" {
		return m.dynamic.Resource(gvr)
	}
	return m.dynamic.Resource(gvr).Namespace(namespace)
}

// watched is the informer of one resource of a member.
type watched struct {
	informer cache.SharedIndexInformer
	started  time.Time
	// failed is closed when a list or watch first fails: lookups stop waiting
	// for the informer and ask the member directly.
	failed     chan struct{}
	failedOnce sync.Once
}

// informer returns the informer of a resource, starting it on first use.
func (m *member) informer(gvr schema.GroupVersionResource) *watched {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w, ok := m.informers[gvr]; ok {
		return w
	}
	inf := m.factory.ForResource(gvr).Informer()
	w := &watched{informer: inf, started: time.Now(), failed: make(chan struct{})}
	// These only fail on an informer that already runs.
	_ = inf.SetTransform(dropManagedFields)
	_ = inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *cache.Reflector, err error) {
		w.failedOnce.Do(func() { close(w.failed) })
		markStaleOnAuthError(m, err)
		cache.DefaultWatchErrorHandler(ctx, r, err)
	})
	onEvent := func(obj any) { m.onEvent(gvr, obj) }
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onEvent,
		UpdateFunc: func(oldObj, newObj any) {
			if o, ok := oldObj.(*unstructured.Unstructured); ok {
				if n, ok := newObj.(*unstructured.Unstructured); ok && o.GetResourceVersion() == n.GetResourceVersion() {
					return
				}
			}
			onEvent(newObj)
		},
		DeleteFunc: onEvent,
	})
	m.informers[gvr] = w
	m.factory.Start(m.ctx.Done())
	return w
}

// onEvent enqueues the Work that applied a member object. An object that lost
// our labels (it leaves the informer's selection with a delete event showing its
// new labels) is traced back through the last apply.
func (m *member) onEvent(gvr schema.GroupVersionResource, obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	work, ok := workOf(u)
	if !ok {
		last, applied := m.lastApplied(objectKey{gvr: gvr, namespace: u.GetNamespace(), name: u.GetName()})
		work, ok = last.work, applied
	}
	if ok && work.Namespace == naming.ExecutionNamespace(m.cluster) {
		m.enqueue(work)
	}
}

// cached returns an object from the informer cache. synced is false when the
// informer has not listed yet, and the cache cannot answer; a just-started
// informer is given up to syncWait to list. A nil object from a synced cache means
// no managed object has that name.
func (m *member) cached(ctx context.Context, key objectKey) (obj *unstructured.Unstructured, synced bool) {
	w := m.informer(key.gvr)
	inf := w.informer
	if !inf.HasSynced() {
		wait := syncWait - time.Since(w.started)
		if wait <= 0 || isClosed(w.failed) {
			return nil, false
		}
		timer := time.NewTimer(wait)
		defer timer.Stop()
		// The checker's channel closes the moment the list is in; polling
		// (cache.WaitForCacheSync) would add up to 100ms to a first apply.
		select {
		case <-inf.HasSyncedChecker().Done():
		case <-timer.C:
			return nil, false
		case <-w.failed:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
	storeKey := key.name
	if key.namespace != "" {
		storeKey = key.namespace + "/" + key.name
	}
	item, exists, err := inf.GetStore().GetByKey(storeKey)
	if err != nil || !exists {
		return nil, true
	}
	u, ok := item.(*unstructured.Unstructured)
	if !ok {
		return nil, true
	}
	return u, true
}

// get reads an object from the member; it returns nil when there is none.
func (m *member) get(ctx context.Context, key objectKey) (*unstructured.Unstructured, error) {
	obj, err := m.resource(key.gvr, key.namespace).Get(ctx, key.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		markStaleOnAuthError(m, err)
		return nil, err
	}
	return obj, nil
}

func (m *member) lastApplied(key objectKey) (appliedState, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.applied[key]
	return s, ok
}

func (m *member) recordApplied(key objectKey, s appliedState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applied[key] = s
}

func (m *member) forgetApplied(key objectKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.applied, key)
}

func (m *member) knownNamespace(name string) (*unstructured.Unstructured, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ns, ok := m.namespaces[name]
	return ns, ok
}

func (m *member) rememberNamespace(name string, ns *unstructured.Unstructured) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ns == nil {
		delete(m.namespaces, name)
		return
	}
	m.namespaces[name] = ns
}

// workOf returns the Work a member object's labels point at.
func workOf(obj metav1.Object) (types.NamespacedName, bool) {
	labels := obj.GetLabels()
	ns, name := labels[naming.WorkNamespaceLabel], labels[naming.WorkNameLabel]
	if ns == "" || name == "" {
		return types.NamespacedName{}, false
	}
	return types.NamespacedName{Namespace: ns, Name: name}, true
}

// dropManagedFields keeps managed fields out of the informer caches: nothing here
// reads them and they can make up a large part of an object.
func dropManagedFields(obj any) (any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		if md, ok := u.Object["metadata"].(map[string]any); ok {
			if _, ok := md["managedFields"]; ok {
				delete(md, "managedFields")
			}
		}
	}
	return obj, nil
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
