package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

func clusterTaints(ctx context.Context, t *testing.T, sb *framework.Sandbox, name string) []corev1.Taint {
	t.Helper()
	var c clusterv1alpha1.Cluster
	if err := sb.Karmada(t).Get(ctx, client.ObjectKey{Name: name}, &c); err != nil {
		t.Fatal(err)
	}
	return c.Spec.Taints
}

func hasTaint(taints []corev1.Taint, key string, effect corev1.TaintEffect) bool {
	return slices.ContainsFunc(taints, func(t corev1.Taint) bool { return t.Key == key && t.Effect == effect })
}

func TestMembershipCordonAndTaint(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	if out, err := sb.Plugin(ctx, "cordon", framework.Member3); err != nil || !strings.Contains(out, "cordoned") {
		t.Fatalf("cordon: %q %v", out, err)
	}
	t.Cleanup(func() { _, _ = sb.Plugin(context.Background(), "uncordon", framework.Member3) })
	if !hasTaint(clusterTaints(ctx, t, sb, framework.Member3), clusterv1alpha1.TaintClusterUnscheduler, corev1.TaintEffectNoSchedule) {
		t.Fatal("cordon did not add the unschedulable taint")
	}
	if _, err := sb.Plugin(ctx, "uncordon", framework.Member3); err != nil {
		t.Fatal(err)
	}
	if hasTaint(clusterTaints(ctx, t, sb, framework.Member3), clusterv1alpha1.TaintClusterUnscheduler, corev1.TaintEffectNoSchedule) {
		t.Fatal("uncordon did not remove the taint")
	}

	if _, err := sb.Plugin(ctx, "taint", framework.Member3, "e2e-dedicated=ml:NoSchedule"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = sb.Plugin(context.Background(), "taint", framework.Member3, "e2e-dedicated-") })
	if !hasTaint(clusterTaints(ctx, t, sb, framework.Member3), "e2e-dedicated", corev1.TaintEffectNoSchedule) {
		t.Fatal("taint was not added")
	}
	if _, err := sb.Plugin(ctx, "taint", framework.Member3, "e2e-dedicated=other:NoSchedule"); err == nil {
		t.Fatal("changing a taint without --overwrite must fail")
	}
	if _, err := sb.Plugin(ctx, "taint", framework.Member3, "e2e-dedicated:NoSchedule-"); err != nil {
		t.Fatal(err)
	}
	if hasTaint(clusterTaints(ctx, t, sb, framework.Member3), "e2e-dedicated", corev1.TaintEffectNoSchedule) {
		t.Fatal("taint was not removed")
	}
	if _, err := sb.Plugin(ctx, "cordon", "no-such-cluster"); err == nil {
		t.Fatal("cordoning an unknown cluster must fail")
	}
}
