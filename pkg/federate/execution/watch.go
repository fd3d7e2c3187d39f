package execution

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// MemberEvents is the source of the reconciles that member clusters cause: a
// managed object changed or went away, so its Work is applied again or its
// status refreshed. Starting it also starts the member connections.
func (r *Reconciler) MemberEvents() source.TypedSource[reconcile.Request] { return r.members }

// workPredicate passes the Works of execution namespaces, and of their updates
// those that change the spec or start the deletion: the controller's own status
// writes and finalizer changes do not need a reconcile.
func workPredicate() predicate.Predicate {
	inExecutionNamespace := predicate.NewPredicateFuncs(func(obj client.Object) bool {
		_, ok := naming.ClusterOfExecutionNamespace(obj.GetNamespace())
		return ok
	})
	changed := predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() ||
				e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
		},
	}
	return predicate.And(inExecutionNamespace, changed)
}

// clusterPredicate passes the Cluster changes that matter to its Works: it
// joined or left, its spec changed, it started terminating, or it became Ready or
// stopped being Ready.
func clusterPredicate() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldC, ok1 := e.ObjectOld.(*clusterv1alpha1.Cluster)
			newC, ok2 := e.ObjectNew.(*clusterv1alpha1.Cluster)
			if !ok1 || !ok2 {
				return false
			}
			return oldC.Generation != newC.Generation || ready(oldC) != ready(newC) ||
				oldC.DeletionTimestamp.IsZero() != newC.DeletionTimestamp.IsZero()
		},
	}
}

// clusterHandler reconciles every Work of a Cluster that changed, and drops the
// connection to a deleted one.
func (r *Reconciler) clusterHandler() handler.EventHandler {
	works := handler.EnqueueRequestsFromMapFunc(r.worksOfCluster)
	return handler.Funcs{
		CreateFunc: works.Create,
		UpdateFunc: works.Update,
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			r.members.forget(e.Object.GetName())
			works.Delete(ctx, e, q)
		},
		GenericFunc: works.Generic,
	}
}

func (r *Reconciler) worksOfCluster(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &workv1alpha1.WorkList{}
	if err := r.Client.List(ctx, list, client.InNamespace(naming.ExecutionNamespace(obj.GetName()))); err != nil {
		// Only a cache that is not started fails here; the Works are
		// reconciled once it is.
		log.FromContext(ctx).Error(err, "listing the works of a cluster", "cluster", obj.GetName())
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, w := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: w.Namespace, Name: w.Name}})
	}
	return out
}
