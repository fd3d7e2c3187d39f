package clustertaint

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fleetplane/fleetplane/pkg/federate/membership"
)

// Update reads the named Cluster, lets edit compute its new taints and writes them
// back when they differ, retrying when the Cluster changed in between. It reports
// whether it wrote anything.
func Update(ctx context.Context, c client.Client, name string, edit func([]corev1.Taint) ([]corev1.Taint, error)) (bool, error) {
	var changed bool
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cluster, err := membership.GetCluster(ctx, c, name)
		if err != nil {
			return err
		}
		taints, err := edit(cluster.Spec.Taints)
		if err != nil {
			return err
		}
		if changed = !equality.Semantic.DeepEqual(taints, cluster.Spec.Taints); !changed {
			return nil
		}
		cluster.Spec.Taints = taints
		return c.Update(ctx, cluster)
	})
	return changed, err
}
