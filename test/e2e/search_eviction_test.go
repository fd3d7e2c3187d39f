package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// smallCache is the bound of the replica's search cache: far fewer objects than
// the fixture holds, so its shards lose objects to eviction.
const smallCache = 6

// TestSearchSmallCache runs a second proxy whose search cache holds only a few
// objects, and checks that its answers are still complete and correct: a shard
// that lost objects to eviction is answered by the member, live.
func TestSearchSmallCache(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	f := newGlobalFixture(ctx, t, sb, "e2e-evict")
	m1, m2, m3 := framework.Member1, framework.Member2, framework.Member3
	var want []string
	for _, cluster := range []string{m1, m2, m3} {
		for i := range 5 {
			name := fmt.Sprintf("cm-%d", i)
			f.configMap(ctx, t, cluster, name, map[string]string{"parity": strconv.Itoa(i % 2)})
			want = append(want, cluster+"/"+f.ns+"/"+name)
		}
		want = append(want, cluster+"/"+f.ns+"/kube-root-ca.crt")
	}
	slices.Sort(want)
	sb.CreateRegistry(ctx, t, newRegistry(framework.RandomName("e2e-evict"),
		searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap", Namespace: f.ns}))

	// The replica runs no controllers: it only serves, with its own small cache.
	replica := sb.StartProxyReplica(t, sb.SandboxProxy(t),
		"--controllers=false", "--search-cache-max-objects="+strconv.Itoa(smallCache))
	cfg := sb.ProxyConfig(t, replica.Port)
	admin := kubernetes.NewForConfigOrDie(cfg)
	search := framework.Search(t, cfg)

	// Once the replica has listed the shards into its cache, it evicts.
	framework.WaitFor(ctx, t, 90*time.Second, "the small cache to evict", func(ctx context.Context) (bool, string, error) {
		m, err := replicaMetrics(ctx, admin)
		if err != nil {
			return false, "", err
		}
		seen := fmt.Sprintf("objects %v, evictions %v", m["fleetplane_search_cache_objects"], m["fleetplane_search_cache_evictions_total"])
		return m["fleetplane_search_cache_evictions_total"] > 0, seen, nil
	})
	before, err := replicaMetrics(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if objects := before["fleetplane_search_cache_objects"]; objects > smallCache {
		t.Errorf("the cache holds %v objects, more than its bound of %d", objects, smallCache)
	}

	t.Run("list is complete", func(t *testing.T) {
		waitSearch(ctx, t, search, searchFreshness, "the whole fixture through the small cache", f.path(), want)
	})
	t.Run("filters are correct", func(t *testing.T) {
		var even, prefix []string
		for _, k := range want {
			name := k[strings.LastIndex(k, "/")+1:]
			if name == "cm-0" || name == "cm-2" || name == "cm-4" {
				even = append(even, k)
			}
			if strings.HasPrefix(name, "cm-") {
				prefix = append(prefix, k)
			}
		}
		waitSearch(ctx, t, search, searchFreshness, "a label selector", f.path(), even, "labelSelector", "parity=0")
		waitSearch(ctx, t, search, searchFreshness, "a name prefix", f.path(), prefix, "name", "cm-*")
	})
	t.Run("pages walk everything once", func(t *testing.T) {
		pages, err := search.ListAll(ctx, f.path(), 4)
		if err != nil {
			t.Fatal(err)
		}
		items, _ := framework.Items(pages, 4)
		var got []string
		for _, it := range items {
			got = append(got, it.Key())
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages of 4 gave\n%v\nwant\n%v", got, want)
		}
	})
	after, err := replicaMetrics(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if after["fleetplane_search_cache_misses_total"] <= before["fleetplane_search_cache_misses_total"] {
		t.Errorf("no query fell through to the members (misses %v before, %v after)",
			before["fleetplane_search_cache_misses_total"], after["fleetplane_search_cache_misses_total"])
	}
}

// replicaMetrics reads the counters and gauges without labels of a proxy's /metrics.
func replicaMetrics(ctx context.Context, c kubernetes.Interface) (map[string]float64, error) {
	raw, err := c.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out, nil
}
