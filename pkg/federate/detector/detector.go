package detector

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// Detector claims templates for policies and keeps their bindings.
type Detector struct {
	client    client.Client
	cache     ctrlcache.Cache
	dynamic   dynamic.Interface
	recorder  record.EventRecorder
	resources *Resources
	queue     workqueue.TypedRateLimitingInterface[TemplateKey]
	workers   int
}

var _ manager.Runnable = &Detector{}

// New returns a detector for the manager's cluster; add it with mgr.Add.
func New(mgr ctrl.Manager) (*Detector, error) {
	d, err := discovery.NewDiscoveryClientForConfig(mgr.GetConfig())
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(mgr.GetConfig())
	if err != nil {
		return nil, err
	}
	det := &Detector{
		client:   mgr.GetClient(),
		cache:    mgr.GetCache(),
		dynamic:  dyn,
		recorder: mgr.GetEventRecorderFor("resource-detector"),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[TemplateKey](5*time.Millisecond, 30*time.Second),
			workqueue.TypedRateLimitingQueueConfig[TemplateKey]{Name: "resource-detector"}),
		workers: 8,
	}
	det.resources = NewResources(d, dyn, det.queue.Add)
	return det, nil
}

// Resources is the detector's cache of templates, which other controllers share.
func (d *Detector) Resources() *Resources { return d.resources }

// Start runs the detector until ctx is done. It runs only on the leader.
func (d *Detector) Start(ctx context.Context) error {
	log := klog.FromContext(ctx).WithName("resource-detector")
	ctx = klog.NewContext(ctx, log)
	defer d.queue.ShutDown()
	if err := d.watchPolicies(ctx); err != nil {
		return err
	}
	go d.resources.Run(ctx, 30*time.Second)
	for range d.workers {
		go d.work(ctx)
	}
	<-ctx.Done()
	return nil
}

// watchPolicies re-drives the templates a policy may select, before and after each
// change, so that edits and deletions of policies re-drive their bindings.
func (d *Detector) watchPolicies(ctx context.Context) error {
	selectorsOf := func(obj any) (string, []policyv1alpha1.ResourceSelector) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		switch p := obj.(type) {
		case *policyv1alpha1.PropagationPolicy:
			return p.Namespace, p.Spec.ResourceSelectors
		case *policyv1alpha1.ClusterPropagationPolicy:
			return "", p.Spec.ResourceSelectors
		}
		return "", nil
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { d.EnqueueSelected(selectorsOf(obj)) },
		UpdateFunc: func(old, obj any) {
			d.EnqueueSelected(selectorsOf(old))
			d.EnqueueSelected(selectorsOf(obj))
		},
		DeleteFunc: func(obj any) { d.EnqueueSelected(selectorsOf(obj)) },
	}
	for _, obj := range []client.Object{&policyv1alpha1.PropagationPolicy{}, &policyv1alpha1.ClusterPropagationPolicy{}} {
		informer, err := d.cache.GetInformer(ctx, obj)
		if err != nil {
			return fmt.Errorf("watching %T: %w", obj, err)
		}
		if _, err := informer.AddEventHandler(handler); err != nil {
			return err
		}
	}
	return nil
}

func (d *Detector) work(ctx context.Context) {
	for {
		key, shutdown := d.queue.Get()
		if shutdown {
			return
		}
		if err := d.reconcile(ctx, key); err != nil {
			klog.FromContext(ctx).V(2).Info("requeue", "template", key, "err", err)
			d.queue.AddRateLimited(key)
		} else {
			d.queue.Forget(key)
		}
		d.queue.Done(key)
	}
}

// EnqueueSelected queues every cached template that a policy's selectors may match.
func (d *Detector) EnqueueSelected(namespace string, selectors []policyv1alpha1.ResourceSelector) {
	for _, s := range selectors {
		gv, err := schema.ParseGroupVersion(s.APIVersion)
		if err != nil {
			continue
		}
		ns := namespace
		if ns == "" {
			ns = s.Namespace
		}
		res, ok := d.resources.ResourceFor(gv.WithKind(s.Kind))
		if !ok {
			continue
		}
		for _, obj := range d.resources.List(gv.WithKind(s.Kind), ns) {
			if s.Name == "" || s.Name == obj.GetName() {
				d.queue.Add(TemplateKey{GVR: res.GVR, Namespace: obj.GetNamespace(), Name: obj.GetName()})
			}
		}
	}
}

func templateRef(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return fmt.Sprintf("%s %s", obj.GetKind(), obj.GetName())
	}
	return fmt.Sprintf("%s %s/%s", obj.GetKind(), obj.GetNamespace(), obj.GetName())
}
