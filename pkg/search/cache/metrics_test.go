package cache

import (
	"testing"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/component-base/metrics/testutil"
)

func counterValue(t *testing.T, m metrics.CounterMetric) float64 {
	t.Helper()
	v, err := testutil.GetCounterMetricValue(m)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func gaugeValue(t *testing.T, m metrics.GaugeMetric) float64 {
	t.Helper()
	v, err := testutil.GetGaugeMetricValue(m)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMetrics(t *testing.T) {
	objects, bytes := gaugeValue(t, objectsGauge), gaugeValue(t, bytesGauge)
	hits, misses := counterValue(t, hitsTotal), counterValue(t, missesTotal)

	c := New(Options{MaxObjects: 2, MaxBytes: 1 << 20})
	s := c.Shard("member1", configMaps, "ConfigMap", "")
	mustAdd(t, s, newConfigMap("ns", "a", "1", nil), newConfigMap("ns", "b", "1", nil), newConfigMap("ns", "c", "1", nil))
	if d := gaugeValue(t, objectsGauge) - objects; d != 2 {
		t.Errorf("objects gauge moved by %v, want 2", d)
	}
	if d := gaugeValue(t, bytesGauge) - bytes; d != float64(c.Bytes()) {
		t.Errorf("bytes gauge moved by %v, want %d", d, c.Bytes())
	}
	RecordHit()
	RecordHit()
	RecordMiss()
	if d := counterValue(t, hitsTotal) - hits; d != 2 {
		t.Errorf("hits moved by %v, want 2", d)
	}
	if d := counterValue(t, missesTotal) - misses; d != 1 {
		t.Errorf("misses moved by %v, want 1", d)
	}

	c.RemoveShard("member1", configMaps)
	if d := gaugeValue(t, objectsGauge) - objects; d != 0 {
		t.Errorf("objects gauge after RemoveShard moved by %v, want 0", d)
	}
	if d := gaugeValue(t, bytesGauge) - bytes; d != 0 {
		t.Errorf("bytes gauge after RemoveShard moved by %v, want 0", d)
	}

	registerMetrics() // idempotent
	families, err := legacyregistry.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"fleetplane_search_cache_hits_total":      false,
		"fleetplane_search_cache_misses_total":    false,
		"fleetplane_search_cache_evictions_total": false,
		"fleetplane_search_cache_objects":         false,
		"fleetplane_search_cache_bytes":           false,
	}
	for _, f := range families {
		if _, ok := want[f.GetName()]; ok {
			want[f.GetName()] = true
		}
	}
	for name, found := range want {
		if !found {
			t.Errorf("%s is not in the legacy registry", name)
		}
	}
}
