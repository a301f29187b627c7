package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReadyFunc says whether the daemon should receive traffic: nil if ready,
// else an error whose text is the reason given to the prober.
type ReadyFunc func() error

// SyncedWithin is ready once indexed is at most n blocks behind tip. A tip
// of zero or less means bitcoind has not been heard from yet (the
// follower's counters start at zero), which is not ready either.
func SyncedWithin(n int64, indexed, tip func() int64) ReadyFunc {
	return func() error {
		t := tip()
		if t <= 0 {
			return errors.New("node tip not known yet")
		}
		h := indexed()
		if behind := t - h; behind > n {
			return fmt.Errorf("indexed height %d is %d blocks behind node tip %d (ready within %d)", h, behind, t, n)
		}
		return nil
	}
}

// Mount adds /metrics, /healthz and /readyz to mux. A nil ready is always
// ready.
func (m *Metrics) Mount(mux *http.ServeMux, ready ReadyFunc) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A failing collector drops its series but not the scrape.
		ErrorHandling: promhttp.ContinueOnError,
		// Scrapes are cheap but unauthenticated; bound how many run.
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "reason": err.Error()})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"ready": true})
	})
}

// Handler is a mux serving only the three endpoints.
func (m *Metrics) Handler(ready ReadyFunc) http.Handler {
	mux := http.NewServeMux()
	m.Mount(mux, ready)
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve serves h on ln until ctx is done, then shuts down, giving requests
// in flight a few seconds. It returns nil after a shutdown caused by ctx.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler: h,
		// Bounds for a port that may face the network: slow clients must
		// not hold connections open.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("metrics: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-done
	if err != nil {
		return fmt.Errorf("metrics: shutdown: %w", err)
	}
	return nil
}
