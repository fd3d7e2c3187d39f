package bench

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// TestPropagationLatency measures, for 1, 100 and 1,000 Deployments created at once,
// the time from each template's create to its readyReplicas aggregated on the
// control plane, with one replica on each of the three members. It reports p50/p99
// per object, the templates per second sustained, the control-plane requests spent
// per template, and the proxy process's CPU time and peak memory.
func TestPropagationLatency(t *testing.T) {
	if os.Getenv("BENCH") == "" {
		t.Skip("set BENCH=1 (make bench) to run benchmarks")
	}
	sb := framework.Load(t)
	ctx := t.Context()
	cfg := unlimited(sb.RESTConfig(t, framework.ControlPlane))
	cp := kubernetes.NewForConfigOrDie(cfg)

	var report strings.Builder
	fmt.Fprintf(&report, "\npropagation latency: template create -> readyReplicas aggregated on the control plane (3 replicas, Divided over 3 members)\n")
	fmt.Fprintf(&report, "%6s %10s %10s %10s %12s %14s %12s %12s\n", "count", "p50", "p99", "max", "templates/s", "cp req/tmpl", "proxy cpu", "proxy rss")
	var breakdowns, cpus []string
	for _, n := range counts() {
		ns := framework.CreateNamespace(ctx, t, cp, fmt.Sprintf("bench-prop-%d", n))
		createDividedPolicy(ctx, t, sb, ns)
		reqBefore := controlPlaneRequests(ctx, t, cp)
		cpuBefore := proxyCPU(t, sb)
		processesBefore := processCPU(t, sb)

		created := make([]time.Time, n)
		ready := make([]time.Time, n)
		var mu sync.Mutex
		done := make(chan struct{})
		go func() {
			defer close(done)
			left := n
			watchReady(ctx, cp, ns, 3, func(i int) bool {
				mu.Lock()
				defer mu.Unlock()
				if i < n && ready[i].IsZero() {
					ready[i] = time.Now()
					left--
				}
				return left == 0
			})
		}()
		start := time.Now()
		Measure(ctx, n, 16, func(ctx context.Context, i int) error {
			d := smallDeployment(ns, i, 3)
			mu.Lock()
			created[i] = time.Now()
			mu.Unlock()
			_, err := cp.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
			return err
		})
		select {
		case <-done:
		case <-time.After(10 * time.Minute):
			t.Fatalf("%d Deployments: not all became ready within 10 minutes", n)
		}
		elapsed := time.Since(start)
		reqsAfter := controlPlaneRequests(ctx, t, cp)
		cpu := proxyCPU(t, sb) - cpuBefore
		cpus = append(cpus, fmt.Sprintf("%6d  %s", n, cpuSpent(processesBefore, processCPU(t, sb))))

		var lat []time.Duration
		for i := range n {
			lat = append(lat, ready[i].Sub(created[i]))
		}
		slices.Sort(lat)
		s := Sample{Latencies: lat}
		fmt.Fprintf(&report, "%6d %10s %10s %10s %12.1f %14.1f %12s %12s\n", n, round(s.Median()), round(s.P99()), round(lat[len(lat)-1]),
			float64(n)/elapsed.Seconds(), (reqsAfter.total()-reqBefore.total())/float64(n), cpu.Round(10*time.Millisecond), proxyRSS(t, sb))
		breakdowns = append(breakdowns, fmt.Sprintf("%6d  %s", n, reqsAfter.perTemplate(reqBefore, n)))
		// Clean up before the next size so members do not carry the load forward.
		deleteNamespace(ctx, t, cp, ns)
	}
	fmt.Fprintf(&report, "control-plane requests per template, by verb and resource:\n%s\n", strings.Join(breakdowns, "\n"))
	fmt.Fprintf(&report, "CPU the sandbox's processes used from the first create to the last ready:\n%s\n", strings.Join(cpus, "\n"))
	fmt.Fprintf(&report, "baseline, the same Deployments applied directly to each of the three members (1 replica each):\n")
	var members []kubernetes.Interface
	for _, m := range framework.Members {
		members = append(members, kubernetes.NewForConfigOrDie(unlimited(sb.RESTConfig(t, m))))
	}
	cpus = nil
	for _, n := range counts() {
		lat, rate, cpu := directBaseline(ctx, t, sb, members, n)
		fmt.Fprintf(&report, "%6d %10s %10s %10s %12.1f\n", n, round(lat.Median()), round(lat.P99()), round(lat.percentile(1)), rate)
		cpus = append(cpus, fmt.Sprintf("%6d  %s", n, cpu))
	}
	fmt.Fprintf(&report, "CPU of the baseline, from the first create to the last ready:\n%s\n", strings.Join(cpus, "\n"))
	t.Log(report.String())
	fmt.Print(report.String())
}

