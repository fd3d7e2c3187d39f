package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	rbacv1 "k8s.io/api/rbac/v1"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/fleetplane/fleetplane/pkg/federate/membership"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// The kwok objects hack/sandbox.sh creates on every member: attach follows a file,
// and port-forward sends every pod port to one local address.
var (
	clusterAttachGVR      = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterattaches"}
	clusterPortForwardGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterportforwards"}
)

const (
	sandboxAttach      = "sandbox-attach"
	sandboxPortForward = "sandbox-port-forward"
)

// streamTransport is how kubectl upgrades attach and port-forward connections.
// kubectl chooses with environment variables; its -v=7 log shows the request
// headers, which tell which one it really used.
type streamTransport struct {
	name string
	env  []string
	// seen and unseen are lower-case strings kubectl's log must (not) contain.
	seen, unseen []string
}

var streamTransports = []streamTransport{
	{
		name: "websocket",
		env:  []string{"KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true", "KUBECTL_PORT_FORWARD_WEBSOCKETS=true"},
		// A refused WebSocket upgrade would fall back to SPDY silently but for this log.
		seen: []string{"sec-websocket-protocol"}, unseen: []string{"fallback"},
	},
	{
		name: "spdy",
		env:  []string{"KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false", "KUBECTL_PORT_FORWARD_WEBSOCKETS=false"},
		seen: []string{"x-stream-protocol-version"}, unseen: []string{"sec-websocket-protocol"},
	},
}

