package execution

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// releasePatch removes the labels that tie an object to its Work.
var releasePatch = fmt.Appendf(nil, `{"metadata":{"labels":{%q:null,%q:null,%q:null}}}`,
	naming.ManagedByLabel, naming.WorkNamespaceLabel, naming.WorkNameLabel)

// finalize removes a deleted Work's objects from its member, or releases them
// when spec.preserveResourcesOnDeletion is set, then lets the Work go. Nothing is
// touched on a member whose Cluster is gone or terminating while unreachable
// (it is being unjoined), nor on a Pull member, whose agent owns its objects; a
// member that is merely unreachable keeps the Work until it is back.
func (r *Reconciler) finalize(ctx context.Context, work *workv1alpha1.Work, cluster *clusterv1alpha1.Cluster) (reconcile.Result, error) {
	key := client.ObjectKeyFromObject(work)
	if !controllerutil.ContainsFinalizer(work, Finalizer) {
		r.forgetWritten(key)
		return reconcile.Result{}, nil
	}
	logger := log.FromContext(ctx)
	switch {
	case cluster == nil:
		logger.Info("cluster is gone; leaving the work's objects on it")
	case cluster.Spec.SyncMode == clusterv1alpha1.Pull:
	case !ready(cluster) && !cluster.DeletionTimestamp.IsZero():
		logger.Info("cluster is being unjoined and is not ready; leaving the work's objects on it", "cluster", cluster.Name)
	case !ready(cluster):
		return reconcile.Result{}, fmt.Errorf("cluster %s is not ready: the objects of work %s are removed once it is", cluster.Name, key)
	default:
		m, err := r.members.get(ctx, r.Secrets, cluster)
		if err != nil {
			return reconcile.Result{}, fmt.Errorf("connecting to cluster %s: %w", cluster.Name, err)
		}
		if err := m.removeAll(ctx, key, work.Spec.Workload.Manifests, ptr.Deref(work.Spec.PreserveResourcesOnDeletion, false)); err != nil {
			return reconcile.Result{}, fmt.Errorf("removing the objects of work %s from cluster %s: %w", key, cluster.Name, err)
		}
	}
	if err := r.updateFinalizers(ctx, work, controllerutil.RemoveFinalizer); err != nil {
		return reconcile.Result{}, err
	}
	r.forgetWritten(key)
	return reconcile.Result{}, nil
}

// removeAll deletes, or with preserve releases, the objects of a Work's
// manifests in reverse order, stopping at the first failure so that nothing goes
// before what was listed after it. Objects the Work does not manage are left
// alone, and so are the namespaces it only ensured.
func (m *member) removeAll(ctx context.Context, work types.NamespacedName, manifests []workv1alpha1.Manifest, preserve bool) error {
	outcomes := m.plan(work, manifests)
	for i := len(outcomes) - 1; i >= 0; i-- {
		o := outcomes[i]
		switch {
		case o.d == nil && o.err != nil && !meta.IsNoMatchError(o.err) && !errors.Is(o.err, errUndecodable):
			// The member could not be asked about the kind.
			return o.err
		case o.d == nil || o.d.ensureOnly:
		default:
			if err := m.remove(ctx, work, o.d, preserve); err != nil {
				return err
			}
		}
	}
	return nil
}

// remove deletes or releases one object if it is the Work's.
func (m *member) remove(ctx context.Context, work types.NamespacedName, d *desired, preserve bool) error {
	obj, synced := m.cached(ctx, d.key)
	if last, applied := m.lastApplied(d.key); obj == nil && (!synced || applied && last.work == work) {
		// The cache may not have caught up with the last apply.
		var err error
		if obj, err = m.get(ctx, d.key); err != nil {
			return fmt.Errorf("reading %s: %w", describe(d), err)
		}
	}
	if obj == nil {
		m.forgetApplied(d.key)
		return nil
	}
	if owner, ok := workOf(obj); !ok || owner != work {
		return nil
	}
	client := m.resource(d.key.gvr, d.key.namespace)
	var err error
	if preserve {
		_, err = client.Patch(ctx, d.key.name, types.MergePatchType, releasePatch, metav1.PatchOptions{FieldManager: naming.FieldManager})
	} else {
		uid := obj.GetUID()
		err = client.Delete(ctx, d.key.name, metav1.DeleteOptions{
			// A replacement created since the cache saw the object is not ours.
			Preconditions:     &metav1.Preconditions{UID: &uid},
			PropagationPolicy: ptr.To(metav1.DeletePropagationBackground),
		})
		if apierrors.IsConflict(err) {
			err = nil
		}
	}
	if err != nil && !apierrors.IsNotFound(err) {
		markStaleOnAuthError(m, err)
		return fmt.Errorf("removing %s: %w", describe(d), err)
	}
	m.forgetApplied(d.key)
	return nil
}

// prune removes the objects a Work applied before but no longer lists, as found
// in its last reported manifest statuses. Like on deletion, objects that are not
// the Work's (such as ensured namespaces) stay; nothing is pruned while a manifest
// cannot be read.
func (m *member) prune(ctx context.Context, work types.NamespacedName, previous []workv1alpha1.ManifestStatus, outcomes []outcome, preserve bool) error {
	listed := map[objectKey]bool{}
	for _, o := range outcomes {
		if o.d == nil {
			// Which object an unreadable manifest names is unknown: it may
			// be one of the previous ones.
			return nil
		}
		listed[o.d.key] = true
	}
	for _, s := range previous {
		id := s.Identifier
		key := objectKey{
			gvr:       schema.GroupVersionResource{Group: id.Group, Version: id.Version, Resource: id.Resource},
			namespace: id.Namespace, name: id.Name,
		}
		if listed[key] || id.Resource == "" {
			continue
		}
		obj := &unstructured.Unstructured{}
		obj.SetAPIVersion(schema.GroupVersion{Group: id.Group, Version: id.Version}.String())
		obj.SetKind(id.Kind)
		if err := m.remove(ctx, work, &desired{obj: obj, key: key, id: id}, preserve); err != nil {
			return err
		}
	}
	return nil
}
