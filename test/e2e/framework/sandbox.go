package framework

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Context names in the sandbox kubeconfigs, as Karmada's local-up names them.
const (
	ControlPlane = "karmada-apiserver"
	Member1      = "member1"
	Member2      = "member2"
	Member3      = "member3"
)

// Members lists the member contexts in order.
var Members = []string{Member1, Member2, Member3}

// Sandbox locates the kubeconfigs of a running sandbox.
type Sandbox struct {
	// Dir holds karmada.config and members.config.
	Dir string
}

// Load returns the sandbox named by SANDBOX_DIR, or skips the test when it is unset.
func Load(t testing.TB) *Sandbox {
	t.Helper()
	dir := os.Getenv("SANDBOX_DIR")
	if dir == "" {
		t.Skip("SANDBOX_DIR is not set; run the e2e tests with `make e2e`")
	}
	return &Sandbox{Dir: dir}
}

// Kubeconfig returns the kubeconfig file that holds the context.
func (s *Sandbox) Kubeconfig(context string) string {
	if context == ControlPlane {
		return filepath.Join(s.Dir, "karmada.config")
	}
	return filepath.Join(s.Dir, "members.config")
}

// RESTConfig returns the client configuration of a context.
func (s *Sandbox) RESTConfig(t testing.TB, context string) *rest.Config {
	t.Helper()
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: s.Kubeconfig(context)}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
	if err != nil {
		t.Fatalf("loading context %s: %v", context, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	return cfg
}

// Client returns a typed clientset for a context.
func (s *Sandbox) Client(t testing.TB, context string) kubernetes.Interface {
	t.Helper()
	c, err := kubernetes.NewForConfig(s.RESTConfig(t, context))
	if err != nil {
		t.Fatalf("client for %s: %v", context, err)
	}
	return c
}

// Dynamic returns a dynamic client for a context.
func (s *Sandbox) Dynamic(t testing.TB, context string) dynamic.Interface {
	t.Helper()
	c, err := dynamic.NewForConfig(s.RESTConfig(t, context))
	if err != nil {
		t.Fatalf("dynamic client for %s: %v", context, err)
	}
	return c
}

// Kubectl runs kubectl against a context of the sandbox kubeconfigs.
func (s *Sandbox) Kubectl(ctx context.Context, kubeContext string, args ...string) (string, error) {
	return Run(ctx, "kubectl", append([]string{"--kubeconfig", s.Kubeconfig(kubeContext), "--context", kubeContext}, args...)...)
}

// Plugin runs the kubectl-karmada binary built by `make build` against the control
// plane, with kubeconfig as given in args or the sandbox's control-plane kubeconfig.
func (s *Sandbox) Plugin(ctx context.Context, args ...string) (string, error) {
	return Run(ctx, s.Binary("kubectl-karmada"), append([]string{"--kubeconfig", s.Kubeconfig(ControlPlane)}, args...)...)
}

// Binary returns the path of a binary in _output/bin.
func (s *Sandbox) Binary(name string) string {
	if dir := os.Getenv("BIN_DIR"); dir != "" {
		return filepath.Join(dir, name)
	}
	return filepath.Join(s.Dir, "..", "bin", name)
}

// Run runs a command with a one-minute limit and returns its standard output;
// standard error is folded into the error.
func Run(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Script runs hack/sandbox.sh with the environment the tests were started with, so
// that it acts on the same sandbox.
func (s *Sandbox) Script(ctx context.Context, args ...string) (string, error) {
	return Run(ctx, filepath.Join(s.Dir, "..", "..", "hack", "sandbox.sh"), args...)
}
