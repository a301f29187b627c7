package service

import (
	"context"
	"errors"
	"log"
	"net/http"
	"strings"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
)

// Run serves peers and replicates until ctx is cancelled, then shuts the
// HTTP server down gracefully (requests in flight get ShutdownTimeout to
// finish) and returns nil. It returns early with an error only when the
// server cannot serve or the store fails, after stopping everything else.
// Run may be called once.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.ran:
		s.mu.Unlock()
		return ErrRunning
	}
	s.running, s.ran = true, true
	s.mu.Unlock()
	// Writes started by the loops finish even when ctx ends mid-way.
	s.bg = context.WithoutCancel(ctx)
	defer func() {
		s.transport.CloseIdleConnections()
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	srv := &http.Server{
		Handler:           s.rpc,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(debugWriter{s.log}, "", 0),
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(s.rpc.Listener(s.ln)); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			s.log.Warn().Err(err).Msg("graceful shutdown cut short")
			return srv.Close()
		}
		return nil
	})
	g.Go(func() error { return s.crawlLoop(gctx) })
	g.Go(func() error { return s.replicateLoop(gctx) })
	g.Go(func() error { return s.pushLoop(gctx) })
	g.Go(func() error { return s.forkLoop(gctx) })
	s.log.Info().Str("self", s.self).Stringer("listen", s.ln.Addr()).Int("seeds", len(s.cfg.Seeds)).Msg("atlas peer running")
	err := g.Wait()
	s.log.Info().Err(err).Msg("atlas peer stopped")
	return err
}

// debugWriter sends the HTTP server's own messages (bad requests, TLS
// probes, accept errors) to the service logger at debug level: they are
// the peers' problems, not ours.
type debugWriter struct{ l zerolog.Logger }

func (w debugWriter) Write(p []byte) (int, error) {
	w.l.Debug().Str("from", "http").Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}
