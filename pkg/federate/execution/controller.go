package execution

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

const (
	// ControllerName names the controller in logs, metrics and Events.
	ControllerName = "execution-controller"
	// Finalizer keeps a Work until its objects are removed from the member.
	Finalizer = naming.WorkFinalizer
)

const (
	// notReadyRetry is when a Work of a cluster that is not Ready is looked at
	// again, should the cluster's return go unnoticed.
	notReadyRetry = 30 * time.Second
	// conflictRetry is when a Work blocked by a conflict is tried again: the
	// object in the way may have been removed, which no informer here sees.
	conflictRetry = time.Minute
	// memberTimeout bounds the member requests of one reconcile.
	memberTimeout = 30 * time.Second
	// memberEventWindow is the shortest time between two reconciles of a Work
	// that member events cause; events in between are merged. It grows to
	// maxEventWindow while the controller has a backlog.
	memberEventWindow = 50 * time.Millisecond
	maxEventWindow    = time.Second
	// credentialsRecheck is how long a member connection is used before its
	// credentials are compared with the Secret again.
	credentialsRecheck = 5 * time.Minute
)

// Reconciler applies the manifests of one Work to its member cluster per call,
// and writes what it found into the Work's status.
type Reconciler struct {
	// Client reads Works and Clusters and writes Works on the control plane.
	Client client.Client
	// Secrets reads the member credentials named by spec.secretRef; an uncached
	// reader avoids caching every Secret of the control plane.
	Secrets client.Reader
	// Recorder records Events on Works.
	Recorder events.EventRecorder

	members *members

	mu sync.Mutex
	// written holds the status last written to each Work, which the cache
	// may not show yet.
	written map[types.NamespacedName]writtenStatus
}

type writtenStatus struct {
	uid    types.UID
	status *workv1alpha1.WorkStatus
}

var (
	_ reconcile.Reconciler = &Reconciler{}
	_ federate.Setup       = Setup
)

// NewReconciler returns a Reconciler. It must be registered with a controller
// together with its MemberEvents source, which also starts its member
// connections; Setup does both.
func NewReconciler(c client.Client, secrets client.Reader, recorder events.EventRecorder) *Reconciler {
	return &Reconciler{
		Client: c, Secrets: secrets, Recorder: recorder,
		members: newMembers(connect, credentialsRecheck),
		written: map[types.NamespacedName]writtenStatus{},
	}
}

// Setup registers the execution controller with the manager. It has the
// federate.Setup signature.
func Setup(mgr ctrl.Manager, _ federate.Options) error {
	r := NewReconciler(mgr.GetClient(), mgr.GetAPIReader(), mgr.GetEventRecorder(ControllerName))
	err := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&workv1alpha1.Work{}, builder.WithPredicates(workPredicate())).
		Watches(&clusterv1alpha1.Cluster{}, r.clusterHandler(), builder.WithPredicates(clusterPredicate())).
		WatchesRawSource(r.MemberEvents()).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: 8,
			// Member events must reach the Work fast; failures back off to
			// at most 30s, so that a member coming back is served soon.
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, 30*time.Second),
		}).
		Complete(r)
	if err != nil {
		return fmt.Errorf("%s: %w", ControllerName, err)
	}
	return nil
}

// Reconcile applies one Work to its member, or removes its objects from the
// member when the Work is being deleted.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	clusterName, ok := naming.ClusterOfExecutionNamespace(req.Namespace)
	if !ok {
		return reconcile.Result{}, nil
	}
	work := &workv1alpha1.Work{}
	if err := r.Client.Get(ctx, req.NamespacedName, work); err != nil {
		if apierrors.IsNotFound(err) {
			r.forgetWritten(req.NamespacedName)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading work %s: %w", req.NamespacedName, err)
	}
	cluster := &clusterv1alpha1.Cluster{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: clusterName}, cluster); err != nil {
		if !apierrors.IsNotFound(err) {
			return reconcile.Result{}, fmt.Errorf("reading cluster %s: %w", clusterName, err)
		}
		cluster = nil
	}
	// A member that stopped answering must not hold a worker.
	ctx, cancel := context.WithTimeout(ctx, memberTimeout)
	defer cancel()
	if !work.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, work, cluster)
	}
	// The Works of a cluster being unjoined go with its execution namespace;
	// those of a Pull cluster are applied by its agent.
	if cluster == nil || !cluster.DeletionTimestamp.IsZero() || cluster.Spec.SyncMode == clusterv1alpha1.Pull {
		return reconcile.Result{}, nil
	}
	if err := r.updateFinalizers(ctx, work, controllerutil.AddFinalizer); err != nil {
		return reconcile.Result{}, err
	}
	if !ready(cluster) {
		log.FromContext(ctx).V(1).Info("cluster is not ready; waiting", "cluster", clusterName)
		return reconcile.Result{RequeueAfter: notReadyRetry}, nil
	}
	m, err := r.members.get(ctx, r.Secrets, cluster)
	if err != nil {
		return reconcile.Result{}, fmt.Errorf("connecting to cluster %s: %w", clusterName, err)
	}
	return r.sync(ctx, m, work)
}

