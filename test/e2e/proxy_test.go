package e2e

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

func proxyPath(cluster, memberPath string) string {
	return "/apis/cluster.karmada.io/v1alpha1/clusters/" + cluster + "/proxy" + memberPath
}

// TestUnifiedKubeconfig drives plain kubectl through the unified kubeconfig: one
// context per member, all through the control plane's single entrance.
func TestUnifiedKubeconfig(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	kc := filepath.Join(t.TempDir(), "unified.config")
	if _, err := sb.Plugin(ctx, "kubeconfig", "-o", kc); err != nil {
		t.Fatal(err)
	}
	kubectl := func(member string, args ...string) (string, error) {
		return framework.Run(ctx, "kubectl", append([]string{"--kubeconfig", kc, "--context", member}, args...)...)
	}
	for _, m := range framework.Members {
		out, err := kubectl(m, "get", "nodes", "-o", "name")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "node/"+m+"-node1") {
			t.Fatalf("%s through the proxy lists nodes of another cluster:\n%s", m, out)
		}
	}

	direct := sb.Client(t, framework.Member1)
	ns := framework.CreateNamespace(ctx, t, direct, "e2e-unified")

	t.Run("apply get delete", func(t *testing.T) {
		manifest := filepath.Join(t.TempDir(), "cm.yaml")
		writeFile(t, manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: via-proxy\n  namespace: "+ns+"\ndata:\n  k: v\n")
		if _, err := kubectl(framework.Member1, "apply", "-f", manifest); err != nil {
			t.Fatal(err)
		}
		if _, err := direct.CoreV1().ConfigMaps(ns).Get(ctx, "via-proxy", metav1.GetOptions{}); err != nil {
			t.Fatalf("applied through the proxy but not on member1: %v", err)
		}
		if out, err := kubectl(framework.Member1, "get", "configmap", "via-proxy", "-n", ns, "-o", "jsonpath={.data.k}"); err != nil || out != "v" {
			t.Fatalf("get = %q, %v", out, err)
		}
		if _, err := kubectl(framework.Member1, "apply", "--server-side", "-f", manifest); err != nil {
			t.Fatalf("server-side apply: %v", err)
		}
		if _, err := kubectl(framework.Member1, "patch", "configmap", "via-proxy", "-n", ns, "--type=merge", "-p", `{"data":{"k":"w"}}`); err != nil {
			t.Fatalf("merge patch: %v", err)
		}
		if _, err := kubectl(framework.Member1, "patch", "configmap", "via-proxy", "-n", ns, "--type=json", "-p", `[{"op":"add","path":"/data/j","value":"x"}]`); err != nil {
			t.Fatalf("json patch: %v", err)
		}
		if _, err := kubectl(framework.Member1, "delete", "configmap", "via-proxy", "-n", ns); err != nil {
			t.Fatal(err)
		}
		if _, err := direct.CoreV1().ConfigMaps(ns).Get(ctx, "via-proxy", metav1.GetOptions{}); err == nil {
			t.Fatal("deleted through the proxy but still on member1")
		}
	})

	t.Run("watch sees a change made on the member", func(t *testing.T) {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(wctx, "kubectl", "--kubeconfig", kc, "--context", framework.Member1,
			"get", "configmaps", "-n", ns, "-w", "-o", "name")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cancel(); _ = cmd.Wait() }()
		lines := make(chan string)
		go func() {
			s := bufio.NewScanner(stdout)
			for s.Scan() {
				lines <- s.Text()
			}
			close(lines)
		}()
		// Give the watch a moment to be established, then change the member directly.
		time.Sleep(2 * time.Second)
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "watched", Namespace: ns}}
		if _, err := direct.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		for line := range lines {
			if line == "configmap/watched" {
				return
			}
		}
		t.Fatal("the watch through the proxy never saw configmap/watched")
	})

	t.Run("logs exec api-resources explain", func(t *testing.T) {
		d := framework.Deployment(ns, "web", 1)
		if _, err := direct.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod := waitRunningPod(ctx, t, direct, ns, "app=web")
		if out, err := kubectl(framework.Member1, "logs", "-n", ns, pod); err != nil || !strings.Contains(out, "listening on :8080") {
			t.Fatalf("logs = %q, %v", out, err)
		}
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		out, _ := exec.CommandContext(fctx, "kubectl", "--kubeconfig", kc, "--context", framework.Member1,
			"logs", "-f", "-n", ns, pod).Output()
		if !strings.Contains(string(out), "listening on :8080") {
			t.Fatalf("logs -f streamed %q", out)
		}
		if out, err := kubectl(framework.Member1, "exec", "-n", ns, pod, "--", "echo", "through-the-proxy"); err != nil || strings.TrimSpace(out) != "through-the-proxy" {
			t.Fatalf("exec = %q, %v", out, err)
		}
		if out, err := kubectl(framework.Member1, "api-resources"); err != nil || !strings.Contains(out, "deployments") {
			t.Fatalf("api-resources = %q, %v", out, err)
		}
		if out, err := kubectl(framework.Member1, "explain", "deployments.spec.replicas"); err != nil || !strings.Contains(out, "replicas") {
			t.Fatalf("explain = %q, %v", out, err)
		}
	})
}

