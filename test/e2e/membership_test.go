package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// TestMembershipJoinUnjoinRoundTrip unjoins member3, checks nothing is left on either
// side, and joins it again.
func TestMembershipJoinUnjoinRoundTrip(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	m := framework.Member3
	memberFlags := []string{"--cluster-kubeconfig", sb.Kubeconfig(m), "--cluster-context", m}
	rejoin := func() {
		args := append([]string{"join", m}, memberFlags...)
		args = append(args, "--provider", "gcp", "--region", "europe-west1", "--zones", "europe-west1-b", "--wait", "90s")
		if out, err := sb.Plugin(context.Background(), args...); err != nil {
			t.Errorf("re-joining %s: %v\n%s", m, err, out)
		}
	}
	if out, err := sb.Plugin(ctx, append([]string{"unjoin", m}, memberFlags...)...); err != nil {
		t.Fatalf("unjoin: %v\n%s", err, out)
	}
	defer rejoin()

	cp := sb.Client(t, framework.ControlPlane)
	member := sb.Client(t, m)
	framework.WaitFor(ctx, t, 60*time.Second, "nothing left of "+m, func(ctx context.Context) (bool, string, error) {
		var left []string
		var c clusterv1alpha1.Cluster
		if err := sb.Karmada(t).Get(ctx, client.ObjectKey{Name: m}, &c); !apierrors.IsNotFound(err) {
			left = append(left, "Cluster")
		}
		for _, s := range []string{m, m + "-impersonator"} {
			if _, err := cp.CoreV1().Secrets("karmada-cluster").Get(ctx, s, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				left = append(left, "control-plane Secret "+s)
			}
		}
		if _, err := cp.CoreV1().Namespaces().Get(ctx, "karmada-es-"+m, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "namespace karmada-es-"+m)
		}
		for _, sa := range []string{"karmada-" + m, "karmada-impersonator"} {
			if _, err := member.CoreV1().ServiceAccounts("karmada-cluster").Get(ctx, sa, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				left = append(left, "member ServiceAccount "+sa)
			}
		}
		for _, name := range []string{"karmada-" + m, "karmada-impersonator"} {
			if _, err := member.RbacV1().ClusterRoles().Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				left = append(left, "member ClusterRole "+name)
			}
			if _, err := member.RbacV1().ClusterRoleBindings().Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				left = append(left, "member ClusterRoleBinding "+name)
			}
		}
		return len(left) == 0, strings.Join(left, ", "), nil
	})
	if out, err := sb.Plugin(ctx, append([]string{"unjoin", m}, memberFlags...)...); err != nil {
		t.Fatalf("a second unjoin must succeed: %v\n%s", err, out)
	}
}
