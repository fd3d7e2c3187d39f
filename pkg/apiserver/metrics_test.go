package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apiserver/pkg/server/mux"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

func TestMetricsServeTheControllersToo(t *testing.T) {
	apiserverCounter := metrics.NewCounter(&metrics.CounterOpts{Name: "fleetplane_test_apiserver_total", Help: "test", StabilityLevel: metrics.ALPHA})
	legacyregistry.MustRegister(apiserverCounter)
	apiserverCounter.Inc()
	controllerCounter := prometheus.NewCounter(prometheus.CounterOpts{Name: "fleetplane_test_controller_total", Help: "test"})
	ctrlmetrics.Registry.MustRegister(controllerCounter)
	t.Cleanup(func() { ctrlmetrics.Registry.Unregister(controllerCounter) })
	controllerCounter.Inc()
	// Both registries have a family of this name, for different series.
	apiserverQueue := metrics.NewGaugeVec(&metrics.GaugeOpts{Name: "fleetplane_test_queue_depth", Help: "[ALPHA] test", StabilityLevel: metrics.ALPHA}, []string{"name"})
	legacyregistry.MustRegister(apiserverQueue)
	apiserverQueue.WithLabelValues("a").Set(1)
	controllerQueue := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fleetplane_test_queue_depth", Help: "test"}, []string{"controller", "name"})
	ctrlmetrics.Registry.MustRegister(controllerQueue)
	t.Cleanup(func() { ctrlmetrics.Registry.Unregister(controllerQueue) })
	controllerQueue.WithLabelValues("b", "b").Set(2)

	m := mux.NewPathRecorderMux("test")
	m.Handle("/metrics", http.NotFoundHandler()) // what the generic server installed
	installMetrics(m, true)

	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	for _, want := range []string{"fleetplane_test_apiserver_total 1", "fleetplane_test_controller_total 1",
		`fleetplane_test_queue_depth{name="a"} 1`, `fleetplane_test_queue_depth{controller="b",name="b"} 2`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// The Go runtime and process collectors of both registries are served once.
	if _, err := metricsGatherer().Gather(); err != nil {
		t.Errorf("gathering: %v", err)
	}
	if n := strings.Count(rec.Body.String(), "\n# TYPE go_goroutines "); n != 1 {
		t.Errorf("go_goroutines is served %d times", n)
	}

	rec = httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "reset") {
		t.Errorf("DELETE /metrics: %d %q, want the apiserver's reset", rec.Code, rec.Body)
	}
}
