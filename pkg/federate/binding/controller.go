package binding

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	"github.com/fleetplane/fleetplane/pkg/federate/coalesce"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
	"github.com/fleetplane/fleetplane/pkg/federate/overrides"
)

// Templates reads resource templates from a cache.
type Templates interface {
	Template(gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, bool)
}

// Reconciler keeps the Works of ResourceBindings (or of ClusterResourceBindings).
type Reconciler struct {
	Client    client.Client
	Dynamic   dynamic.Interface
	Templates Templates
	Recorder  record.EventRecorder
	// ClusterScoped selects ClusterResourceBindings.
	ClusterScoped bool
	// dependencyEvents carry changes of ConfigMaps, Secrets, ServiceAccounts and
	// PVCs, which re-render the bindings that propagate their namespace's dependencies.
	dependencyEvents <-chan event.GenericEvent

	// written remembers the status last written to each binding: the cache can
	// still hold the one before, and comparing with it would write twice and
	// record the scheduling Events twice. This reconciler is the status' only writer.
	mu      sync.Mutex
	written map[types.NamespacedName]writtenStatus
	// ownGeneration is the generation each binding's last scheduling patch produced.
	ownGeneration map[types.NamespacedName]ownGeneration
}

type writtenStatus struct {
	uid    types.UID
	status *workv1alpha2.ResourceBindingStatus
	at     time.Time
}

// statusBatch is the shortest time between two status writes of a binding whose
// members have not all applied and become healthy. A Deployment starting on three
// members passes through a handful of such states within a second or two; the
// binding and its template show the first at once, the final one at once, and
// what happens in between at most once per statusBatch.
const statusBatch = 3 * time.Second

// workEventWindow is the shortest time between two reconciles of a binding that
// its Works' changes cause: the Works of several members usually change within a
// few milliseconds of each other, and one status write can cover them all. It
// grows to a second while the controller has a backlog.
const workEventWindow = 50 * time.Millisecond

var _ reconcile.Reconciler = &Reconciler{}

// SetupWithManager registers the reconciler, watching bindings and their Works.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	name := "resourcebinding"
	if r.ClusterScoped {
		name = "clusterresourcebinding"
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(name)
	if r.dependencyEvents != nil {
		b = b.WatchesRawSource(source.Channel(r.dependencyEvents, handler.EnqueueRequestsFromMapFunc(r.bindingsWithDependencies)))
	}
	return b.
		For(newObject(r.ClusterScoped).Object, builder.WithPredicates(r.bindingChanged())).
		Watches(&workv1alpha1.Work{}, coalesce.EnqueueMapped(coalesce.NewWindow[reconcile.Request](workEventWindow, time.Second), r.bindingOfWork),
			builder.WithPredicates(workChanged)).
		Watches(&policyv1alpha1.OverridePolicy{}, handler.EnqueueRequestsFromMapFunc(r.allBindings)).
		Watches(&policyv1alpha1.ClusterOverridePolicy{}, handler.EnqueueRequestsFromMapFunc(r.allBindings)).
		Watches(&clusterv1alpha1.Cluster{}, handler.EnqueueRequestsFromMapFunc(r.allBindings), builder.WithPredicates(clusterChanged)).
		// Reconciles mostly wait on control-plane writes; a burst of new templates
		// needs many in flight to keep the pipeline full.
		WithOptions(controller.Options{MaxConcurrentReconciles: 16}).
		Complete(r)
}

// bindingsWithDependencies are the bindings in an object's namespace that
// propagate dependencies; rendering them again is a no-op unless they use it.
func (r *Reconciler) bindingsWithDependencies(ctx context.Context, obj client.Object) []reconcile.Request {
	var list workv1alpha2.ResourceBindingList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetNamespace())); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		if list.Items[i].Spec.PropagateDeps {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return reqs
}

func (r *Reconciler) bindingOfWork(_ context.Context, obj client.Object) []reconcile.Request {
	a := obj.GetAnnotations()
	if r.ClusterScoped {
		if name := a[naming.ClusterResourceBindingAnnotation]; name != "" {
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
		}
		return nil
	}
	if name := a[naming.ResourceBindingNameAnnotation]; name != "" {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: a[naming.ResourceBindingNamespaceAnnotation], Name: name}}}
	}
	return nil
}

