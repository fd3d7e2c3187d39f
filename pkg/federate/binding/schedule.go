package binding

import (
	"context"
	"errors"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha2"
	"github.com/fleetplane/fleetplane/pkg/federate/scheduler"
)

// decision is the outcome of scheduling a binding.
type decision struct {
	condition    metav1.Condition
	affinityName string
}

// schedule runs the scheduler for a binding and, when the result differs from
// spec.clusters, patches spec.clusters. Scheduling and rendering share one
// reconcile so that a binding's status has a single writer: no conflict retries,
// and one status write where two controllers would need two.
func (r *Reconciler) schedule(ctx context.Context, b object) (decision, error) {
	var list clusterv1alpha1.ClusterList
	if err := r.Client.List(ctx, &list); err != nil {
		return decision{}, err
	}
	clusters := make([]*clusterv1alpha1.Cluster, 0, len(list.Items))
	for i := range list.Items {
		if list.Items[i].DeletionTimestamp == nil {
			clusters = append(clusters, &list.Items[i])
		}
	}
	spec := b.Spec
	result, err := scheduler.Schedule(scheduler.Input{
		Placement: spec.Placement, APIVersion: spec.Resource.APIVersion, Kind: spec.Resource.Kind,
		Replicas: spec.Replicas, ReplicaRequirements: spec.ReplicaRequirements, Current: spec.Clusters, Clusters: clusters,
	})
	d := decision{condition: metav1.Condition{Type: workv1alpha2.Scheduled, ObservedGeneration: b.GetGeneration()}}
	var unschedulable *scheduler.UnschedulableError
	switch {
	case err == nil:
		d.condition.Status, d.condition.Reason = metav1.ConditionTrue, workv1alpha2.BindingReasonSuccess
		d.condition.Message = "Binding has been scheduled successfully."
		d.affinityName = result.AffinityName
		if !apiequality.Semantic.DeepEqual(result.Clusters, spec.Clusters) {
			base := b.DeepCopyObject().(client.Object)
			spec.Clusters = result.Clusters
			if err := r.Client.Patch(ctx, b.Object, client.MergeFrom(base)); err != nil {
				return decision{}, err
			}
			// The condition observes the generation that holds this result.
			d.condition.ObservedGeneration = b.GetGeneration()
			r.rememberGeneration(b)
		}
	case errors.As(err, &unschedulable):
		d.condition.Status, d.condition.Reason, d.condition.Message = metav1.ConditionFalse, workv1alpha2.BindingReasonNoClusterFit, err.Error()
	default:
		d.condition.Status, d.condition.Reason, d.condition.Message = metav1.ConditionFalse, workv1alpha2.BindingReasonSchedulerError, err.Error()
	}
	return d, nil
}

// recordScheduling tells the user, on the binding and on its template, where the
// binding went or why it could not go anywhere.
func (r *Reconciler) recordScheduling(b object, cond metav1.Condition) {
	eventType, reason, message := corev1.EventTypeNormal, "ScheduleBindingSucceed", cond.Message
	if cond.Status != metav1.ConditionTrue {
		eventType, reason = corev1.EventTypeWarning, "ScheduleBindingFailed"
	} else {
		names := make([]string, 0, len(b.Spec.Clusters))
		for _, c := range b.Spec.Clusters {
			names = append(names, c.Name)
		}
		message = "Binding has been scheduled to clusters: " + strings.Join(names, ", ")
	}
	r.Recorder.Event(b.Object, eventType, reason, message)
	ref := b.Spec.Resource
	r.Recorder.Event(&corev1.ObjectReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Namespace: ref.Namespace,
		Name: ref.Name, UID: ref.UID}, eventType, reason, message)
}

// clusterChanged passes the cluster events that can change where bindings go: a new
// or removed cluster, new labels, a spec change (taints, region...), readiness, or
// the APIs it serves; not the periodic status heartbeats.
var clusterChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		o, okO := e.ObjectOld.(*clusterv1alpha1.Cluster)
		n, okN := e.ObjectNew.(*clusterv1alpha1.Cluster)
		if !okO || !okN {
			return true
		}
		return o.Generation != n.Generation || !apiequality.Semantic.DeepEqual(o.Labels, n.Labels) ||
			clusterReady(o) != clusterReady(n) || !apiequality.Semantic.DeepEqual(o.Status.APIEnablements, n.Status.APIEnablements)
	},
}

func clusterReady(c *clusterv1alpha1.Cluster) bool {
	return meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
}
