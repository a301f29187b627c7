package host

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are per driver name. Several hosts may share one registry, so the
// vectors are registered once and reused.
type metrics struct {
	restarts prometheus.Counter
	up       prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, name string) (*metrics, error) {
	restarts := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "atlasd",
		Subsystem: "plugin",
		Name:      "restarts_total",
		Help:      "Backup-driver plugin processes restarted after exiting or becoming unreachable.",
	}, []string{"driver"})
	up := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "atlasd",
		Subsystem: "plugin",
		Name:      "up",
		Help:      "1 while the backup-driver plugin is running and configured.",
	}, []string{"driver"})
	if reg != nil {
		var err error
		if restarts, err = register(reg, restarts); err != nil {
			return nil, err
		}
		if up, err = register(reg, up); err != nil {
			return nil, err
		}
	}
	return &metrics{restarts: restarts.WithLabelValues(name), up: up.WithLabelValues(name)}, nil
}

// register adds c to reg, or returns the equal collector registered earlier.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &are):
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