// allBindings re-renders every binding an override policy may touch.
func (r *Reconciler) allBindings(ctx context.Context, obj client.Object) []reconcile.Request {
	var opts []client.ListOption
	if obj.GetNamespace() != "" {
		opts = append(opts, client.InNamespace(obj.GetNamespace()))
	}
	var reqs []reconcile.Request
	if r.ClusterScoped {
		var list workv1alpha2.ClusterResourceBindingList
		if r.Client.List(ctx, &list, opts...) == nil {
			for _, b := range list.Items {
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&b)})
			}
		}
		return reqs
	}
	var list workv1alpha2.ResourceBindingList
	if r.Client.List(ctx, &list, opts...) == nil {
		for _, b := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&b)})
		}
	}
	return reqs
}

// Reconcile schedules one binding, renders its Works and aggregates their status.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	b := newObject(r.ClusterScoped)
	if err := r.Client.Get(ctx, req.NamespacedName, b.Object); err != nil {
		if apierrors.IsNotFound(err) {
			r.remember(req.NamespacedName, "", nil)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if s := r.lastWritten(req.NamespacedName, b.GetUID()); s != nil {
		*b.Status = *s.DeepCopy()
	}
	works, err := r.worksOf(ctx, b)
	if err != nil {
		return reconcile.Result{}, err
	}
	if b.GetDeletionTimestamp() != nil {
		return r.finalize(ctx, b, works)
	}
	if !controllerutil.ContainsFinalizer(b.Object, naming.BindingFinalizer) {
		base := b.DeepCopyObject().(client.Object)
		controllerutil.AddFinalizer(b.Object, naming.BindingFinalizer)
		if err := r.Client.Patch(ctx, b.Object, client.MergeFrom(base)); err != nil {
			return reconcile.Result{}, err
		}
	}
	d, err := r.schedule(ctx, b)
	if err != nil {
		return reconcile.Result{}, err
	}
	ref := b.Spec.Resource
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return reconcile.Result{}, reconcile.TerminalError(err)
	}
	template, ok := r.Templates.Template(gv.WithKind(ref.Kind), ref.Namespace, ref.Name)
	if !ok || template.GetUID() != ref.UID {
		// Not cached yet, or replaced: the detector re-drives the binding.
		return reconcile.Result{RequeueAfter: time.Second}, nil
	}
	targets := map[string]int32{}
	for _, t := range b.Spec.Clusters {
		targets[t.Name] = t.Replicas
	}
	kept := sets.New[string]()
	if len(targets) > 0 {
		if kept, err = r.syncWorks(ctx, b, template, targets, works); err != nil {
			r.Recorder.Eventf(b.Object, "Warning", "SyncWorkFailed", "%v", err)
			return reconcile.Result{}, err
		}
	}
	for i := range works {
		w := &works[i]
		if !kept.Has(w.Namespace) && w.DeletionTimestamp == nil {
			if err := r.Client.Delete(ctx, w); client.IgnoreNotFound(err) != nil {
				return reconcile.Result{}, err
			}
		}
	}
	wait, err := r.writeStatus(ctx, b, template, works, d)
	return reconcile.Result{RequeueAfter: wait}, err
}

func (r *Reconciler) worksOf(ctx context.Context, b object) ([]workv1alpha1.Work, error) {
	if b.id() == "" {
		return nil, nil
	}
	var list workv1alpha1.WorkList
	if err := r.Client.List(ctx, &list, client.MatchingLabels{b.idLabel: b.id()}); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// finalize deletes the binding's Works and releases the binding once they are gone.
func (r *Reconciler) finalize(ctx context.Context, b object, works []workv1alpha1.Work) (reconcile.Result, error) {
	for i := range works {
		if works[i].DeletionTimestamp == nil {
			if err := r.Client.Delete(ctx, &works[i]); client.IgnoreNotFound(err) != nil {
				return reconcile.Result{}, err
			}
		}
	}
	if len(works) > 0 {
		// The Works' own finalizers clean the members; their deletion re-drives us.
		return reconcile.Result{RequeueAfter: 5 * time.Second}, nil
	}
	base := b.DeepCopyObject().(client.Object)
	if controllerutil.RemoveFinalizer(b.Object, naming.BindingFinalizer) {
		return reconcile.Result{}, client.IgnoreNotFound(r.Client.Patch(ctx, b.Object, client.MergeFrom(base)))
	}
	return reconcile.Result{}, nil
}

func (r *Reconciler) remember(key types.NamespacedName, uid types.UID, status *workv1alpha2.ResourceBindingStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if status == nil {
		delete(r.written, key)
		delete(r.ownGeneration, key)
		return
	}
	if r.written == nil {
		r.written = map[types.NamespacedName]writtenStatus{}
	}
	r.written[key] = writtenStatus{uid: uid, status: status, at: time.Now()}
}

func (r *Reconciler) lastWritten(key types.NamespacedName, uid types.UID) *workv1alpha2.ResourceBindingStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.written[key]; ok && w.uid == uid {
		return w.status
	}
	return nil
}

