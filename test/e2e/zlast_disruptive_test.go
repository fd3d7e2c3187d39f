package e2e

// The tests in this file stop or unjoin a member. Go runs a package's test files in
// name order, and this file's name puts them after every test that needs all three
// members, so a slow recovery cannot make an unrelated test fail.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/work/v1alpha1"
	"github.com/fleetplane/fleetplane/pkg/federate/naming"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// TestMemberDownAndBack stops every process of member3: the cluster turns
// Ready=False within the health-check interval, the proxy answers 503 naming it in
// bounded time, and both recover when the member comes back, without restarting
// the proxy.
func TestMemberDownAndBack(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	admin := sb.RESTConfig(t, framework.ControlPlane)
	sb.WaitClusterReady(ctx, t, framework.Member3, metav1.ConditionTrue, 60*time.Second)

	if _, err := sb.Script(ctx, "stop-member", framework.Member3); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_, _ = sb.Script(context.Background(), "start-member", framework.Member3)
		}
	})
	// The sandbox probes every 5s with a 3s timeout.
	sb.WaitClusterReady(ctx, t, framework.Member3, metav1.ConditionFalse, 20*time.Second)

	start := time.Now()
	_, err := proxyGet(ctx, admin, framework.Member3)
	if statusOf(err) != 503 || !strings.Contains(err.Error(), "member3") {
		t.Fatalf("proxy to a stopped member: %v, want 503 naming member3", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the proxy took %s to answer for a stopped member", d)
	}

	if _, err := sb.Script(ctx, "start-member", framework.Member3); err != nil {
		t.Fatal(err)
	}
	restarted = true
	sb.WaitClusterReady(ctx, t, framework.Member3, metav1.ConditionTrue, 90*time.Second)
	if err := framework.Poll(ctx, 30*time.Second, func(ctx context.Context) (bool, string, error) {
		_, err := proxyGet(ctx, admin, framework.Member3)
		return err == nil, fmt.Sprint(err), nil
	}); err != nil {
		t.Fatalf("the proxy did not recover: %v", err)
	}
	// Leave the member as the next test expects it: its simulated nodes Ready.
	framework.WaitFor(ctx, t, 90*time.Second, "member3 nodes Ready again", func(ctx context.Context) (bool, string, error) {
		nodes, err := sb.Client(t, framework.Member3).CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		for _, n := range nodes.Items {
			if !nodeReady(&n) {
				return false, n.Name + " not Ready", nil
			}
		}
		return len(nodes.Items) > 0, "", nil
	})
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

// TestControllersRestartMidPropagation restarts the proxy (and so every controller)
// while twenty Deployments are being propagated: everything converges, with exactly
// one Work per Deployment and cluster.
func TestControllersRestartMidPropagation(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	cp := sb.Client(t, framework.ControlPlane)
	ns := framework.CreateNamespace(ctx, t, cp, "e2e-restart")
	pp := propagationPolicy(ns, "all", policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment"}, policyv1alpha1.Placement{})
	if err := sb.Karmada(t).Create(ctx, pp); err != nil {
		t.Fatal(err)
	}
	const n = 20
	for i := range n {
		d := framework.Deployment(ns, fmt.Sprintf("app-%d", i), 1)
		d.Spec.Template.Spec.Containers[0].Resources.Requests = nil
		if _, err := cp.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if i == n/2 {
			if out, err := sb.Script(ctx, "restart-proxy"); err != nil {
				t.Fatalf("restarting the proxy: %v\n%s", err, out)
			}
		}
	}
	framework.WaitFor(ctx, t, 3*time.Minute, "every Deployment ready on every member", func(ctx context.Context) (bool, string, error) {
		list, err := cp.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		ready := 0
		for _, d := range list.Items {
			if d.Status.ReadyReplicas == 3 {
				ready++
			}
		}
		return ready == n, fmt.Sprintf("%d/%d ready", ready, n), nil
	})
	for _, m := range framework.Members {
		var works workv1alpha1.WorkList
		if err := sb.Karmada(t).List(ctx, &works, client.InNamespace("karmada-es-"+m)); err != nil {
			t.Fatal(err)
		}
		count := 0
		for _, w := range works.Items {
			if w.Annotations[naming.ResourceBindingNamespaceAnnotation] == ns {
				count++
			}
		}
		if count != n {
			t.Errorf("%s holds %d Works of namespace %s, want exactly %d", m, count, ns, n)
		}
	}
}
