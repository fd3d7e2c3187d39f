package apiserver

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apiserver/pkg/server/mux"
	"k8s.io/component-base/metrics/legacyregistry"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// installMetrics makes /metrics serve, besides the apiserver's own metrics, the
// controllers' (controller-runtime keeps reconcile counts, errors and durations
// and the work queues' depth and latency in a registry of its own), so one
// scrape of the proxy covers both. A DELETE still resets the apiserver's
// metrics when withReset is set, as the generic server's handler does.
func installMetrics(m *mux.PathRecorderMux, withReset bool) {
	combined := promhttp.InstrumentMetricHandler(prometheus.DefaultRegisterer,
		promhttp.HandlerFor(metricsGatherer(), promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	reset := legacyregistry.HandlerWithReset()
	m.Unregister("/metrics")
	m.Handle("/metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if withReset && r.Method == http.MethodDelete {
			reset.ServeHTTP(w, r)
			return
		}
		combined.ServeHTTP(w, r)
	}))
}

func metricsGatherer() prometheus.Gatherer {
	return merged{legacyregistry.DefaultGatherer, ctrlmetrics.Registry}
}

// merged gathers the metric families of several gatherers. A family that an
// earlier gatherer also has gets the later one's series that it lacks, when
// both are of one type: both registries here carry the Go runtime and process
// collectors (the same series), and each has workqueue_depth and friends for its
// own queues (other series). prometheus.Gatherers would refuse both.
type merged []prometheus.Gatherer

func (g merged) Gather() ([]*dto.MetricFamily, error) {
	var (
		out  []*dto.MetricFamily
		errs []error
	)
	byName := map[string]*dto.MetricFamily{}
	series := map[string]bool{}
	for _, gatherer := range g {
		families, err := gatherer.Gather()
		if err != nil {
			errs = append(errs, err)
		}
		for _, f := range families {
			have, ok := byName[f.GetName()]
			if !ok {
				have = &dto.MetricFamily{Name: f.Name, Help: f.Help, Type: f.Type, Unit: f.Unit}
				byName[f.GetName()] = have
				out = append(out, have)
			} else if have.GetType() != f.GetType() {
				errs = append(errs, fmt.Errorf("metric %s is a %s in one registry and a %s in another", f.GetName(), have.GetType(), f.GetType()))
				continue
			}
			for _, m := range f.Metric {
				key := seriesKey(f.GetName(), m)
				if !series[key] {
					series[key] = true
					have.Metric = append(have.Metric, m)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return cmp.Compare(a.GetName(), b.GetName()) })
	return out, errors.Join(errs...)
}

// seriesKey identifies a series: its family and its labels.
func seriesKey(family string, m *dto.Metric) string {
	var b strings.Builder
	b.WriteString(family)
	for _, l := range m.GetLabel() {
		b.WriteString("\x00" + l.GetName() + "=" + l.GetValue())
	}
	return b.String()
}
