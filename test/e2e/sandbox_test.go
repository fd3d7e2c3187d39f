package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

func TestSandboxAPIServersHealthy(t *testing.T) {
	sb := framework.Load(t)
	for _, c := range append([]string{framework.ControlPlane}, framework.Members...) {
		t.Run(c, func(t *testing.T) {
			body, err := sb.Client(t, c).Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(t.Context())
			if err != nil {
				t.Fatalf("%s /readyz: %v (%s)", c, err, body)
			}
		})
	}
}

func TestSandboxControlPlaneHasNoNodes(t *testing.T) {
	sb := framework.Load(t)
	nodes, err := sb.Client(t, framework.ControlPlane).CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != 0 {
		t.Fatalf("the control plane must have no nodes, found %d", len(nodes.Items))
	}
}

func TestSandboxMemberNodesReady(t *testing.T) {
	sb := framework.Load(t)
	for _, m := range framework.Members {
		t.Run(m, func(t *testing.T) {
			framework.WaitFor(t.Context(), t, time.Minute, m+" nodes Ready", func(ctx context.Context) (bool, string, error) {
				nodes, err := sb.Client(t, m).CoreV1().Nodes().List(ctx, metav1.ListOptions{})
				if err != nil {
					return false, "", err
				}
				var notReady []string
				for _, n := range nodes.Items {
					if !nodeReady(&n) {
						notReady = append(notReady, n.Name)
					}
					for _, l := range []string{"topology.kubernetes.io/region", "topology.kubernetes.io/zone"} {
						if n.Labels[l] == "" {
							return false, "", fmt.Errorf("node %s has no %s label", n.Name, l)
						}
					}
				}
				seen := fmt.Sprintf("%d nodes, not ready: %v", len(nodes.Items), notReady)
				return len(nodes.Items) >= 2 && len(notReady) == 0, seen, nil
			})
		})
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// TestSandboxWorkloadOnMember proves that a member runs workloads for real: a
// Deployment gets Running pods, and kubectl logs and exec reach them through the
// member's apiserver.
func TestSandboxWorkloadOnMember(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	c := sb.Client(t, framework.Member2)
	ns := framework.CreateNamespace(ctx, t, c, "e2e-sandbox")
	d := framework.Deployment(ns, "web", 2)
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(ctx, t, 90*time.Second, "deployment web ready on member2", func(ctx context.Context) (bool, string, error) {
		got, err := c.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return got.Status.ReadyReplicas == 2, fmt.Sprintf("readyReplicas=%d", got.Status.ReadyReplicas), nil
	})

	pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("listing pods: %v (%d pods)", err, len(pods.Items))
	}
	pod := pods.Items[0].Name

	t.Run("logs", func(t *testing.T) {
		out, err := sb.Kubectl(ctx, framework.Member2, "logs", "-n", ns, pod)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "listening on :8080") {
			t.Fatalf("logs of %s do not hold the sandbox log lines:\n%s", pod, out)
		}
	})
	t.Run("exec", func(t *testing.T) {
		out, err := sb.Kubectl(ctx, framework.Member2, "exec", "-n", ns, pod, "--", "echo", "hello-from-"+pod)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out) != "hello-from-"+pod {
			t.Fatalf("exec output = %q", out)
		}
	})
}
