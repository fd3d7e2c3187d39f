package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// TestGlobalViewKubectlGet times `kubectl karmada get pods -A` over the three
// members against `kubectl get pods -A` on member1 and plain kubectl through the
// global proxy. It needs the plugin binary: BENCH_KUBECTL_KARMADA, or
// /tmp/bench-kk (go build -o /tmp/bench-kk ./cmd/kubectl-karmada). BENCH=1 only.
func TestGlobalViewKubectlGet(t *testing.T) {
	if os.Getenv("BENCH") == "" {
		t.Skip("set BENCH=1 (make bench) to run benchmarks")
	}
	sb := framework.Load(t)
	ctx := t.Context()
	plugin := os.Getenv("BENCH_KUBECTL_KARMADA")
	if plugin == "" {
		plugin = "/tmp/bench-kk"
	}
	if _, err := os.Stat(plugin); err != nil {
		t.Skipf("no plugin binary at %s (go build -o %s ./cmd/kubectl-karmada): %v", plugin, plugin, err)
	}
	if help, err := exec.CommandContext(ctx, plugin, "get", "--help").CombinedOutput(); err != nil || !strings.Contains(string(help), "get") {
		t.Skipf("%s has no get command yet: %v: %s", plugin, err, help)
	}
	runs := envInt("BENCH_KUBECTL_RUNS", 10)
	type command struct {
		name    string
		path    string
		args    []string
		env     string
		samples Sample
		lines   int
	}
	commands := []*command{
		{name: "kubectl get pods -A (member1)", path: "kubectl", args: []string{"--context", framework.Member1, "get", "pods", "-A"},
			env: "KUBECONFIG=" + sb.Kubeconfig(framework.Member1)},
		{name: "kubectl karmada get pods -A (3 members)", path: plugin, args: []string{"get", "pods", "-A"},
			env: "KUBECONFIG=" + sb.Kubeconfig(framework.ControlPlane)},
		{name: "kubectl get pods -A (global proxy)", path: "kubectl", args: []string{"get", "pods", "-A"},
			env: "KUBECONFIG=" + sb.GlobalProxyKubeconfig(t)},
	}
	run := func(c *command) (time.Duration, int, error) {
		cmd := exec.CommandContext(ctx, c.path, c.args...)
		cmd.Env = append(os.Environ(), c.env)
		start := time.Now()
		stdout, err := cmd.Output()
		d := time.Since(start)
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return d, strings.Count(string(stdout), "\n"), err
	}
	for _, c := range commands { // warm: discovery caches, page cache
		if _, _, err := run(c); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	for r := range runs {
		for k := range commands {
			c := commands[(r+k)%len(commands)]
			d, lines, err := run(c)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			c.samples.Latencies = append(c.samples.Latencies, d)
			c.lines = lines
		}
	}
	var report strings.Builder
	fmt.Fprintf(&report, "\nkubectl get pods -A, wall time of %d runs each, interleaved (KUBECONFIG: members.config for member1, karmada.config for the plugin)\n", runs)
	fmt.Fprintf(&report, "%-42s %10s %10s %10s %8s %7s\n", "command", "median", "min", "max", "ratio", "lines")
	base := commands[0].samples.Median()
	for _, c := range commands {
		fmt.Fprintf(&report, "%-42s %10s %10s %10s %7.2fx %7d\n", c.name, round(c.samples.Median()), round(slices.Min(c.samples.Latencies)),
			round(slices.Max(c.samples.Latencies)), ratio(c.samples.Median(), base), c.lines)
	}
	t.Log(report.String())
	fmt.Print(report.String())
}

// TestGlobalView measures the global view against the members themselves, with
// 5,000 small ConfigMaps in one namespace of each of the three members:
//
//   - a whole LIST of the 15,000 through the global proxy and from the search cache,
//     against three parallel direct LISTs (the baseline), interleaved round by round,
//     and the same as paginated walks (limit=500);
//   - the proxy process's resident memory per cached object, and its peak during
//     the lists;
//   - the latency of search queries (exact name, prefix, fuzzy) over the cache.
//
// BENCH_GLOBALVIEW_OBJECTS (ConfigMaps per member, 5000) and BENCH_GLOBALVIEW_ROUNDS
// (10) shrink it for a trial run. It runs only with BENCH=1 (make bench).
func TestGlobalView(t *testing.T) {
	if os.Getenv("BENCH") == "" {
		t.Skip("set BENCH=1 (make bench) to run benchmarks")
	}
	sb := framework.Load(t)
	ctx := t.Context()
	perMember := envInt("BENCH_GLOBALVIEW_OBJECTS", 5000)
	rounds := envInt("BENCH_GLOBALVIEW_ROUNDS", 10)
	seeded := perMember * len(framework.Members)
	began := time.Now()

	var report strings.Builder
	out := func(format string, args ...any) {
		fmt.Fprintf(&report, format, args...)
		fmt.Printf(format, args...) // as it happens: the run takes minutes
	}
	t.Cleanup(func() { t.Log(report.String()) })

	cp := newRawLister(t, "control plane", unlimited(sb.RESTConfig(t, framework.ControlPlane)))
	var members []rawLister
	var memberClients []kubernetes.Interface
	for _, m := range framework.Members {
		cfg := unlimited(sb.RESTConfig(t, m))
		members = append(members, newRawLister(t, m, cfg))
		memberClients = append(memberClients, kubernetes.NewForConfigOrDie(cfg))
	}
	ns := framework.RandomName("bench-gv")
	framework.CreateNamespaceOn(ctx, t, ns, memberClients...)
	for _, c := range memberClients {
		framework.WaitRootCA(ctx, t, c, ns)
	}
	collection := "/api/v1/namespaces/" + ns + "/configmaps"
	proxyPath := framework.GlobalProxyPath + collection
	cachePath := framework.SearchPath + collection

	proxy := findProxy(t, sb)
	covered := registriesCovering(ctx, t, sb, ns)
	rssBeforeSeed, _ := proxy.settledRSS(t, 2, time.Second)
	cacheObjects0 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_objects")
	cacheBytes0 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_bytes")

	// --- seed ---------------------------------------------------------------------
	out("\nglobal view: seeding %d ConfigMaps into %s on each of %s (concurrency 16 per member)\n", perMember, ns, strings.Join(framework.Members, ", "))
	var created atomic.Int64
	seedDone := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		start := time.Now()
		for {
			select {
			case <-seedDone:
				return
			case <-tick.C:
				n := created.Load()
				out("  seeded %d/%d (%.0f/s)\n", n, seeded, float64(n)/time.Since(start).Seconds())
			}
		}
	}()
	seedStart := time.Now()
	var seedWG sync.WaitGroup
	seedSamples := make([]Sample, len(memberClients))
	for m, c := range memberClients {
		seedWG.Add(1)
		go func() {
			defer seedWG.Done()
			seedSamples[m] = Measure(ctx, perMember, 16, func(ctx context.Context, i int) error {
				err := createConfigMap(ctx, c, ns, i)
				if err == nil {
					created.Add(1)
				}
				return err
			})
		}()
	}
	seedWG.Wait()
	close(seedDone)
	seedTime := time.Since(seedStart)
	for m, s := range seedSamples {
		if s.Errors > 0 {
			t.Fatalf("seeding %s: %d errors, the first: %v", framework.Members[m], s.Errors, s.FirstError)
		}
	}
	out("  seeded %d ConfigMaps in %s (%.0f/s; create p50 %s, p99 %s on member1)\n", seeded, seedTime.Round(100*time.Millisecond),
		float64(seeded)/seedTime.Seconds(), round(seedSamples[0].Median()), round(seedSamples[0].P99()))

	// Every namespace also holds kube-root-ca.crt, so each member lists perMember+1.
	want, err := parallel(ctx, members, func(ctx context.Context, l rawLister) (int, error) { return l.count(ctx, collection) })
	if err != nil {
		t.Fatal(err)
	}
	if want != seeded+len(members) {
		t.Fatalf("the members list %d ConfigMaps in %s, want %d (%d seeded + kube-root-ca.crt on each)", want, ns, seeded+len(members), seeded)
	}

	// --- the registry, and the proxy's memory per cached object --------------------
	rssBeforeRegistry, beforeSamples := proxy.settledRSS(t, 3, time.Second)
	cacheObjects1 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_objects")
	cacheBytes1 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_bytes")
	registryStart := time.Now()
	sb.CreateRegistry(ctx, t, &searchv1alpha1.ResourceRegistry{
		ObjectMeta: metav1.ObjectMeta{Name: ns},
		Spec: searchv1alpha1.ResourceRegistrySpec{
			TargetCluster:     searchv1alpha1.ClusterAffinity{ClusterNames: framework.Members},
			ResourceSelectors: []searchv1alpha1.ResourceSelector{{APIVersion: "v1", Kind: "ConfigMap", Namespace: ns}},
		},
	})
	readyAfter := time.Since(registryStart)
	// Ready means every shard is listed; the search answers from the cache from now on.
	framework.WaitFor(ctx, t, 60*time.Second, "the search to answer every ConfigMap of "+ns, func(ctx context.Context) (bool, string, error) {
		n, err := cp.count(ctx, cachePath)
		return n == want, fmt.Sprintf("%d items", n), err
	})
	time.Sleep(2 * time.Second)
	rssAfterReady, afterSamples := proxy.settledRSS(t, 3, time.Second)
	cacheObjects2 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_objects")
	cacheBytes2 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_bytes")

	// --- whole lists ----------------------------------------------------------------
	type variant struct {
		name, phase string
		run         func(ctx context.Context) (int, error)
		s           Sample
		cpu         time.Duration
	}
	whole := []*variant{
		{name: "(a) direct, 3 LISTs in parallel", phase: "direct", run: func(ctx context.Context) (int, error) {
			return parallel(ctx, members, func(ctx context.Context, l rawLister) (int, error) { return l.count(ctx, collection) })
		}},
		{name: "(b) global proxy, 1 LIST", phase: "proxy", run: func(ctx context.Context) (int, error) { return cp.count(ctx, proxyPath) }},
		{name: "(c) search cache, 1 LIST", phase: "cache", run: func(ctx context.Context) (int, error) { return cp.count(ctx, cachePath) }},
	}
	hits0 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_hits_total")
	misses0 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_misses_total")
	peaks := proxy.samplePeaks(20 * time.Millisecond)
	measureRounds := func(vs []*variant, rounds int) {
		for _, v := range vs { // warm every path once; its answer is checked like the others
			if n, err := v.run(ctx); err != nil || n != want {
				t.Fatalf("%s: %d items, want %d: %v", v.name, n, want, err)
			}
		}
		for r := range rounds {
			for k := range vs {
				v := vs[(r+k)%len(vs)] // rotate who goes first
				peaks.set(v.phase)
				cpu0 := proxyCPU(t, sb)
				start := time.Now()
				n, err := v.run(ctx)
				d := time.Since(start)
				v.cpu += proxyCPU(t, sb) - cpu0
				peaks.set("")
				if err != nil || n != want {
					t.Fatalf("%s, round %d: %d items, want %d: %v", v.name, r+1, n, want, err)
				}
				v.s.Latencies = append(v.s.Latencies, d)
			}
		}
	}
	measureRounds(whole, rounds)
	hits1 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_hits_total")
	misses1 := sb.ProxyMetric(ctx, t, "fleetplane_search_cache_misses_total")

	// --- paginated walks ----------------------------------------------------------
	const pageSize = 500
	walk := func(l rawLister, path string) func(ctx context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			n, _, err := l.walk(ctx, path, pageSize)
			return n, err
		}
	}
	paged := []*variant{
		{name: "(a) direct, 3 walks in parallel", phase: "direct-pages", run: func(ctx context.Context) (int, error) {
			return parallel(ctx, members, func(ctx context.Context, l rawLister) (int, error) { return walk(l, collection)(ctx) })
		}},
		{name: "(b) global proxy, 1 walk", phase: "proxy-pages", run: walk(cp, proxyPath)},
		{name: "(c) search cache, 1 walk", phase: "cache-pages", run: walk(cp, cachePath)},
	}
	pagedRounds := max(3, rounds/2)
	measureRounds(paged, pagedRounds)
	peak := peaks.close()
	// The cache is still full. Right after Ready the Go runtime still holds the
	// garbage of the initial lists, which it returns to the system only as later
	// collections lower its heap goal; after the lists it has.
	rssAfterLists, listSamples := proxy.settledRSS(t, 3, time.Second)

	out("\nglobal list of %d ConfigMaps (%d per member + kube-root-ca.crt on each), JSON decoded to raw items, %d rounds interleaved\n", want, perMember, rounds)
	printVariants := func(vs []*variant, targets []string) {
		base := vs[0].s
		out("%-34s %10s %10s %9s %9s %8s %14s %12s\n", "variant", "p50", "p90", "p50 ratio", "p90 ratio", "target", "proxy cpu/op", "peak rss")
		for i, v := range vs {
			cpu := v.cpu / time.Duration(len(v.s.Latencies))
			rss := "-"
			if peak[v.phase] > 0 {
				rss = mib(peak[v.phase])
			}
			out("%-34s %10s %10s %8.2fx %8.2fx %8s %14s %12s\n", v.name, round(v.s.Median()), round(v.s.percentile(0.90)),
				ratio(v.s.Median(), base.Median()), ratio(v.s.percentile(0.90), base.percentile(0.90)), targets[i], cpu.Round(time.Millisecond), rss)
		}
	}
	printVariants(whole, []string{"", "<= 1.2x", "<= 0.5x"})
	out("search cache hits/misses during the whole lists: +%.0f / +%.0f (other clients of the proxy count too)\n", hits1-hits0, misses1-misses0)
	out("\npaginated walk, limit=%d (%d pages per member directly; %d pages through the control plane), %d rounds interleaved\n",
		pageSize, (perMember+1+pageSize-1)/pageSize, (want+pageSize-1)/pageSize, pagedRounds)
	printVariants(paged, []string{"", "", ""})

	// --- memory -------------------------------------------------------------------
	out("\nproxy resident memory (pid %s, VmRSS)\n", proxy.pid)
	out("  before seeding %s; before the registry %s (samples %v KiB); after Ready %s (samples %v KiB); registry Ready after %s\n",
		mib(rssBeforeSeed), mib(rssBeforeRegistry), beforeSamples, mib(rssAfterReady), afterSamples, readyAfter.Round(100*time.Millisecond))
	out("  search cache gauges: objects %.0f -> %.0f (seeded) -> %.0f (Ready); JSON bytes %.1f MiB -> %.1f MiB -> %.1f MiB\n",
		cacheObjects0, cacheObjects1, cacheObjects2, cacheBytes0/(1<<20), cacheBytes1/(1<<20), cacheBytes2/(1<<20))
	perObject := func(before, after int64, objects float64) string {
		return fmt.Sprintf("%.2f KiB", float64(after-before)/objects)
	}
	out("  after the lists, the cache still full: %s (samples %v KiB)\n", mib(rssAfterLists), listSamples)
	if len(covered) == 0 {
		out("  per cached object: (after Ready - before the registry) / %d = %s; (after the lists - before the registry) / %d = %s (target <= 3 KB); JSON held per object: %.0f B\n",
			seeded, perObject(rssBeforeRegistry, rssAfterReady, float64(seeded)), seeded, perObject(rssBeforeRegistry, rssAfterLists, float64(seeded)),
			(cacheBytes2-cacheBytes1)/float64(seeded))
	} else {
		// Another registry already cached the namespace's ConfigMaps while they were
		// created, so the growth happened during seeding.
		out("  registries %v already cache ConfigMaps of every namespace: the objects entered the cache while seeded\n", covered)
		out("  per cached object: (after Ready - before seeding) / %d = %s; (after the lists - before seeding) / %d = %s (target <= 3 KB); (before the registry - before seeding) / %d = %s; JSON held per object: %.0f B\n",
			seeded, perObject(rssBeforeSeed, rssAfterReady, float64(seeded)), seeded, perObject(rssBeforeSeed, rssAfterLists, float64(seeded)),
			seeded, perObject(rssBeforeSeed, rssBeforeRegistry, float64(seeded)), (cacheBytes2-cacheBytes0)/float64(seeded))
	}
	if !proxy.alive(sb) {
		out("  WARNING: the proxy process %s was replaced during the run; the memory figures are not valid\n", proxy.pid)
	}

	// --- search latency -------------------------------------------------------------
	const searches = 200
	rnd := rand.New(rand.NewPCG(7, 11))
	member1 := memberClients[0]
	queries := []struct {
		name string
		want func(n int) bool
		run  func(ctx context.Context) (int, error)
	}{
		{"exact name=cm-NNNNN", func(n int) bool { return n == len(members) }, func(ctx context.Context) (int, error) {
			return cp.count(ctx, cachePath, "name", fmt.Sprintf("cm-%05d", rnd.IntN(perMember)), "limit", "100")
		}},
		{"prefix name=cm-001*", func(n int) bool { return n == min(100, len(members)*max(0, min(100, perMember-100))) }, func(ctx context.Context) (int, error) {
			return cp.count(ctx, cachePath, "name", "cm-001*", "limit", "100")
		}},
		{"fuzzy q=cm99", func(n int) bool { return n > 0 && n <= 100 }, func(ctx context.Context) (int, error) {
			return cp.count(ctx, cachePath, "q", "cm99", "limit", "100")
		}},
		{"baseline: global proxy, fieldSelector name", func(n int) bool { return n == len(members) }, func(ctx context.Context) (int, error) {
			return cp.count(ctx, proxyPath, "fieldSelector", fmt.Sprintf("metadata.name=cm-%05d", rnd.IntN(perMember)), "limit", "100")
		}},
		{"baseline: direct GET on member1", func(n int) bool { return n == 1 }, func(ctx context.Context) (int, error) {
			_, err := member1.CoreV1().ConfigMaps(ns).Get(ctx, fmt.Sprintf("cm-%05d", rnd.IntN(perMember)), metav1.GetOptions{})
			return 1, err
		}},
	}
	out("\nsearch through the control plane over the cached %d ConfigMaps, limit=100, %d sequential requests each\n", want, searches)
	out("%-44s %10s %10s %10s %7s\n", "query", "p50", "p99", "max", "items")
	for _, q := range queries {
		items := 0
		check := func(ctx context.Context, _ int) error {
			n, err := q.run(ctx)
			if err == nil && !q.want(n) {
				err = fmt.Errorf("%s: %d items", q.name, n)
			}
			items = n
			return err
		}
		Measure(ctx, 5, 1, check)
		s := Measure(ctx, searches, 1, check)
		if s.Errors > 0 {
			t.Fatalf("%s: %d errors, the first: %v", q.name, s.Errors, s.FirstError)
		}
		out("%-44s %10s %10s %10s %7d\n", q.name, round(s.Median()), round(s.P99()), round(s.percentile(1)), items)
	}
	out("\nglobal view benchmark took %s (cleanup of the namespaces and the registry follows)\n", time.Since(began).Round(time.Second))
}

