package metrics

import (
	"fmt"
	"math"
	"sort"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// sourceCollector turns Sources into series at scrape time.
type sourceCollector struct {
	defs *defs
	src  atomic.Pointer[Sources]
}

var _ prometheus.Collector = (*sourceCollector)(nil)

// Describe lists every series Sources can produce, so the registry checks
// names and labels once, at registration.
func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range c.defs.scalars {
		ch <- s.desc
	}
	for _, l := range c.defs.labeled {
		ch <- l.desc
	}
	ch <- c.defs.lag
}

// Collect reads the sources. A value that is not a number (NaN) is sent
// as an invalid metric, which fails the scrape loudly instead of exporting
// garbage.
func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	src := c.src.Load()
	if src == nil {
		return
	}
	for _, s := range c.defs.scalars {
		if f := s.read(src); f != nil {
			emit(ch, s.desc, s.typ, f())
		}
	}
	for _, l := range c.defs.labeled {
		f := l.read(src)
		if f == nil {
			continue
		}
		m := f()
		for _, k := range sortedKeys(m) {
			emit(ch, l.desc, l.typ, m[k], k)
		}
	}
	if src.IndexedHeight != nil && src.NodeTip != nil {
		emit(ch, c.defs.lag, prometheus.GaugeValue, math.Max(0, src.NodeTip()-src.IndexedHeight()))
	}
}

func emit(ch chan<- prometheus.Metric, d *prometheus.Desc, typ prometheus.ValueType, v float64, labels ...string) {
	if math.IsNaN(v) {
		ch <- prometheus.NewInvalidMetric(d, fmt.Errorf("metrics: source returned NaN"))
		return
	}
	m, err := prometheus.NewConstMetric(d, typ, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
