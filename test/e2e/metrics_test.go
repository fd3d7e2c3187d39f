package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// TestProxyMetricsCoverControllers checks that one scrape of the proxy's
// /metrics shows its controllers (reconciles, work queues) beside the
// apiserver's own metrics, and that a caller without the right to read
// /metrics on the control plane gets none of it.
func TestProxyMetricsCoverControllers(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	// The cluster status controller requeues every cluster periodically.
	framework.WaitFor(ctx, t, time.Minute, "cluster status reconciles in /metrics", func(ctx context.Context) (bool, string, error) {
		n := sb.ProxyMetric(ctx, t, `controller_runtime_reconcile_total{controller="cluster-status-controller",result="requeue_after"}`)
		return n > 0, "", nil
	})
	for _, name := range []string{
		`controller_runtime_reconcile_errors_total{controller="execution-controller"}`,
		`workqueue_depth{controller="resourcebinding",name="resourcebinding"`,
		"apiserver_request_total",
	} {
		if !hasProxyMetric(ctx, t, sb, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	t.Run("a caller without rights on /metrics is refused", func(t *testing.T) {
		nobody := sb.ProxyProcess(ctx, t, sb.UserConfig(t, framework.RandomName("nobody")))
		_, err := nobody.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
		if !apierrors.IsForbidden(err) {
			t.Errorf("GET /metrics as an unprivileged user: %v, want 403", err)
		}
	})
}

// hasProxyMetric reports whether the proxy's /metrics has a series whose name
// and labels start with prefix.
func hasProxyMetric(ctx context.Context, t *testing.T, sb *framework.Sandbox, prefix string) bool {
	t.Helper()
	body, err := sb.ProxyProcess(ctx, t, sb.RESTConfig(t, framework.ControlPlane)).Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		t.Fatalf("reading the proxy's metrics: %v", err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}
