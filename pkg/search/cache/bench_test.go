package cache

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

const (
	benchObjects    = 100_000
	benchNamespaces = 100
)

var benchWords = []string{"checkout", "payments", "frontend", "catalog", "cart", "search", "auth", "mailer", "billing", "ledger"}

// benchName is the name of the j-th object of every namespace: the same names repeat in
// each namespace, as when one application is deployed to many.
func benchName(j int) string {
	return fmt.Sprintf("%s-%04d", benchWords[j%len(benchWords)], j)
}

var (
	benchOnce  sync.Once
	benchShard *Shard
)

// selectFixture100k returns a shard of 100,000 small ConfigMaps: 100 namespaces of 1,000.
func selectFixture100k(b *testing.B) *Shard {
	benchOnce.Do(func() {
		c := New(Options{MaxObjects: benchObjects, MaxBytes: 1 << 30})
		s := c.Shard("member1", configMaps, "ConfigMap", "")
		list := make([]interface{}, 0, benchObjects)
		perNS := benchObjects / benchNamespaces
		for n := range benchNamespaces {
			for j := range perNS {
				list = append(list, newConfigMap(fmt.Sprintf("ns-%03d", n), benchName(j), fmt.Sprint(n*perNS+j),
					map[string]string{"app": fmt.Sprintf("app-%d", j%50), "tier": []string{"web", "db", "cache"}[j%3]}))
			}
		}
		if err := s.Replace(list, "1"); err != nil {
			b.Fatal(err)
		}
		benchShard = s
	})
	return benchShard
}

func mustSelector(b *testing.B, expr string) labels.Selector {
	sel, err := labels.Parse(expr)
	if err != nil {
		b.Fatal(err)
	}
	return sel
}

// BenchmarkSelect measures queries over a shard of 100,000 objects and reports the
// median and 99th percentile of their durations.
func BenchmarkSelect(b *testing.B) {
	s := selectFixture100k(b)
	rnd := rand.New(rand.NewPCG(1, 2))
	randomKey := func() Key {
		return Key{Namespace: fmt.Sprintf("ns-%03d", rnd.IntN(benchNamespaces)), Name: benchName(rnd.IntN(benchObjects / benchNamespaces))}
	}
	allowed := map[string]bool{}
	for n := range benchNamespaces {
		allowed[fmt.Sprintf("ns-%03d", n)] = n%2 == 0
	}
	benchmarks := []struct {
		name  string
		query func() Query
	}{
		{"ExactName/AllNamespaces", func() Query { return Query{Name: benchName(rnd.IntN(1000)), Limit: 500} }},
		{"ExactName/OneNamespace", func() Query { k := randomKey(); return Query{Namespace: k.Namespace, Name: k.Name, Limit: 500} }},
		{"Prefix/AllNamespaces", func() Query { return Query{NamePrefix: "checkout-0", Limit: 500} }},
		{"Prefix/AllNamespaces/Page", func() Query { return Query{NamePrefix: "cart-", After: randomKey(), Limit: 500} }},
		{"Fuzzy/Common", func() Query { return Query{Fuzzy: "chk5", Limit: 500} }},
		{"Fuzzy/NoMatch", func() Query { return Query{Fuzzy: "zzz", Limit: 500} }},
		{"Labels/Common", func() Query { return Query{Labels: mustSelector(b, "app=app-7,tier=cache"), Limit: 500} }},
		{"Labels/NoMatch", func() Query { return Query{Labels: mustSelector(b, "app=none"), Limit: 500} }},
		{"NamespacePage", func() Query { k := randomKey(); return Query{Namespace: k.Namespace, After: k, Limit: 500} }},
		{"AllNamespacesPage", func() Query { return Query{After: randomKey(), Limit: 500} }},
		{"AllNamespacesPage/Allow", func() Query {
			return Query{After: randomKey(), Limit: 500, Allow: func(ns string) bool { return allowed[ns] }}
		}},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			durations := make([]time.Duration, 0, b.N)
			entries := 0
			b.ResetTimer()
			for range b.N {
				q := bm.query()
				start := time.Now()
				got := s.Select(q)
				durations = append(durations, time.Since(start))
				entries += len(got)
			}
			b.StopTimer()
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds())/1e3, "p99-µs")
			b.ReportMetric(float64(entries)/float64(b.N), "entries/op")
		})
	}
}

// measureMemory fills a cache with n small ConfigMaps (name, namespace, 2 labels, 2 short
// data keys, managedFields that the cache strips) and returns the heap it retains and
// the JSON it stores, per object.
func measureMemory(t testing.TB, n int) (heapPerObject, jsonPerObject float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := New(Options{MaxObjects: n, MaxBytes: 1 << 40})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	for i := range n {
		cm := newConfigMap(fmt.Sprintf("ns-%03d", i%benchNamespaces), fmt.Sprintf("config-%06d", i), fmt.Sprint(1000+i),
			map[string]string{"app": fmt.Sprintf("app-%d", i%50), "tier": "web"})
		if err := s.Add(cm); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if c.Len() != n {
		t.Fatalf("cache holds %d objects, want %d", c.Len(), n)
	}
	heapPerObject = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
	jsonPerObject = float64(c.Bytes()) / float64(n)
	runtime.KeepAlive(c)
	return heapPerObject, jsonPerObject
}

// BenchmarkMemoryPerObject reports the resident heap and the JSON per cached object. One
// iteration fills 100,000 objects (about a second): run it with -benchtime=1x.
func BenchmarkMemoryPerObject(b *testing.B) {
	var heap, json float64
	for b.Loop() {
		heap, json = measureMemory(b, benchObjects)
	}
	b.ReportMetric(heap, "heap-B/object")
	b.ReportMetric(json, "json-B/object")
}

// TestMemoryPerObject checks the memory target: at most 3 KB of heap per small ConfigMap.
// It takes a few seconds, so it runs only with BENCH=1.
func TestMemoryPerObject(t *testing.T) {
	if os.Getenv("BENCH") != "1" {
		t.Skip("set BENCH=1 to measure the memory per object")
	}
	heap, json := measureMemory(t, benchObjects)
	t.Logf("%d small ConfigMaps: %.0f heap bytes and %.0f JSON bytes per object", benchObjects, heap, json)
	if heap > 3*1024 {
		t.Errorf("%.0f heap bytes per object, want at most 3072", heap)
	}
}

// BenchmarkAdd measures a watch event (encoding included) into a full cache, so that
// every add also evicts.
func BenchmarkAdd(b *testing.B) {
	const n = 10_000
	c := New(Options{MaxObjects: n / 2, MaxBytes: 1 << 30})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	objs := make([]*unstructured.Unstructured, n)
	for i := range objs {
		objs[i] = newConfigMap(fmt.Sprintf("ns-%02d", i%benchNamespaces), fmt.Sprintf("config-%05d", i), fmt.Sprint(i),
			map[string]string{"app": fmt.Sprintf("app-%d", i%50), "tier": "web"})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Add(objs[i%n]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