func waitRunningPod(ctx context.Context, t *testing.T, c kubernetes.Interface, ns, selector string) string {
	t.Helper()
	var name string
	framework.WaitFor(ctx, t, 90*time.Second, "a Running pod "+selector, func(ctx context.Context) (bool, string, error) {
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, "", err
		}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				name = p.Name
				return true, "", nil
			}
		}
		return false, "pods: " + podPhases(pods.Items), nil
	})
	return name
}

func podPhases(pods []corev1.Pod) string {
	var s []string
	for _, p := range pods {
		s = append(s, p.Name+"="+string(p.Status.Phase))
	}
	return strings.Join(s, ",")
}

// grantProxy lets subject reach the named clusters through the proxy.
func grantProxy(ctx context.Context, t *testing.T, c kubernetes.Interface, subject rbacv1.Subject, clusters ...string) {
	t.Helper()
	name := framework.RandomName("e2e-proxy")
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"},
			ResourceNames: clusters, Verbs: []string{"*"}}},
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{subject},
	}
	createRBAC(ctx, t, c, role, binding)
}

// grantView lets subject view everything on a member.
func grantView(ctx context.Context, t *testing.T, c kubernetes.Interface, subject rbacv1.Subject) {
	t.Helper()
	name := framework.RandomName("e2e-view")
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{subject},
	}
	createRBAC(ctx, t, c, nil, binding)
}

func createRBAC(ctx context.Context, t *testing.T, c kubernetes.Interface, role *rbacv1.ClusterRole, binding *rbacv1.ClusterRoleBinding) {
	t.Helper()
	if role != nil {
		if _, err := c.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.RbacV1().ClusterRoles().Delete(context.Background(), role.Name, metav1.DeleteOptions{}) })
	}
	if _, err := c.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})
}

// proxyGet lists namespaces on a member through the proxy as the caller. On
// failure the error carries the response body, which names who refused and why.
func proxyGet(ctx context.Context, cfg *rest.Config, cluster string) ([]byte, error) {
	c := kubernetes.NewForConfigOrDie(cfg)
	body, err := c.Discovery().RESTClient().Get().AbsPath(proxyPath(cluster, "/api/v1/namespaces")).DoRaw(ctx)
	if err != nil {
		return body, &bodyError{err: err, body: string(body)}
	}
	return body, nil
}

// bodyError keeps the HTTP status of an API error and adds the response body.
type bodyError struct {
	err  error
	body string
}

func (e *bodyError) Error() string {
	return e.err.Error() + ": " + strings.ReplaceAll(e.body, `\"`, `"`)
}
func (e *bodyError) Unwrap() error { return e.err }
