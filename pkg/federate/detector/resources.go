package detector

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// ignoredGroups are API groups whose objects are never resource templates: the
// system's own APIs and the control plane's machinery.
var ignoredGroups = sets.New(
	"cluster.karmada.io", "policy.karmada.io", "work.karmada.io", "search.karmada.io", "config.karmada.io",
	"apiregistration.k8s.io", "coordination.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io",
	"authentication.k8s.io", "authorization.k8s.io", "certificates.k8s.io", "admissionregistration.k8s.io",
	"internal.apiserver.k8s.io", "storagemigration.k8s.io", "resource.k8s.io", "kwok.x-k8s.io",
)

// ignoredCoreResources are core resources that are not templates.
var ignoredCoreResources = sets.New("events", "bindings", "componentstatuses", "nodes", "endpoints")

// TemplateKey identifies a resource template.
type TemplateKey struct {
	GVR       schema.GroupVersionResource
	Namespace string
	Name      string
}

// Resources runs an informer for every listable resource type of the control
// plane, rediscovering types (CRDs) periodically, and reports template events.
type Resources struct {
	discovery discovery.DiscoveryInterface
	factory   dynamicinformer.DynamicSharedInformerFactory
	onEvent   func(TemplateKey)
	// listeners also hear every event; they are added before Run.
	listeners []func(TemplateKey)
	// rediscover asks Run for an early discovery: a CRD changed.
	rediscover chan struct{}

	mu sync.RWMutex
	// gvks maps each watched kind to its resource and scope.
	gvks    map[schema.GroupVersionKind]Resource
	watched sets.Set[schema.GroupVersionResource]
}

// Resource is a watched resource type.
type Resource struct {
	GVR        schema.GroupVersionResource
	Namespaced bool
}

// NewResources returns a watcher that calls onEvent for every add, update and delete.
func NewResources(d discovery.DiscoveryInterface, client dynamic.Interface, onEvent func(TemplateKey)) *Resources {
	return &Resources{
		discovery:  d,
		factory:    dynamicinformer.NewDynamicSharedInformerFactory(client, 0),
		onEvent:    onEvent,
		gvks:       map[schema.GroupVersionKind]Resource{},
		watched:    sets.New[schema.GroupVersionResource](),
		rediscover: make(chan struct{}, 1),
	}
}

// Run discovers resource types until ctx is done, starting informers for new ones.
func (r *Resources) Run(ctx context.Context, every time.Duration) {
	for {
		r.discover(ctx)
		select {
		case <-ctx.Done():
			r.factory.Shutdown()
			return
		case <-time.After(every):
		case <-r.rediscover:
			// A CRD changed: give the apiserver a moment to serve its new type.
			time.Sleep(time.Second)
		}
	}
}

// WaitForSync waits until the informers started so far have listed their objects.
func (r *Resources) WaitForSync(ctx context.Context) {
	r.factory.WaitForCacheSync(ctx.Done())
}

func (r *Resources) discover(ctx context.Context) {
	lists, err := r.discovery.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		klog.FromContext(ctx).Error(err, "discovering resource types")
		return
	}
	var added []schema.GroupVersionResource
	r.mu.Lock()
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil || ignoredGroups.Has(gv.Group) {
			continue
		}
		for _, res := range list.APIResources {
			if strings.Contains(res.Name, "/") || !slices.Contains(res.Verbs, "list") || !slices.Contains(res.Verbs, "watch") {
				continue
			}
			if gv.Group == "" && ignoredCoreResources.Has(res.Name) {
				continue
			}
			gvr := gv.WithResource(res.Name)
			r.gvks[gv.WithKind(res.Kind)] = Resource{GVR: gvr, Namespaced: res.Namespaced}
			if !r.watched.Has(gvr) {
				r.watched.Insert(gvr)
				added = append(added, gvr)
			}
		}
	}
	r.mu.Unlock()
	for _, gvr := range added {
		informer := r.factory.ForResource(gvr).Informer()
		_, _ = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: func(obj any) { r.report(gvr, obj) },
			UpdateFunc: func(old, obj any) {
				if specChanged(old, obj) {
					r.report(gvr, obj)
				}
			},
			DeleteFunc: func(obj any) { r.report(gvr, obj) },
		})
	}
	if len(added) > 0 {
		r.factory.Start(ctx.Done())
	}
}

func (r *Resources) report(gvr schema.GroupVersionResource, obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	key := TemplateKey{GVR: gvr, Namespace: u.GetNamespace(), Name: u.GetName()}
	if gvr.Group == "apiextensions.k8s.io" && gvr.Resource == "customresourcedefinitions" {
		select {
		case r.rediscover <- struct{}{}:
		default:
		}
	}
	r.onEvent(key)
	for _, l := range r.listeners {
		l(key)
	}
}

// AddListener makes f hear every template event too. Call it before Run.
func (r *Resources) AddListener(f func(TemplateKey)) { r.listeners = append(r.listeners, f) }

// Get returns a template from the informer cache.
func (r *Resources) Get(key TemplateKey) (*unstructured.Unstructured, bool) {
	r.mu.RLock()
	watched := r.watched.Has(key.GVR)
	r.mu.RUnlock()
	if !watched {
		return nil, false
	}
	lister := r.factory.ForResource(key.GVR).Lister()
	var obj any
	var err error
	if key.Namespace != "" {
		obj, err = lister.ByNamespace(key.Namespace).Get(key.Name)
	} else {
		obj, err = lister.Get(key.Name)
	}
	if err != nil {
		return nil, false
	}
	return obj.(*unstructured.Unstructured), true
}

// ResourceFor returns the watched resource of a kind.
func (r *Resources) ResourceFor(gvk schema.GroupVersionKind) (Resource, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	res, ok := r.gvks[gvk]
	return res, ok
}

// List returns the cached templates of a kind, in one namespace or all ("").
func (r *Resources) List(gvk schema.GroupVersionKind, namespace string) []*unstructured.Unstructured {
	res, ok := r.ResourceFor(gvk)
	if !ok {
		return nil
	}
	lister := r.factory.ForResource(res.GVR).Lister()
	var objs []runtime.Object
	var err error
	if namespace != "" && res.Namespaced {
		objs, err = lister.ByNamespace(namespace).List(everything)
	} else {
		objs, err = lister.List(everything)
	}
	if err != nil {
		return nil
	}
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*unstructured.Unstructured))
	}
	return out
}

var everything = labels.Everything()

// Template returns a cached template by kind, or false when it is not (yet) cached.
func (r *Resources) Template(gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, bool) {
	res, ok := r.ResourceFor(gvk)
	if !ok {
		return nil, false
	}
	if !res.Namespaced {
		namespace = ""
	}
	return r.Get(TemplateKey{GVR: res.GVR, Namespace: namespace, Name: name})
}

// specChanged filters out status-only updates of objects that have a generation: a
// template's status is written back by the controllers themselves and must not
// re-drive its binding.
func specChanged(old, obj any) bool {
	o, okO := old.(*unstructured.Unstructured)
	n, okN := obj.(*unstructured.Unstructured)
	if !okO || !okN || n.GetGeneration() == 0 {
		return true
	}
	return o.GetGeneration() != n.GetGeneration() || n.GetDeletionTimestamp() != nil ||
		!maps.Equal(o.GetLabels(), n.GetLabels()) || !maps.Equal(o.GetAnnotations(), n.GetAnnotations())
}
