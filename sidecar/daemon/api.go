package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/plugin/backup"
	"github.com/atlasd/atlasd/sidecar/api"
	"github.com/atlasd/atlasd/sidecar/metrics"
	"github.com/atlasd/atlasd/sidecar/zmqsub"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// Version is reported by the APIs.
const Version = "atlasd 0.1.0"

// machineView lets the API read whichever replay state is current (a
// rebuild replaces it).
type machineView struct{ d *Daemon }

func (v machineView) Tip() (int64, string)                  { return v.d.Machine().Tip() }
func (v machineView) ConsensusHash(h uint64) (string, bool) { return v.d.Machine().ConsensusHash(h) }
func (v machineView) Name(n string) (state.Record, bool, error) {
	return v.d.Machine().Name(n)
}
func (v machineView) Namespace(id string) (state.Record, bool, error) {
	return v.d.Machine().Namespace(id)
}
func (v machineView) Namespaces() ([]string, error)             { return v.d.Machine().Namespaces() }
func (v machineView) History(id string) ([]state.Record, error) { return v.d.Machine().History(id) }

func (d *Daemon) nodeTip() int64 {
	if st := d.FollowStats(); st != nil {
		if t := st.NodeHeight.Load(); t > 0 {
			return t
		}
	}
	return -1
}

// nodeStaleFloor is the shortest silence from the node that makes atlasd
// unready; a variable so tests need not wait it out.
var nodeStaleFloor = 30 * time.Second

// nodeReachable fails readiness once the node has not answered for a
// while: what we serve may be stale, even though our height still matches
// the last tip we saw. A short blip (a restart, one lost poll) stays ready.
func (d *Daemon) nodeReachable() error {
	st := d.FollowStats()
	if st == nil {
		return nil // the follower has not started; the tip check reports it
	}
	last := st.LastContact.Load()
	if last == 0 {
		return nil
	}
	stale := max(4*d.cfg.Bitcoind.PollInterval, nodeStaleFloor)
	if since := time.Since(time.Unix(0, last)); since > stale {
		return fmt.Errorf("the node has not answered for %s (at %s)", since.Round(time.Second), d.cfg.Bitcoind.RPCHost)
	}
	return nil
}

func (d *Daemon) indexed() int64 { h, _ := d.Machine().Tip(); return h }

// newMetrics builds the registry with every source the daemon has.
func (d *Daemon) newMetrics() (*metrics.Metrics, error) {
	stat := func(f func() int64) metrics.Value {
		return func() float64 {
			if d.FollowStats() == nil {
				return 0
			}
			return float64(f())
		}
	}
	fs := d.FollowStats
	zmq := func(f func(*zmqsub.Stats) uint64) metrics.Value {
		return func() float64 {
			d.mu.Lock()
			sub := d.zmq
			d.mu.Unlock()
			if sub == nil {
				return 0
			}
			return float64(f(sub.Stats()))
		}
	}
	atlas := func(f func(*service.Service) float64) metrics.Value {
		return func() float64 {
			if s := (atlasAPI{d}).svc(); s != nil {
				return f(s)
			}
			return 0
		}
	}
	return metrics.New(metrics.Sources{
		InventoryPresent: atlas(func(s *service.Service) float64 { p, _ := s.Inventory(); return float64(p) }),
		InventoryTotal:   atlas(func(s *service.Service) float64 { _, t := s.Inventory(); return float64(t) }),
		BytesServed:      atlas(func(s *service.Service) float64 { return float64(s.BytesServed()) }),
		Peers: func() map[string]float64 {
			out := map[string]float64{}
			if s := (atlasAPI{d}).svc(); s != nil {
				for k, v := range s.PeersByState() {
					out[k] = float64(v)
				}
			}
			return out
		},
		AtlasRefused: func() map[string]float64 {
			out := map[string]float64{"rate_limited": 0, "conns_per_addr": 0, "overloaded": 0}
			if s := (atlasAPI{d}).svc(); s != nil {
				st := s.Status()
				out["rate_limited"] = float64(st.RateLimited)
				out["conns_per_addr"] = float64(st.ConnsRefused)
				out["overloaded"] = float64(st.Overloaded)
			}
			return out
		},
		ZMQGaps:       zmq(func(s *zmqsub.Stats) uint64 { return s.Gaps.Load() }),
		ZMQReconnects: zmq(func(s *zmqsub.Stats) uint64 { return s.Reconnects.Load() }),
		ZMQSilences:   zmq(func(s *zmqsub.Stats) uint64 { return s.Silences.Load() }),
		IndexedHeight: metrics.Int(d.indexed),
		NodeTip:       metrics.Int(func() int64 { return max(d.nodeTip(), 0) }),
		BlocksApplied: stat(func() int64 { return fs().BlocksApplied.Load() }),
		OpsApplied:    stat(func() int64 { return fs().OpsAccepted.Load() }),
		OpsRejected:   stat(func() int64 { return fs().OpsRejected.Load() }),
		Reorgs:        stat(func() int64 { return fs().Reorgs.Load() }),
		DiskLow: func() float64 {
			if d.guard.low.Load() {
				return 1
			}
			return 0
		},
		DiskFree:       metrics.Uint(d.guard.freeBytes.Load),
		DiskPaused:     metrics.Counts(d.guard.pausedCounts),
		DiskFullErrors: metrics.Uint(d.guard.fullErrs.Load),
	})
}

