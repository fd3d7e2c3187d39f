package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

// apply makes the member hold d's object and returns the object as the member
// has it. It costs one server-side apply, and nothing when the member's informer
// shows the last apply is still in place; the first apply of an object is preceded
// by one read, to find an object someone else created (the informers only see
// managed objects).
func (m *member) apply(ctx context.Context, work types.NamespacedName, d *desired) (*unstructured.Unstructured, error) {
	if d.ensureOnly {
		return m.ensureNamespace(ctx, d)
	}
	last, known := m.lastApplied(d.key)
	known = known && last.work == work
	cached, synced := m.cached(ctx, d.key)
	if known && upToDate(last, d.hash, d.obj, cached) {
		return cached, nil
	}
	if !known {
		existing := cached
		if existing == nil {
			var err error
			if existing, err = m.get(ctx, d.key); err != nil {
				return nil, fmt.Errorf("reading %s: %w", describe(d), err)
			}
		}
		if err := checkConflict(existing, d.obj, work, m.cluster); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(d.obj.Object)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", describe(d), err)
	}
	live, err := m.resource(d.key.gvr, d.key.namespace).Patch(ctx, d.key.name, types.ApplyPatchType, data,
		metav1.PatchOptions{FieldManager: naming.FieldManager, Force: ptr.To(true)})
	if err != nil {
		markStaleOnAuthError(m, err)
		if apierrors.IsNotFound(err) && d.key.namespace != "" {
			// The namespace went away; ensure it again next time.
			m.rememberNamespace(d.key.namespace, nil)
		}
		return nil, fmt.Errorf("applying %s: %w", describe(d), err)
	}
	m.recordApplied(d.key, appliedState{
		work: work, hash: d.hash, resourceVersion: live.GetResourceVersion(), generation: live.GetGeneration(),
	})
	log.FromContext(ctx).V(1).Info("applied", "cluster", m.cluster, "object", describe(d), "synced", synced,
		"resourceVersion", live.GetResourceVersion())
	return live, nil
}

// ensureNamespace creates a namespace the Work's objects need unless it exists.
// A namespace once seen is trusted to stay; a failed apply into it forgets it.
func (m *member) ensureNamespace(ctx context.Context, d *desired) (*unstructured.Unstructured, error) {
	if ns, ok := m.knownNamespace(d.key.name); ok {
		return ns, nil
	}
	ns, err := m.get(ctx, d.key)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", describe(d), err)
	}
	if ns == nil {
		ns, err = m.resource(d.key.gvr, "").Create(ctx, d.obj, metav1.CreateOptions{FieldManager: naming.FieldManager})
		if apierrors.IsAlreadyExists(err) {
			ns, err = m.get(ctx, d.key)
		}
		if err != nil {
			markStaleOnAuthError(m, err)
			return nil, fmt.Errorf("creating %s: %w", describe(d), err)
		}
	}
	if ns != nil && ns.GetDeletionTimestamp() == nil {
		m.rememberNamespace(d.key.name, ns)
	}
	return ns, nil
}

// describe names d's object for messages, e.g. "Deployment default/web".
func describe(d *desired) string {
	if d.key.namespace == "" {
		return d.obj.GetKind() + " " + d.key.name
	}
	return d.obj.GetKind() + " " + d.key.namespace + "/" + d.key.name
}

// errUndecodable marks manifests that cannot be parsed; they wait for the Work
// to change.
var errUndecodable = errors.New("invalid manifest")

// plan turns a Work's manifests into the objects to apply. The outcome of a
// manifest that cannot be decoded or whose kind the member does not serve has no
// desired object and carries the error.
func (m *member) plan(work types.NamespacedName, manifests []workv1alpha1.Manifest) []outcome {
	outcomes := make([]outcome, len(manifests))
	objs := make([]*unstructured.Unstructured, len(manifests))
	for i, manifest := range manifests {
		obj, err := decodeManifest(manifest)
		if err != nil {
			outcomes[i].err = fmt.Errorf("manifest %d: %w: %w", i, errUndecodable, err)
			continue
		}
		objs[i] = obj
	}
	ensure := ensureOnlyNamespaces(objs)
	for i, obj := range objs {
		if obj == nil {
			continue
		}
		mapping, err := m.mapping(obj.GroupVersionKind())
		if err != nil {
			outcomes[i].err = err
			continue
		}
		want := prepare(obj, mapping.Scope.Name(), work, ensure[i])
		hash, err := intentHash(want)
		if err != nil {
			outcomes[i].err = fmt.Errorf("manifest %d: %w: %w", i, errUndecodable, err)
			continue
		}
		outcomes[i].d = &desired{
			ordinal:    i,
			obj:        want,
			key:        objectKey{gvr: mapping.Resource, namespace: want.GetNamespace(), name: want.GetName()},
			id:         identifier(i, want, mapping.Resource.Resource),
			hash:       hash,
			ensureOnly: ensure[i],
		}
	}
	return outcomes
}
