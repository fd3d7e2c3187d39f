package propagationpolicy

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

// Operation says what Apply did to the policy.
type Operation string

// The outcomes of Apply, worded as kubectl words them.
const (
	Created    Operation = "created"
	Configured Operation = "configured"
	Unchanged  Operation = "unchanged"
)

// Apply creates want, or, when a policy of that name exists, sets the fields that
// the command line decides (see Merge) and keeps the rest as it is, such as a
// priority or failover added by hand. dryRun asks the server to validate the
// write without persisting it. It returns the policy as stored, or as it would be.
func Apply(ctx context.Context, c client.Client, want Policy, dryRun bool) (Policy, Operation, error) {
	var createOpts []client.CreateOption
	var updateOpts []client.UpdateOption
	if dryRun {
		createOpts, updateOpts = []client.CreateOption{client.DryRunAll}, []client.UpdateOption{client.DryRunAll}
	}
	var got Policy
	var op Operation
	verb := "reading"
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got = Empty(want.Cluster())
		err := c.Get(ctx, client.ObjectKeyFromObject(want.Object), got.Object)
		if apierrors.IsNotFound(err) {
			got.SetName(want.GetName())
			got.SetNamespace(want.GetNamespace())
			*got.Spec = *want.Spec.DeepCopy()
			verb, op = "creating", Created
			err := c.Create(ctx, got.Object, createOpts...)
			if apierrors.IsAlreadyExists(err) {
				// Someone created it meanwhile: update theirs instead.
				return apierrors.NewConflict(policyv1alpha1.Resource(resourceOf(want)), want.GetName(), err)
			}
			return err
		}
		if err != nil {
			return err
		}
		before := got.Spec.DeepCopy()
		Merge(got.Spec, want.Spec)
		if equality.Semantic.DeepEqual(before, got.Spec) {
			op = Unchanged
			return nil
		}
		verb, op = "updating", Configured
		return c.Update(ctx, got.Object, updateOpts...)
	})
	if err != nil {
		return Policy{}, "", fmt.Errorf("%s %s: %w", verb, want, err)
	}
	// Decoding drops the type; printers need it.
	got.GetObjectKind().SetGroupVersionKind(want.GetObjectKind().GroupVersionKind())
	return got, op, nil
}

// Merge sets the fields of into that the command line decides to those of want:
// the resource selectors, the cluster affinity and the replica scheduling.
func Merge(into, want *policyv1alpha1.PropagationSpec) {
	w := want.DeepCopy()
	into.ResourceSelectors = w.ResourceSelectors
	into.Placement.ClusterAffinity = w.Placement.ClusterAffinity
	into.Placement.ReplicaScheduling = w.Placement.ReplicaScheduling
}

func resourceOf(p Policy) string {
	if p.Cluster() {
		return policyv1alpha1.ResourcePluralClusterPropagationPolicy
	}
	return policyv1alpha1.ResourcePluralPropagationPolicy
}