// serveAPI binds the REST API with /metrics, /healthz and /readyz and
// serves it until ctx ends.
func (d *Daemon) serveAPI(ctx context.Context, wg *sync.WaitGroup) error {
	m := d.metrics
	h := api.New(machineView{d}, d.atlasAPI(), api.Info{
		Network: d.p.Network, Version: Version, FirstBlock: d.p.FirstBlock, NodeTip: d.nodeTip,
	})
	h.Mux().HandleFunc("GET /v1/backup/status", func(w http.ResponseWriter, _ *http.Request) {
		d.mu.Lock()
		mgr := d.backup
		d.mu.Unlock()
		st := []backup.DriverStatus{}
		if mgr != nil {
			st = mgr.Status()
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"drivers": st})
	})
	synced := metrics.SyncedWithin(2, d.indexed, func() int64 { return max(d.nodeTip(), 0) })
	m.Mount(h.Mux(), func() error {
		if err := d.guard.ready(); err != nil {
			return err
		}
		if err := d.nodeReachable(); err != nil {
			return err
		}
		return synced()
	})
	ln, err := net.Listen("tcp", d.cfg.API.Listen)
	if err != nil {
		return fmt.Errorf("daemon: api.listen %s: %w", d.cfg.API.Listen, err)
	}
	d.mu.Lock()
	d.apiAddr = ln.Addr().String()
	d.mu.Unlock()
	d.log.Info().Str("addr", "http://"+ln.Addr().String()).Msg("REST API, /metrics and /healthz listening")
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := metrics.Serve(ctx, ln, d.refuseWhenFull(h)); err != nil {
			d.log.Error().Err(err).Msg("API server stopped")
		}
	}()
	return nil
}

// refuseWhenFull answers POST /v1/zonefile with 503 and Retry-After while
// the disk guard holds writes back, so a client knows to post again later
// (the API would answer a refused store write with 500). Every other
// request, reads above all, goes through.
func (d *Daemon) refuseWhenFull(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/zonefile" {
			if err := d.guard.check("zonefile"); err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "60")
				w.WriteHeader(http.StatusServiceUnavailable)
				json.NewEncoder(w).Encode(map[string]any{
					"error":       err.Error() + "; the zonefile was not stored, post it again once space is freed",
					"http_status": http.StatusServiceUnavailable,
				})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// APIAddr is the REST API's address once Run has bound it.
func (d *Daemon) APIAddr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.apiAddr
}

// atlasAPI is the Atlas peer as the REST API sees it; nil when it is off.
func (d *Daemon) atlasAPI() api.Atlas {
	if !d.cfg.Atlas.Enabled {
		return nil
	}
	return atlasAPI{d}
}