// createConfigMap creates cm-NNNNN with two labels and two short data keys,
// retrying what a loaded member may refuse for a moment.
func createConfigMap(ctx context.Context, c kubernetes.Interface, ns string, i int) error {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%05d", i), Namespace: ns, Labels: map[string]string{
			"app": fmt.Sprintf("app-%d", i%50), "tier": []string{"web", "db", "cache"}[i%3]}},
		Data: map[string]string{"mode": "standard", "owner": fmt.Sprintf("team-%d", i%20)},
	}
	var err error
	for attempt := range 4 {
		_, err = c.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 250 * time.Millisecond)
	}
	return err
}

// registriesCovering names the ResourceRegistries that already cache v1
// ConfigMaps of the namespace (or of every namespace).
func registriesCovering(ctx context.Context, t *testing.T, sb *framework.Sandbox, ns string) []string {
	t.Helper()
	var list searchv1alpha1.ResourceRegistryList
	if err := sb.Karmada(t).List(ctx, &list); err != nil {
		t.Fatalf("listing ResourceRegistries: %v", err)
	}
	var out []string
	for _, r := range list.Items {
		for _, s := range r.Spec.ResourceSelectors {
			if s.APIVersion == "v1" && s.Kind == "ConfigMap" && (s.Namespace == "" || s.Namespace == ns) {
				out = append(out, r.Name)
				break
			}
		}
	}
	return out
}