// sync applies a Work's manifests in order, then reports their objects.
func (r *Reconciler) sync(ctx context.Context, m *member, work *workv1alpha1.Work) (reconcile.Result, error) {
	key := client.ObjectKeyFromObject(work)
	suspended := ptr.Deref(work.Spec.SuspendDispatching, false)
	outcomes := m.plan(key, work.Spec.Workload.Manifests)
	for i := range outcomes {
		o := &outcomes[i]
		switch {
		case o.d == nil:
		case suspended && o.d.ensureOnly:
			o.live, _ = m.knownNamespace(o.d.key.name)
		case suspended:
			// Status is still collected, from what the informers see.
			o.live, _ = m.cached(ctx, o.d.key)
		default:
			o.live, o.err = m.apply(ctx, key, o.d)
		}
	}

	current := r.currentStatus(work)
	var failed []error
	if !suspended {
		// A manifest dropped from the Work takes its object with it.
		preserve := ptr.Deref(work.Spec.PreserveResourcesOnDeletion, false)
		if err := m.prune(ctx, key, current.ManifestStatuses, outcomes, preserve); err != nil {
			failed = append(failed, fmt.Errorf("pruning: %w", err))
		}
	}
	status, err := newStatus(current, work.Generation, m.cluster, outcomes, suspended)
	if err != nil {
		return reconcile.Result{}, err
	}
	if err := r.writeStatus(ctx, work, current, status); err != nil {
		return reconcile.Result{}, err
	}

	conflicts := false
	for _, o := range outcomes {
		var conflict *ConflictError
		switch {
		case o.err == nil:
		case errors.As(o.err, &conflict):
			conflicts = true
		case !errors.Is(o.err, errUndecodable):
			// Undecodable manifests wait for the Work to change.
			failed = append(failed, o.err)
		}
	}
	if len(failed) > 0 {
		return reconcile.Result{}, fmt.Errorf("applying work %s to cluster %s: %w", key, m.cluster, errors.Join(failed...))
	}
	if conflicts {
		return reconcile.Result{RequeueAfter: conflictRetry}, nil
	}
	return reconcile.Result{}, nil
}

// currentStatus returns the Work's status as last written, which the cache may
// not show yet.
func (r *Reconciler) currentStatus(work *workv1alpha1.Work) *workv1alpha1.WorkStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.written[client.ObjectKeyFromObject(work)]; ok && w.uid == work.UID {
		return w.status
	}
	return &work.Status
}

func (r *Reconciler) forgetWritten(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.written, key)
}

// writeStatus writes status to the Work's status subresource unless it equals
// current, and records an Event when the Applied condition turns False or
// becomes True again.
func (r *Reconciler) writeStatus(ctx context.Context, work *workv1alpha1.Work, current, status *workv1alpha1.WorkStatus) error {
	if statusEqual(current, status) {
		return nil
	}
	base := work.DeepCopy()
	base.Status = *current
	updated := base.DeepCopy()
	updated.Status = *status
	if err := r.Client.Status().Patch(ctx, updated, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("updating status of work %s: %w", client.ObjectKeyFromObject(work), err)
	}
	r.mu.Lock()
	r.written[client.ObjectKeyFromObject(work)] = writtenStatus{uid: work.UID, status: status}
	r.mu.Unlock()

	before := meta.FindStatusCondition(current.Conditions, workv1alpha1.WorkApplied)
	after := meta.FindStatusCondition(status.Conditions, workv1alpha1.WorkApplied)
	switch {
	case after == nil:
	case after.Status == metav1.ConditionFalse && (before == nil || before.Status != after.Status || before.Message != after.Message):
		r.Recorder.Eventf(updated, nil, corev1.EventTypeWarning, after.Reason, "Apply", "%s", after.Message)
	case after.Status == metav1.ConditionTrue && before != nil && before.Status == metav1.ConditionFalse:
		r.Recorder.Eventf(updated, nil, corev1.EventTypeNormal, after.Reason, "Apply", "%s", after.Message)
	}
	return nil
}

// updateFinalizers adds or removes the Finalizer, patching the Work only when
// that changes it.
func (r *Reconciler) updateFinalizers(ctx context.Context, work *workv1alpha1.Work, change func(client.Object, string) bool) error {
	base := work.DeepCopy()
	if !change(work, Finalizer) {
		return nil
	}
	err := r.Client.Patch(ctx, work, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsNotFound(err) {
		// Removing the finalizer let the Work go, or it was deleted meanwhile.
		return nil
	}
	if err != nil {
		return fmt.Errorf("updating finalizers of work %s: %w", client.ObjectKeyFromObject(work), err)
	}
	return nil
}

func ready(c *clusterv1alpha1.Cluster) bool {
	return meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
}
