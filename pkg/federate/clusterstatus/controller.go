package clusterstatus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/auth/membercreds"
	"github.com/fleetplane/fleetplane/pkg/federate"
)

// ControllerName names the controller in logs, metrics and Events.
const ControllerName = "cluster-status-controller"

// minRequeue keeps a member whose check overran the interval from being probed in a
// tight loop.
const minRequeue = time.Second

// Reconciler refreshes the status of one Cluster per call and asks to be called
// again one health-check interval after the probe started.
type Reconciler struct {
	// Client reads Clusters and writes their status on the control plane.
	Client client.Client
	// Secrets reads the credentials named by spec.secretRef; an uncached reader
	// avoids caching every Secret of the control plane.
	Secrets client.Reader
	// Recorder records an Event on a Cluster whose Ready condition flips.
	Recorder events.EventRecorder
	// Interval is the period between two probes of a member.
	Interval time.Duration
	// Timeout bounds each probe and each discovery of a member.
	Timeout time.Duration

	members *members
}

var _ reconcile.Reconciler = &Reconciler{}

// NewReconciler returns a Reconciler; its Start must run (it is a manager runnable)
// for member informers to start.
func NewReconciler(c client.Client, secrets client.Reader, recorder events.EventRecorder, interval, timeout time.Duration) *Reconciler {
	return &Reconciler{Client: c, Secrets: secrets, Recorder: recorder, Interval: interval, Timeout: timeout, members: newMembers(timeout)}
}

// Start runs the member informers' lifetime: they stop when ctx is done.
func (r *Reconciler) Start(ctx context.Context) error { return r.members.Start(ctx) }

// Setup registers the cluster status controller with the manager. It has the
// federate.Setup signature.
func Setup(mgr ctrl.Manager, opts federate.Options) error {
	if opts.HealthCheckInterval <= 0 || opts.HealthCheckTimeout <= 0 {
		return fmt.Errorf("%s: health check interval and timeout must be positive", ControllerName)
	}
	r := NewReconciler(mgr.GetClient(), mgr.GetAPIReader(), mgr.GetEventRecorder(ControllerName),
		opts.HealthCheckInterval, opts.HealthCheckTimeout)
	if err := mgr.Add(r); err != nil {
		return fmt.Errorf("%s: %w", ControllerName, err)
	}
	// The controller's own status writes do not change the generation, so they do
	// not trigger an early probe; the periodic requeue drives the checks.
	err := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&clusterv1alpha1.Cluster{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Complete(r)
	if err != nil {
		return fmt.Errorf("%s: %w", ControllerName, err)
	}
	return nil
}

// Reconcile probes one member and writes what changed into its Cluster's status.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	start := time.Now()
	cluster := &clusterv1alpha1.Cluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, cluster); err != nil {
		if apierrors.IsNotFound(err) {
			r.members.forget(req.Name)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading cluster %s: %w", req.Name, err)
	}
	// Pull-mode members report their own status through their agent.
	if !cluster.DeletionTimestamp.IsZero() || cluster.Spec.SyncMode == clusterv1alpha1.Pull {
		r.members.forget(cluster.Name)
		return reconcile.Result{}, nil
	}

	status, err := r.observe(ctx, cluster)
	if err != nil {
		return reconcile.Result{}, err
	}
	if err := r.writeStatus(ctx, cluster, status); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: max(r.Interval-time.Since(start), minRequeue)}, nil
}

// observe returns the cluster's new status. Facts that could not be observed this
// time keep their previous values.
func (r *Reconciler) observe(ctx context.Context, c *clusterv1alpha1.Cluster) (*clusterv1alpha1.ClusterStatus, error) {
	status := c.Status.DeepCopy()
	secret, err := membercreds.Read(ctx, r.Secrets, c)
	if err != nil {
		if !errors.Is(err, membercreds.ErrInvalidCredentials) {
			return nil, err
		}
		r.members.forget(c.Name)
		setReady(status, c.Generation, health{reason: ReasonInvalidCredentials, message: err.Error()})
		return status, nil
	}
	m, err := r.members.get(c, secret)
	if err != nil {
		setReady(status, c.Generation, health{reason: ReasonClusterNotReachable, message: err.Error()})
		return status, nil
	}
	h := probe(ctx, m.probe, r.Timeout)
	if !h.ready {
		setReady(status, c.Generation, h)
		return status, nil
	}
	version, err := serverVersion(ctx, m, r.Timeout)
	if err != nil {
		// The member died between the probe and this request.
		setReady(status, c.Generation, health{reason: ReasonClusterNotReachable, message: err.Error()})
		return status, nil
	}
	setReady(status, c.Generation, h)
	status.KubernetesVersion = version
	r.setAPIs(ctx, m, c.Generation, status)
	r.members.startInformers(m)
	if m.synced() {
		status.NodeSummary, status.ResourceSummary = m.summarize()
	}
	return status, nil
}

func serverVersion(ctx context.Context, m *member, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := discovery.ToDiscoveryInterfaceWithContext(m.probe).ServerVersionWithContext(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the cluster's version: %w", err)
	}
	return v.GitVersion, nil
}

func (r *Reconciler) setAPIs(ctx context.Context, m *member, generation int64, status *clusterv1alpha1.ClusterStatus) {
	found, err := discover(ctx, m.probe, r.Timeout)
	cond := metav1.Condition{
		Type:               clusterv1alpha1.ClusterConditionCompleteAPIEnablements,
		Status:             metav1.ConditionTrue,
		Reason:             ReasonAPIEnablementsComplete,
		Message:            "every API of the cluster is listed in status.apiEnablements",
		ObservedGeneration: generation,
	}
	switch {
	case err != nil:
		// Keep the APIs found last time.
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, ReasonAPIEnablementsPartial, err.Error()
	case len(found.failed) > 0:
		status.APIEnablements = found.enablements
		cond.Status, cond.Reason = metav1.ConditionFalse, ReasonAPIEnablementsPartial
		cond.Message = "discovery failed for " + strings.Join(found.failed, ", ")
	default:
		status.APIEnablements = found.enablements
	}
	meta.SetStatusCondition(&status.Conditions, cond)
}

func setReady(status *clusterv1alpha1.ClusterStatus, generation int64, h health) {
	cond := metav1.Condition{
		Type:               clusterv1alpha1.ClusterConditionReady,
		Status:             metav1.ConditionFalse,
		Reason:             h.reason,
		Message:            h.message,
		ObservedGeneration: generation,
	}
	if h.ready {
		cond.Status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&status.Conditions, cond)
}

// writeStatus patches the status subresource when it changed, and records an Event
// when the Ready condition flipped.
func (r *Reconciler) writeStatus(ctx context.Context, c *clusterv1alpha1.Cluster, status *clusterv1alpha1.ClusterStatus) error {
	if apiequality.Semantic.DeepEqual(&c.Status, status) {
		return nil
	}
	updated := c.DeepCopy()
	updated.Status = *status
	if err := r.Client.Status().Patch(ctx, updated, client.MergeFromWithOptions(c, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("updating status of cluster %s: %w", c.Name, err)
	}
	before := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
	after := meta.FindStatusCondition(status.Conditions, clusterv1alpha1.ClusterConditionReady)
	if after != nil && (before == nil || before.Status != after.Status) {
		eventType := corev1.EventTypeNormal
		if after.Status != metav1.ConditionTrue {
			eventType = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(updated, nil, eventType, after.Reason, "HealthCheck", "%s", after.Message)
	}
	log.FromContext(ctx).V(1).Info("updated cluster status", "ready", after != nil && after.Status == metav1.ConditionTrue)
	return nil
}