// TestProxyAttachPortForward drives `kubectl attach` and `kubectl port-forward`
// through the unified kubeconfig, over WebSocket and over SPDY: both are upgraded
// connections that the proxy forwards to member1, where kwok serves them. Callers
// without rights are refused by the control plane or by the member.
func TestProxyAttachPortForward(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	direct := sb.Client(t, framework.Member1)
	attachFile, forwardTarget := kwokDebugTargets(ctx, t, sb)

	kc := filepath.Join(t.TempDir(), "unified.config")
	if _, err := sb.Plugin(ctx, "kubeconfig", "-o", kc); err != nil {
		t.Fatal(err)
	}
	ns := framework.CreateNamespace(ctx, t, direct, "e2e-attach")
	if _, err := direct.AppsV1().Deployments(ns).Create(ctx, lightDeployment(ns, "attached", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := waitRunningPod(ctx, t, direct, ns, "app=attached")
	websockets := kubectlHasStreamWebSockets(ctx, t)

	for _, tr := range streamTransports {
		t.Run("attach over "+tr.name, func(t *testing.T) {
			if tr.name == "websocket" && !websockets {
				t.Skip("kubectl older than 1.31 cannot attach or port-forward over WebSocket")
			}
			token := framework.RandomName("attached-" + tr.name)
			p := startKubectl(ctx, t, tr.env, kc, "attach", "-n", ns, pod, "-c", "app", "--pod-running-timeout=30s")
			defer p.stop()
			// kwok follows the file from its end, so append until kubectl shows the
			// lines: the first ones may come before the stream is attached.
			p.waitFor(t, 45*time.Second, "attach to stream "+token, func(stdout, stderr string) bool {
				if strings.Contains(stdout, token+"-out") && strings.Contains(stderr, token+"-err") {
					return true
				}
				appendAttachLines(t, attachFile, token)
				return false
			})
			p.checkTransport(t, tr)
		})

		t.Run("port-forward over "+tr.name, func(t *testing.T) {
			if tr.name == "websocket" && !websockets {
				t.Skip("kubectl older than 1.31 cannot attach or port-forward over WebSocket")
			}
			body := framework.RandomName("forwarded-" + tr.name)
			serveForwardTarget(ctx, t, forwardTarget, body)
			p := startKubectl(ctx, t, tr.env, kc, "port-forward", "-n", ns, "pod/"+pod, "--address", "127.0.0.1",
				"--pod-running-timeout=30s", ":8080")
			defer p.stop()
			localPort := 0
			forwarding := regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> 8080`)
			p.waitFor(t, 45*time.Second, "port-forward to listen", func(stdout, _ string) bool {
				if m := forwarding.FindStringSubmatch(stdout); m != nil {
					localPort, _ = strconv.Atoi(m[1])
					return true
				}
				return false
			})
			got, err := httpGet(ctx, fmt.Sprintf("http://127.0.0.1:%d/", localPort))
			if err != nil {
				t.Fatalf("GET through port-forward on :%d: %v\n%s", localPort, err, p.output())
			}
			if got != body {
				t.Fatalf("GET through port-forward answered %q, want %q (another server on %s?)", got, body, forwardTarget)
			}
			p.checkTransport(t, tr)
		})
	}

	t.Run("refused without rights", func(t *testing.T) {
		cp := sb.Client(t, framework.ControlPlane)
		// nobody has no rights at all: the control plane refuses clusters/proxy.
		nobody := framework.RandomName("e2e-nobody")
		nobodyKC := unifiedKubeconfigFor(t, sb, nobody)
		// viewer may use the proxy for member1 and view everything there, which
		// includes neither pods/attach nor pods/portforward: member1 refuses.
		viewer := framework.RandomName("e2e-viewer")
		viewerKC := unifiedKubeconfigFor(t, sb, viewer)
		grantProxy(ctx, t, cp, userSubject(viewer), framework.Member1)
		grantView(ctx, t, direct, userSubject(viewer))
		if err := waitProxyStatus(ctx, t, sb.UserConfig(t, viewer), framework.Member1, 200, ""); err != nil {
			t.Fatalf("viewer cannot view member1 through the proxy: %v", err)
		}
		// getter may only get on clusters/proxy (and may attach on member1): a
		// WebSocket upgrade arrives as a GET, yet the control plane wants create
		// for it, as for SPDY's POST.
		getter := framework.RandomName("e2e-getter")
		getterKC := unifiedKubeconfigFor(t, sb, getter)
		getOnly := framework.RandomName("e2e-proxy-get")
		createRBAC(ctx, t, cp, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: getOnly},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"cluster.karmada.io"}, Resources: []string{"clusters/proxy"},
				ResourceNames: []string{framework.Member1}, Verbs: []string{"get"}}},
		}, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: getOnly},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: getOnly},
			Subjects:   []rbacv1.Subject{userSubject(getter)},
		})
		createRBAC(ctx, t, direct, nil, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: getOnly},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
			Subjects:   []rbacv1.Subject{userSubject(getter)},
		})

		for _, tr := range streamTransports {
			if tr.name == "websocket" && !websockets {
				continue
			}
			for _, c := range []struct {
				who, kubeconfig string
				args            []string
				want            []string
			}{
				{nobody, nobodyKC, []string{"attach", "-n", ns, pod, "-c", "app"},
					[]string{"forbidden", `User "` + nobody + `"`, `"clusters/proxy"`}},
				{nobody, nobodyKC, []string{"port-forward", "-n", ns, "pod/" + pod, ":8080"},
					[]string{"forbidden", `User "` + nobody + `"`, `"clusters/proxy"`}},
				{viewer, viewerKC, []string{"attach", "-n", ns, pod, "-c", "app"},
					[]string{"forbidden", `User "` + viewer + `"`, `"pods/attach"`}},
				{viewer, viewerKC, []string{"port-forward", "-n", ns, "pod/" + pod, ":8080"},
					[]string{"forbidden", `User "` + viewer + `"`, `"pods/portforward"`}},
				{getter, getterKC, []string{"attach", "-n", ns, pod, "-c", "app"},
					[]string{"forbidden", "clusters/proxy"}},
			} {
				out, err := runKubectlFails(ctx, tr.env, c.kubeconfig, c.args...)
				if err == nil {
					t.Errorf("%s over %s as %s succeeded; want it refused:\n%s", c.args[0], tr.name, c.who, out)
					continue
				}
				for _, w := range c.want {
					if !strings.Contains(out, w) {
						t.Errorf("%s over %s as %s: error does not contain %q:\n%s", c.args[0], tr.name, c.who, w, out)
					}
				}
			}
		}
	})
}

// kwokDebugTargets reads, from member1, the file kwok attaches to and the address
// it forwards pod ports to.
func kwokDebugTargets(ctx context.Context, t *testing.T, sb *framework.Sandbox) (attachFile, forwardTarget string) {
	t.Helper()
	dyn := sb.Dynamic(t, framework.Member1)
	const stale = "; the sandbox predates attach and port-forward: recreate it with `make down && make up`"
	ca, err := dyn.Resource(clusterAttachGVR).Get(ctx, sandboxAttach, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("ClusterAttach %s on member1: %v%s", sandboxAttach, err, stale)
	}
	var attach struct {
		Spec struct {
			Attaches []struct {
				LogsFile string `json:"logsFile"`
			} `json:"attaches"`
		} `json:"spec"`
	}
	fromUnstructured(t, ca.Object, &attach)
	if len(attach.Spec.Attaches) == 0 || attach.Spec.Attaches[0].LogsFile == "" {
		t.Fatalf("ClusterAttach %s has no logsFile: %v", sandboxAttach, ca.Object["spec"])
	}
	pf, err := dyn.Resource(clusterPortForwardGVR).Get(ctx, sandboxPortForward, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("ClusterPortForward %s on member1: %v%s", sandboxPortForward, err, stale)
	}
	var forward struct {
		Spec struct {
			Forwards []struct {
				Target *struct {
					Address string `json:"address"`
					Port    int    `json:"port"`
				} `json:"target"`
			} `json:"forwards"`
		} `json:"spec"`
	}
	fromUnstructured(t, pf.Object, &forward)
	if len(forward.Spec.Forwards) == 0 || forward.Spec.Forwards[0].Target == nil {
		t.Fatalf("ClusterPortForward %s has no target: %v", sandboxPortForward, pf.Object["spec"])
	}
	target := forward.Spec.Forwards[0].Target
	return attach.Spec.Attaches[0].LogsFile, net.JoinHostPort(target.Address, strconv.Itoa(target.Port))
}

func fromUnstructured(t *testing.T, obj map[string]any, into any) {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

// appendAttachLines appends a stdout and a stderr line, in the CRI log format kwok
// reads, to the file attached pods stream.
func appendAttachLines(t *testing.T, path, token string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("opening the attach file: %v", err)
	}
	defer f.Close()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if _, err := fmt.Fprintf(f, "%s stdout F %s-out\n%s stderr F %s-err\n", now, token, now, token); err != nil {
		t.Fatalf("appending to the attach file: %v", err)
	}
}

// serveForwardTarget answers every request with body on addr, the address kwok
// forwards pod ports to, until the test ends. Another test run may hold the
// address for a while, so it waits for it.
func serveForwardTarget(ctx context.Context, t *testing.T, addr, body string) {
	t.Helper()
	var l net.Listener
	framework.WaitFor(ctx, t, 90*time.Second, "the port-forward target "+addr+" to be free", func(context.Context) (bool, string, error) {
		var err error
		l, err = net.Listen("tcp", addr)
		if errors.Is(err, syscall.EADDRINUSE) {
			return false, err.Error(), nil
		}
		return err == nil, "", err
	})
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
}

func httpGet(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), nil
}

// unifiedKubeconfigFor writes a unified kubeconfig for member1 that authenticates
// as user, built as `kubectl karmada kubeconfig` builds it (which would need the
// right to list clusters).
func unifiedKubeconfigFor(t *testing.T, sb *framework.Sandbox, user string) string {
	t.Helper()
	base, err := clientcmd.LoadFromFile(sb.UserKubeconfig(t, user))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := membership.UnifiedKubeconfig(base, "", []string{framework.Member1})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), user+"-unified.config")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// kubectlHasStreamWebSockets reports whether the installed kubectl can attach and
// port-forward over WebSocket (1.31 and later).
func kubectlHasStreamWebSockets(ctx context.Context, t *testing.T) bool {
	t.Helper()
	out, err := framework.Run(ctx, "kubectl", "version", "--client", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ClientVersion struct {
			Major, Minor, GitVersion string
		} `json:"clientVersion"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("kubectl version: %v\n%s", err, out)
	}
	minor, _ := strconv.Atoi(strings.TrimRight(v.ClientVersion.Minor, "+"))
	t.Logf("kubectl %s", v.ClientVersion.GitVersion)
	return v.ClientVersion.Major == "1" && minor >= 31
}

// kubectlProc is a kubectl that streams until the test stops it.
type kubectlProc struct {
	verb           string
	cmd            *exec.Cmd
	cancel         context.CancelFunc
	stdout, stderr *syncBuffer
	exited         chan struct{}
	err            error
}

// startKubectl starts kubectl with -v=7 (which logs the upgrade request headers)
// against the member1 context of kubeconfig.
func startKubectl(ctx context.Context, t *testing.T, env []string, kubeconfig string, args ...string) *kubectlProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	p := &kubectlProc{verb: args[0], cancel: cancel, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, "kubectl", append([]string{"-v=7", "--kubeconfig", kubeconfig, "--context", framework.Member1}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	return p
}

// waitFor polls cond on what kubectl printed so far; it fails the test when
// kubectl exits first or the time is up.
func (p *kubectlProc) waitFor(t *testing.T, timeout time.Duration, what string, cond func(stdout, stderr string) bool) {
	t.Helper()
	deadline := time.After(timeout)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond(p.stdout.String(), p.stderr.String()) {
			return
		}
		select {
		case <-p.exited:
			if cond(p.stdout.String(), p.stderr.String()) {
				return
			}
			t.Fatalf("kubectl %s exited (%v) before %s:\n%s", p.verb, p.err, what, p.output())
		case <-deadline:
			t.Fatalf("timed out after %s waiting for %s:\n%s", timeout, what, p.output())
		case <-tick.C:
		}
	}
}

// checkTransport fails the test when kubectl did not upgrade as tr asks.
func (p *kubectlProc) checkTransport(t *testing.T, tr streamTransport) {
	t.Helper()
	log := strings.ToLower(p.stderr.String())
	for _, s := range tr.seen {
		if !strings.Contains(log, s) {
			t.Errorf("kubectl did not connect over %s: its log has no %q:\n%s", tr.name, s, p.output())
		}
	}
	for _, s := range tr.unseen {
		if strings.Contains(log, s) {
			t.Errorf("kubectl did not connect over %s only: its log has %q:\n%s", tr.name, s, p.output())
		}
	}
}

// stop kills kubectl (attach and port-forward run until killed) and waits for it.
func (p *kubectlProc) stop() {
	p.cancel()
	<-p.exited
}

// output is what kubectl printed, with its -v=7 log cut to the lines about the
// upgrade and errors.
func (p *kubectlProc) output() string {
	var keep []string
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		l := strings.ToLower(line)
		if !strings.HasPrefix(line, "I") || strings.Contains(l, "upgrade") || strings.Contains(l, "protocol") ||
			strings.Contains(l, "fallback") || strings.Contains(l, "status") || strings.Contains(l, "error") {
			keep = append(keep, line)
		}
	}
	return "stdout:\n" + p.stdout.String() + "\nstderr:\n" + strings.Join(keep, "\n")
}

// runKubectlFails runs a kubectl that should be refused quickly, against the
// member1 context of kubeconfig, and returns its combined output.
func runKubectlFails(ctx context.Context, env []string, kubeconfig string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", kubeconfig, "--context", framework.Member1,
		"--pod-running-timeout=10s"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// syncBuffer is a bytes.Buffer that kubectl's output copiers and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
