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

// Kubectl runs kubectl against a context with a one-minute limit and returns its
// standard output; standard error is folded into the error.
func (s *Sandbox) Kubectl(ctx context.Context, kubeContext string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	full := append([]string{"--kubeconfig", s.Kubeconfig(kubeContext), "--context", kubeContext}, args...)
	cmd := exec.CommandContext(ctx, "kubectl", full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
