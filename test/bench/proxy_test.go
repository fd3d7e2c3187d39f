package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

const configMaps = 2000

// rounds is how many times TestProxyOverhead alternates between the direct and
// the proxied path for one measurement.
const rounds = 4

// TestProxyOverhead measures GET and LIST of 2,000 ConfigMaps on member1, directly and
// through the control plane's aggregator and the proxy, at concurrency 1 and 16, and
// prints the ratios. It runs only with BENCH=1 (make bench).
func TestProxyOverhead(t *testing.T) {
	if os.Getenv("BENCH") == "" {
		t.Skip("set BENCH=1 (make bench) to run benchmarks")
	}
	sb := framework.Load(t)
	ctx := t.Context()

	directCfg := unlimited(sb.RESTConfig(t, framework.Member1))
	proxyCfg := unlimited(sb.RESTConfig(t, framework.ControlPlane))
	proxyCfg.Host = strings.TrimSuffix(proxyCfg.Host, "/") + "/apis/cluster.karmada.io/v1alpha1/clusters/" + framework.Member1 + "/proxy"
	direct := kubernetes.NewForConfigOrDie(directCfg)
	proxied := kubernetes.NewForConfigOrDie(proxyCfg)

	ns := framework.CreateNamespace(ctx, t, direct, "bench-proxy")
	seed := Measure(ctx, configMaps, 16, func(ctx context.Context, i int) error {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%05d", i), Namespace: ns},
			Data: map[string]string{"key": strings.Repeat("x", 64)}}
		_, err := direct.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
		return err
	})
	if seed.Errors > 0 {
		t.Fatalf("seeding ConfigMaps: %v", seed.FirstError)
	}

	type op struct {
		name string
		n    int
		run  func(c kubernetes.Interface) func(ctx context.Context, i int) error
	}
	ops := []op{
		{name: "GET", n: 2000, run: func(c kubernetes.Interface) func(context.Context, int) error {
			return func(ctx context.Context, i int) error {
				_, err := c.CoreV1().ConfigMaps(ns).Get(ctx, fmt.Sprintf("cm-%05d", i%configMaps), metav1.GetOptions{})
				return err
			}
		}},
		{name: "LIST", n: 64, run: func(c kubernetes.Interface) func(context.Context, int) error {
			return func(ctx context.Context, _ int) error {
				l, err := c.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
				if err == nil && len(l.Items) < configMaps {
					err = fmt.Errorf("listed %d ConfigMaps, want at least %d", len(l.Items), configMaps)
				}
				return err
			}
		}},
	}
	var report strings.Builder
	fmt.Fprintf(&report, "\nproxy overhead, %d ConfigMaps on member1 (direct vs control plane -> aggregator -> proxy -> member1)\n", configMaps)
	fmt.Fprintf(&report, "%-5s %-4s %12s %12s %8s %12s %12s %8s %10s %10s %8s\n",
		"op", "conc", "direct p50", "proxy p50", "ratio", "direct p99", "proxy p99", "ratio", "direct/s", "proxy/s", "ratio")
	for _, o := range ops {
		for _, conc := range []int{1, 16} {
			// Warm both paths so connection setup is not measured.
			Measure(ctx, 20, conc, o.run(direct))
			Measure(ctx, 20, conc, o.run(proxied))
			// Alternate the two paths in rounds, so that a change in the
			// machine's load during the run weighs on both alike.
			var d, p Sample
			for range rounds {
				d.Add(Measure(ctx, o.n/rounds, conc, o.run(direct)))
				p.Add(Measure(ctx, o.n/rounds, conc, o.run(proxied)))
			}
			if d.Errors+p.Errors > 0 {
				t.Fatalf("%s: errors direct=%d (%v) proxy=%d (%v)", o.name, d.Errors, d.FirstError, p.Errors, p.FirstError)
			}
			fmt.Fprintf(&report, "%-5s %-4d %12s %12s %7.2fx %12s %12s %7.2fx %10.0f %10.0f %7.2fx\n", o.name, conc,
				round(d.Median()), round(p.Median()), ratio(p.Median(), d.Median()),
				round(d.P99()), round(p.P99()), ratio(p.P99(), d.P99()),
				d.Throughput(), p.Throughput(), p.Throughput()/d.Throughput())
		}
	}
	t.Log(report.String())
	fmt.Print(report.String())
}

func unlimited(cfg *rest.Config) *rest.Config {
	cfg.QPS, cfg.Burst = -1, 0
	cfg.RateLimiter = nil
	cfg.Timeout = time.Minute
	return cfg
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func round(d time.Duration) time.Duration {
	if d > time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