// holdFor returns how long a binding's next status write waits while its members
// are still on their way: at most one such write per statusBatch.
func (r *Reconciler) holdFor(key types.NamespacedName, uid types.UID) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.written[key]; ok && w.uid == uid {
		return statusBatch - time.Since(w.at)
	}
	return 0
}

// syncWorks creates or updates the Work of each target cluster and returns the
// execution namespaces it wrote to.
func (r *Reconciler) syncWorks(ctx context.Context, b object, template *unstructured.Unstructured,
	targets map[string]int32, works []workv1alpha1.Work) (sets.Set[string], error) {
	var cops policyv1alpha1.ClusterOverridePolicyList
	if err := r.Client.List(ctx, &cops); err != nil {
		return nil, err
	}
	var ops policyv1alpha1.OverridePolicyList
	if ns := template.GetNamespace(); ns != "" {
		if err := r.Client.List(ctx, &ops, client.InNamespace(ns)); err != nil {
			return nil, err
		}
	}
	deps, err := r.dependencies(b, template)
	if err != nil {
		return nil, err
	}
	existing := map[string]*workv1alpha1.Work{}
	for i := range works {
		existing[works[i].Namespace] = &works[i]
	}
	_, workload := replicaFields[template.GroupVersionKind().GroupKind()]
	kept := sets.New[string]()
	type rendered struct {
		ns          string
		manifests   []workv1alpha1.Manifest
		annotations map[string]string
	}
	var toWrite []rendered
	for clusterName, replicas := range targets {
		var cluster clusterv1alpha1.Cluster
		if err := r.Client.Get(ctx, client.ObjectKey{Name: clusterName}, &cluster); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		manifests, annotations, err := Render(Input{
			Template: template, Cluster: &cluster, Replicas: replicas, Workload: workload || b.Spec.Replicas > 0,
			Dependencies: deps, Overwrite: b.Spec.ConflictResolution == policyv1alpha1.ConflictOverwrite,
			ClusterOPs: cops.Items, OPs: ops.Items,
		})
		if err != nil {
			return nil, fmt.Errorf("rendering %s %s for cluster %s: %w", template.GetKind(), template.GetName(), clusterName, err)
		}
		ns := naming.ExecutionNamespace(clusterName)
		kept.Insert(ns)
		toWrite = append(toWrite, rendered{ns: ns, manifests: manifests, annotations: annotations})
	}
	// The Works are independent: write them at once, so a binding's reconcile
	// costs one write's latency, not one per cluster. Everything that can fail
	// before the writes has, so none is left in flight when this returns.
	g, gctx := errgroup.WithContext(ctx)
	for _, w := range toWrite {
		g.Go(func() error { return r.applyWork(gctx, b, template, w.ns, existing[w.ns], w.manifests, w.annotations) })
	}
	return kept, g.Wait()
}

func (r *Reconciler) dependencies(b object, template *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if !b.Spec.PropagateDeps {
		return nil, nil
	}
	var out []*unstructured.Unstructured
	for _, d := range Dependencies(template) {
		obj, ok := r.Templates.Template(d.GVK, template.GetNamespace(), d.Name)
		if !ok {
			// Missing dependencies are not fatal: the workload is still propagated.
			continue
		}
		out = append(out, obj)
	}
	return out, nil
}