// directBaseline creates n Deployments directly on every member, as propagation
// would, and measures the time until each is ready on all of them: what the members
// themselves cost, with no control plane.
func directBaseline(ctx context.Context, t *testing.T, sb *framework.Sandbox, members []kubernetes.Interface, n int) (Sample, float64, string) {
	name := framework.RandomName(fmt.Sprintf("bench-direct-%d", n))
	for _, c := range members {
		if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	created := make([]time.Time, n)
	var mu sync.Mutex
	processesBefore := processCPU(t, sb)
	start := time.Now()
	Measure(ctx, n, 16, func(ctx context.Context, i int) error {
		d := smallDeployment(name, i, 1)
		mu.Lock()
		created[i] = time.Now()
		mu.Unlock()
		for _, c := range members {
			if _, err := c.AppsV1().Deployments(name).Create(ctx, d, metav1.CreateOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
	// Watches, not polling: a poll's lists would load the members being measured.
	readyOn := make([]int, n)
	ready := make([]time.Time, n)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	left := n
	for _, c := range members {
		wg.Go(func() {
			watchReady(wctx, c, name, 1, func(i int) bool {
				mu.Lock()
				defer mu.Unlock()
				if i < n {
					if readyOn[i]++; readyOn[i] == len(members) {
						ready[i] = time.Now()
						if left--; left == 0 {
							cancel()
						}
					}
				}
				return left == 0
			})
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuSpent(processesBefore, processCPU(t, sb))
	var lat []time.Duration
	for i := range n {
		if !ready[i].IsZero() {
			lat = append(lat, ready[i].Sub(created[i]))
		}
	}
	for _, c := range members {
		deleteNamespace(ctx, t, c, name)
	}
	return Sample{Latencies: lat}, float64(n) / elapsed.Seconds(), cpu
}

// createDividedPolicy propagates every Deployment of ns with its replicas divided
// over the members, and gives the detector a second to see the policy before the
// templates come.
func createDividedPolicy(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns string) {
	pp := &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "all"},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}},
			Placement: policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDivided, ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
			}},
		},
	}
	if err := sb.Karmada(t).Create(ctx, pp); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
}

// deleteNamespace deletes a namespace and waits until it is gone, so that its
// cleanup (here the Works and the members' objects it takes along) is not counted
// against the next measurement.
func deleteNamespace(ctx context.Context, t *testing.T, c kubernetes.Interface, ns string) {
	if err := c.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return
		}
	}
	t.Fatalf("namespace %s is still there 5 minutes after its deletion", ns)
}

// smallDeployment is the Deployment app-<i>, with requests tiny enough that a
// thousand of them fit the members' simulated nodes.
func smallDeployment(ns string, i int, replicas int32) *appsv1.Deployment {
	d := framework.Deployment(ns, fmt.Sprintf("app-%d", i), replicas)
	d.Spec.Template.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1m")}
	return d
}

// watchReady watches the Deployments app-<i> of a namespace and calls ready(i)
// once for each that reaches want ready replicas, until ready returns true or ctx
// ends. It watches again from the last version seen whenever the server ends a watch.
func watchReady(ctx context.Context, c kubernetes.Interface, ns string, want int32, ready func(i int) (done bool)) {
	seen := map[int]bool{}
	rv := ""
	for ctx.Err() == nil {
		w, err := c.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for ev := range w.ResultChan() {
			d, ok := ev.Object.(*appsv1.Deployment)
			if !ok {
				continue
			}
			rv = d.ResourceVersion
			if ev.Type == watch.Deleted || ev.Type == watch.Bookmark || d.Status.ReadyReplicas != want {
				continue
			}
			i, err := strconv.Atoi(strings.TrimPrefix(d.Name, "app-"))
			if err != nil || seen[i] {
				continue
			}
			seen[i] = true
			if ready(i) {
				w.Stop()
				return
			}
		}
	}
}

// counts are the numbers of Deployments measured: BENCH_PROPAGATION_COUNTS, or 1, 100 and 1,000.
func counts() []int {
	if s := os.Getenv("BENCH_PROPAGATION_COUNTS"); s != "" {
		var out []int
		for _, f := range strings.Split(s, ",") {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	return []int{1, 100, 1000}
}

// requestCounts are apiserver_request_total by "VERB resource[/subresource]".
type requestCounts map[string]float64

func (c requestCounts) total() float64 {
	var sum float64
	for _, v := range c {
		sum += v
	}
	return sum
}

// perTemplate lists the requests made since before, divided by n, largest first.
func (c requestCounts) perTemplate(before requestCounts, n int) string {
	type kv struct {
		k string
		v float64
	}
	var rows []kv
	for k, v := range c {
		if d := (v - before[k]) / float64(n); d >= 0.05 {
			rows = append(rows, kv{k, d})
		}
	}
	slices.SortFunc(rows, func(a, b kv) int { return cmp.Compare(b.v, a.v) })
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s %.1f", r.k, r.v))
	}
	return strings.Join(out, ", ")
}

// controlPlaneRequests reads apiserver_request_total on the control plane; what a
// measurement cost is the difference between two readings.
func controlPlaneRequests(ctx context.Context, t *testing.T, c kubernetes.Interface) requestCounts {
	body, err := c.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		t.Fatalf("control-plane metrics: %v", err)
	}
	label := regexp.MustCompile(`(\w+)="([^"]*)"`)
	counts := requestCounts{}
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		labels := map[string]string{}
		for _, m := range label.FindAllStringSubmatch(f[0], -1) {
			labels[m[1]] = m[2]
		}
		key := labels["verb"] + " " + labels["resource"]
		if sub := labels["subresource"]; sub != "" {
			key += "/" + sub
		}
		counts[key] += v
	}
	return counts
}

func proxyPID(t *testing.T, sb *framework.Sandbox) string {
	raw, err := os.ReadFile(filepath.Join(sb.Dir, "proxy.pid"))
	if err != nil {
		t.Fatalf("the proxy's pid file: %v", err)
	}
	return strings.TrimSpace(string(raw))
}

// proxyCPU is the proxy process's user+system CPU time so far.
func proxyCPU(t *testing.T, sb *framework.Sandbox) time.Duration {
	d, err := cpuTime(filepath.Join("/proc", proxyPID(t, sb)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// proxyRSS is the proxy process's peak resident memory.
func proxyRSS(t *testing.T, sb *framework.Sandbox) string {
	raw, err := os.ReadFile(filepath.Join("/proc", proxyPID(t, sb), "status"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "?"
}
