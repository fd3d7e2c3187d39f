package cache

import (
	"sync"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

const (
	metricsNamespace = "fleetplane"
	metricsSubsystem = "search_cache"
)

var (
	hitsTotal = metrics.NewCounter(&metrics.CounterOpts{
		Namespace:      metricsNamespace,
		Subsystem:      metricsSubsystem,
		Name:           "hits_total",
		Help:           "Shard queries of the search answered from the cache.",
		StabilityLevel: metrics.ALPHA,
	})
	missesTotal = metrics.NewCounter(&metrics.CounterOpts{
		Namespace:      metricsNamespace,
		Subsystem:      metricsSubsystem,
		Name:           "misses_total",
		Help:           "Shard queries of the search the cache could not answer completely, sent to the member instead.",
		StabilityLevel: metrics.ALPHA,
	})
	evictionsTotal = metrics.NewCounter(&metrics.CounterOpts{
		Namespace:      metricsNamespace,
		Subsystem:      metricsSubsystem,
		Name:           "evictions_total",
		Help:           "Objects evicted from the search cache to keep it within its bounds.",
		StabilityLevel: metrics.ALPHA,
	})
	objectsGauge = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace:      metricsNamespace,
		Subsystem:      metricsSubsystem,
		Name:           "objects",
		Help:           "Objects held by the search cache.",
		StabilityLevel: metrics.ALPHA,
	})
	bytesGauge = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace:      metricsNamespace,
		Subsystem:      metricsSubsystem,
		Name:           "bytes",
		Help:           "Bytes of object JSON held by the search cache.",
		StabilityLevel: metrics.ALPHA,
	})

	registerOnce sync.Once
)

// registerMetrics registers the metrics with the legacy registry, which the server's
// /metrics serves. It is idempotent; component-base metrics record nothing until
// registered, so every entry point calls it.
func registerMetrics() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(hitsTotal, missesTotal, evictionsTotal, objectsGauge, bytesGauge)
	})
}

// RecordHit counts a shard query the search answered from the cache.
func RecordHit() {
	registerMetrics()
	hitsTotal.Inc()
}

// RecordMiss counts a shard query the search could not answer from the cache.
func RecordMiss() {
	registerMetrics()
	missesTotal.Inc()
}