func (r *Reconciler) applyWork(ctx context.Context, b object, template *unstructured.Unstructured, ns string,
	current *workv1alpha1.Work, manifests []workv1alpha1.Manifest, overrideAnnotations map[string]string) error {
	annotations := b.workAnnotations()
	for k, v := range overrideAnnotations {
		annotations[k] = v
	}
	labels := map[string]string{b.idLabel: b.id()}
	spec := workv1alpha1.WorkSpec{
		Workload:                    workv1alpha1.WorkloadTemplate{Manifests: manifests},
		PreserveResourcesOnDeletion: b.Spec.PreserveResourcesOnDeletion,
	}
	if current == nil {
		w := &workv1alpha1.Work{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: ns, Name: naming.WorkName(template.GetKind(), template.GetNamespace(), template.GetName()),
				Labels: labels, Annotations: annotations,
				// The execution controller's finalizer, set now to spare it a write.
				Finalizers: []string{naming.WorkFinalizer},
			},
			Spec: spec,
		}
		if err := r.Client.Create(ctx, w); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating Work %s/%s: %w", ns, w.Name, err)
		}
		return nil
	}
	if current.DeletionTimestamp != nil {
		return fmt.Errorf("work %s/%s is still being deleted", ns, current.Name)
	}
	if manifestsEqual(current.Spec.Workload.Manifests, manifests) &&
		ptr.Deref(current.Spec.PreserveResourcesOnDeletion, false) == ptr.Deref(spec.PreserveResourcesOnDeletion, false) &&
		ownedAnnotationsEqual(current.Annotations, annotations) {
		return nil
	}
	w := current.DeepCopy()
	base := current.DeepCopy()
	w.Spec.Workload, w.Spec.PreserveResourcesOnDeletion = spec.Workload, spec.PreserveResourcesOnDeletion
	if w.Annotations == nil {
		w.Annotations = map[string]string{}
	}
	for _, k := range ownedAnnotations {
		delete(w.Annotations, k)
	}
	for k, v := range annotations {
		w.Annotations[k] = v
	}
	for k, v := range labels {
		if w.Labels == nil {
			w.Labels = map[string]string{}
		}
		w.Labels[k] = v
	}
	if err := r.Client.Patch(ctx, w, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("updating Work %s/%s: %w", ns, w.Name, err)
	}
	return nil
}

// ownedAnnotations are the Work annotations this controller writes; others are left alone.
var ownedAnnotations = []string{
	naming.ResourceBindingNamespaceAnnotation, naming.ResourceBindingNameAnnotation, naming.ClusterResourceBindingAnnotation,
	overrides.AppliedOverridesAnnotation, overrides.AppliedClusterOverridesAnnotation,
}

func ownedAnnotationsEqual(have, want map[string]string) bool {
	for _, k := range ownedAnnotations {
		if have[k] != want[k] {
			return false
		}
	}
	return true
}

// manifestsEqual compares manifests by content: the apiserver may return the same
// JSON with its fields in another order.
func manifestsEqual(a, b []workv1alpha1.Manifest) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		var x, y any
		if json.Unmarshal(a[i].Raw, &x) != nil || json.Unmarshal(b[i].Raw, &y) != nil || !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// workChanged passes the Work events a binding must see: a status the members
// reported, a spec someone else changed, and a deletion. The Works' creation needs
// nothing: the reconcile that created them already wrote the binding's status.
var workChanged = predicate.Funcs{
	CreateFunc: func(event.CreateEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		o, okO := e.ObjectOld.(*workv1alpha1.Work)
		n, okN := e.ObjectNew.(*workv1alpha1.Work)
		if !okO || !okN {
			return true
		}
		return o.Generation != n.Generation || o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero() ||
			!apiequality.Semantic.DeepEqual(o.Status, n.Status)
	},
}

// bindingChanged ignores the binding's own writes: its status, and the
// generation its scheduling result produced, which the reconcile that wrote it
// has already acted on (reconciling again before the cache holds the new Works
// would create them a second time). Other spec changes, finalizers, labels and
// deletion need a new reconcile.
func (r *Reconciler) bindingChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld, e.ObjectNew
			if n.GetDeletionTimestamp() != nil || !reflect.DeepEqual(o.GetFinalizers(), n.GetFinalizers()) ||
				!reflect.DeepEqual(o.GetLabels(), n.GetLabels()) {
				return true
			}
			return o.GetGeneration() != n.GetGeneration() && !r.scheduledItself(client.ObjectKeyFromObject(n), n.GetUID(), n.GetGeneration())
		},
	}
}

// scheduledItself reports whether generation is the one this reconciler's own
// scheduling patch produced.
func (r *Reconciler) scheduledItself(key types.NamespacedName, uid types.UID, generation int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.ownGeneration[key]
	return ok && g.uid == uid && g.generation == generation
}

func (r *Reconciler) rememberGeneration(b object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ownGeneration == nil {
		r.ownGeneration = map[types.NamespacedName]ownGeneration{}
	}
	r.ownGeneration[client.ObjectKeyFromObject(b.Object)] = ownGeneration{uid: b.GetUID(), generation: b.GetGeneration()}
}

type ownGeneration struct {
	uid        types.UID
	generation int64
}
