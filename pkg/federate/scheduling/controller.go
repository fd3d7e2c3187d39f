package scheduling

import (
	"context"
	"errors"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	"github.com/fleetplane/fleetplane/pkg/federate"
	"github.com/fleetplane/fleetplane/pkg/federate/scheduler"
)

// Reconciler schedules ResourceBindings (or ClusterResourceBindings).
type Reconciler struct {
	Client        client.Client
	Recorder      record.EventRecorder
	ClusterScoped bool
}

var _ reconcile.Reconciler = &Reconciler{}

// Setup registers the scheduling controllers of both binding kinds.
func Setup(mgr ctrl.Manager, _ federate.Options) error {
	for _, scoped := range []bool{false, true} {
		r := &Reconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorderFor("karmada-scheduler"), ClusterScoped: scoped}
		if err := r.SetupWithManager(mgr); err != nil {
			return err
		}
	}
	return nil
}

// SetupWithManager watches bindings and the cluster changes that can change a
// placement decision (not the status heartbeats).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	var obj client.Object = &workv1alpha2.ResourceBinding{}
	name := "scheduler-resourcebinding"
	if r.ClusterScoped {
		obj, name = &workv1alpha2.ClusterResourceBinding{}, "scheduler-clusterresourcebinding"
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(name).
		For(obj, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&clusterv1alpha1.Cluster{}, handler.EnqueueRequestsFromMapFunc(r.allBindings), builder.WithPredicates(clusterChanged)).
		Complete(r)
}

func (r *Reconciler) allBindings(ctx context.Context, _ client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	if r.ClusterScoped {
		var list workv1alpha2.ClusterResourceBindingList
		if r.Client.List(ctx, &list) == nil {
			for i := range list.Items {
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
			}
		}
		return reqs
	}
	var list workv1alpha2.ResourceBindingList
	if r.Client.List(ctx, &list) == nil {
		for i := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return reqs
}

// clusterChanged passes cluster events that can change where bindings go: a new or
// removed cluster, new labels, spec (taints, region...), readiness or served APIs.
var clusterChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		o, okO := e.ObjectOld.(*clusterv1alpha1.Cluster)
		n, okN := e.ObjectNew.(*clusterv1alpha1.Cluster)
		if !okO || !okN {
			return true
		}
		return o.Generation != n.Generation || !apiequality.Semantic.DeepEqual(o.Labels, n.Labels) ||
			ready(o) != ready(n) || !apiequality.Semantic.DeepEqual(o.Status.APIEnablements, n.Status.APIEnablements)
	},
}

func ready(c *clusterv1alpha1.Cluster) bool {
	return meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
}

// Reconcile schedules one binding.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var b client.Object
	var spec *workv1alpha2.ResourceBindingSpec
	var status *workv1alpha2.ResourceBindingStatus
	if r.ClusterScoped {
		crb := &workv1alpha2.ClusterResourceBinding{}
		b, spec, status = crb, &crb.Spec, &crb.Status
	} else {
		rb := &workv1alpha2.ResourceBinding{}
		b, spec, status = rb, &rb.Spec, &rb.Status
	}
	if err := r.Client.Get(ctx, req.NamespacedName, b); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if b.GetDeletionTimestamp() != nil {
		return reconcile.Result{}, nil
	}
	var clusterList clusterv1alpha1.ClusterList
	if err := r.Client.List(ctx, &clusterList); err != nil {
		return reconcile.Result{}, err
	}
	clusters := make([]*clusterv1alpha1.Cluster, 0, len(clusterList.Items))
	for i := range clusterList.Items {
		if clusterList.Items[i].DeletionTimestamp == nil {
			clusters = append(clusters, &clusterList.Items[i])
		}
	}
	result, err := scheduler.Schedule(scheduler.Input{
		Placement: spec.Placement, APIVersion: spec.Resource.APIVersion, Kind: spec.Resource.Kind,
		Replicas: spec.Replicas, ReplicaRequirements: spec.ReplicaRequirements, Current: spec.Clusters, Clusters: clusters,
	})
	cond := metav1.Condition{Type: workv1alpha2.Scheduled, ObservedGeneration: b.GetGeneration()}
	var unschedulable *scheduler.UnschedulableError
	switch {
	case err == nil:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, workv1alpha2.BindingReasonSuccess, "Binding has been scheduled successfully."
		if !apiequality.Semantic.DeepEqual(result.Clusters, spec.Clusters) {
			spec.Clusters = result.Clusters
			if err := r.Client.Update(ctx, b); err != nil {
				return reconcile.Result{}, err
			}
		}
		status.SchedulerObservedAffinityName = result.AffinityName
	case errors.As(err, &unschedulable):
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, workv1alpha2.BindingReasonNoClusterFit, err.Error()
	default:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, workv1alpha2.BindingReasonSchedulerError, err.Error()
	}
	changed := meta.SetStatusCondition(&status.Conditions, cond)
	if status.SchedulerObservedGeneration != b.GetGeneration() {
		status.SchedulerObservedGeneration = b.GetGeneration()
		now := metav1.Now()
		status.LastScheduledTime = &now
		changed = true
	}
	if changed {
		if err := r.Client.Status().Update(ctx, b); err != nil {
			return reconcile.Result{}, err
		}
		r.recordEvents(b, spec, cond)
	}
	// An unschedulable binding is re-driven by cluster and binding changes, not by
	// retrying: there is nothing to retry until something changes.
	return reconcile.Result{}, nil
}

func (r *Reconciler) recordEvents(b client.Object, spec *workv1alpha2.ResourceBindingSpec, cond metav1.Condition) {
	eventType, reason := corev1.EventTypeNormal, "ScheduleBindingSucceed"
	if cond.Status != metav1.ConditionTrue {
		eventType, reason = corev1.EventTypeWarning, "ScheduleBindingFailed"
	}
	message := cond.Message
	if cond.Status == metav1.ConditionTrue {
		var names []string
		for _, c := range spec.Clusters {
			names = append(names, c.Name)
		}
		message = "Binding has been scheduled to clusters: " + strings.Join(names, ", ")
	}
	r.Recorder.Event(b, eventType, reason, message)
	template := &corev1.ObjectReference{APIVersion: spec.Resource.APIVersion, Kind: spec.Resource.Kind,
		Namespace: spec.Resource.Namespace, Name: spec.Resource.Name, UID: spec.Resource.UID}
	r.Recorder.Event(template, eventType, reason, message)
}
