package metrics

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics owns the daemon's registry and the series fed by events.
type Metrics struct {
	reg        *prometheus.Registry
	sources    *sourceCollector
	reorgDepth prometheus.Histogram
	rpcLatency *prometheus.HistogramVec
	rpcErrors  *prometheus.CounterVec
}

// New builds a registry holding the Go runtime, process and build-info
// collectors and every atlasd series, reading src on each scrape.
func New(src Sources) (*Metrics, error) {
	m := &Metrics{
		reg:        prometheus.NewRegistry(),
		sources:    &sourceCollector{defs: newDefs()},
		reorgDepth: newReorgDepth(),
		rpcLatency: newRPCDuration(),
		rpcErrors:  newRPCErrors(),
	}
	m.sources.src.Store(&src)
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
		m.sources, m.reorgDepth, m.rpcLatency, m.rpcErrors,
	} {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	return m, nil
}

// SetSources replaces what scrapes read, for a daemon that builds its
// components after the metrics (which it passes ObserveRPC to).
func (m *Metrics) SetSources(src Sources) { m.sources.src.Store(&src) }

// Registerer lets a component with its own collector (the store's Pebble
// statistics, say) add it to the same registry.
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

// Gatherer is the registry, for tests and for pushing elsewhere.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// ObserveRPC records one bitcoind call: its latency by method and, when
// errKind is not empty, a failure of that kind (bitcoind.Kind's String).
// Its signature needs nothing from Prometheus, so the RPC client can take
// it as a plain func.
func (m *Metrics) ObserveRPC(method string, took time.Duration, errKind string) {
	m.rpcLatency.WithLabelValues(method).Observe(took.Seconds())
	if errKind != "" {
		m.rpcErrors.WithLabelValues(errKind).Inc()
	}
}

// ObserveReorg records the depth of one reorganisation, in blocks rolled
// back.
func (m *Metrics) ObserveReorg(depth int) {
	m.reorgDepth.Observe(float64(depth))
}
