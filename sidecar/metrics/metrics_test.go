package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// world is a stand-in for the daemon's components: plain atomics and a
// locked map, as the real packages keep.
type world struct {
	height, tip, blocks, ops, rejected, reorgs atomic.Int64
	gaps, reconnects, silences, served         atomic.Uint64
	present, total                             atomic.Uint64
	diskLow, diskFree, diskFull                atomic.Uint64
	mu                                         sync.Mutex
	peers                                      map[string]int
	paused                                     map[string]uint64
	refused                                    map[string]uint64
}

func (w *world) sources() Sources {
	return Sources{
		IndexedHeight:    Int(w.height.Load),
		NodeTip:          Int(w.tip.Load),
		BlocksApplied:    Int(w.blocks.Load),
		OpsApplied:       Int(w.ops.Load),
		OpsRejected:      Int(w.rejected.Load),
		Reorgs:           Int(w.reorgs.Load),
		ZMQGaps:          Uint(w.gaps.Load),
		ZMQReconnects:    Uint(w.reconnects.Load),
		ZMQSilences:      Uint(w.silences.Load),
		InventoryPresent: Uint(w.present.Load),
		InventoryTotal:   Uint(w.total.Load),
		BytesServed:      Uint(w.served.Load),
		Peers: Counts(func() map[string]int {
			w.mu.Lock()
			defer w.mu.Unlock()
			return maps.Clone(w.peers)
		}),
		DiskLow:        Uint(w.diskLow.Load),
		DiskFree:       Uint(w.diskFree.Load),
		DiskFullErrors: Uint(w.diskFull.Load),
		DiskPaused: Counts(func() map[string]uint64 {
			w.mu.Lock()
			defer w.mu.Unlock()
			return maps.Clone(w.paused)
		}),
		AtlasRefused: Counts(func() map[string]uint64 {
			w.mu.Lock()
			defer w.mu.Unlock()
			return maps.Clone(w.refused)
		}),
	}
}

// serve starts the handler on a loopback port and returns its base URL.
func serve(t *testing.T, m *Metrics, ready ReadyFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, m.Handler(ready)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// scrape fetches /metrics over HTTP and parses the text format.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// sample finds the value of a series with the given label pairs; for a
// histogram it is the sample count. ok is false if there is no such series.
func sample(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

type want struct {
	name   string
	labels []string
	value  float64
}

func check(t *testing.T, fams map[string]*dto.MetricFamily, wants []want) {
	t.Helper()
	for _, w := range wants {
		got, ok := sample(fams, w.name, w.labels...)
		if !ok {
			t.Errorf("%s%v: missing", w.name, w.labels)
		} else if got != w.value {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.value)
		}
	}
}

func TestScrapeFollowsSources(t *testing.T) {
	w := &world{peers: map[string]int{"healthy": 3, "unreachable": 1}}
	m, err := New(w.sources())
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, m, nil)
	w.height.Store(800_000)
	w.tip.Store(800_010)
	w.total.Store(100)
	w.present.Store(40)
	fams := scrape(t, base)
	check(t, fams, []want{
		{"atlasd_chain_indexed_height", nil, 800_000},
		{"atlasd_chain_node_tip_height", nil, 800_010},
		{"atlasd_chain_lag_blocks", nil, 10},
		{"atlasd_chain_blocks_applied_total", nil, 0},
		{"atlasd_atlas_peers", []string{"state", "healthy"}, 3},
		{"atlasd_atlas_peers", []string{"state", "unreachable"}, 1},
		{"atlasd_atlas_zonefiles_present", nil, 40},
		{"atlasd_atlas_zonefiles_expected", nil, 100},
	})
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "go_build_info"} {
		if fams[name] == nil {
			t.Errorf("%s missing", name)
		}
	}

	// Everything moves; the next scrape must see it.
	w.height.Store(800_012)
	w.tip.Store(800_011) // the tip seen before the last block applied
	w.blocks.Add(12)
	w.ops.Add(7)
	w.rejected.Add(2)
	w.reorgs.Add(1)
	w.gaps.Add(3)
	w.reconnects.Add(4)
	w.silences.Add(5)
	w.served.Add(4096)
	w.present.Store(100)
	w.diskLow.Store(1)
	w.diskFree.Store(3 << 20)
	w.diskFull.Add(2)
	w.mu.Lock()
	w.peers = map[string]int{"healthy": 5}
	w.paused = map[string]uint64{"block": 4, "zonefile": 1}
	w.refused = map[string]uint64{"rate_limited": 6, "overloaded": 1}
	w.mu.Unlock()
	m.ObserveReorg(2)
	m.ObserveRPC("getblock", 40*time.Millisecond, "")
	m.ObserveRPC("getblock", 2*time.Second, "timeout")
	m.ObserveRPC("getblockcount", time.Millisecond, "unreachable")

	fams = scrape(t, base)
	check(t, fams, []want{
		{"atlasd_chain_indexed_height", nil, 800_012},
		{"atlasd_chain_lag_blocks", nil, 0},
		{"atlasd_chain_blocks_applied_total", nil, 12},
		{"atlasd_chain_ops_applied_total", nil, 7},
		{"atlasd_chain_ops_rejected_total", nil, 2},
		{"atlasd_chain_reorgs_total", nil, 1},
		{"atlasd_chain_reorg_depth_blocks", nil, 1},
		{"atlasd_zmq_gaps_total", nil, 3},
		{"atlasd_zmq_reconnects_total", nil, 4},
		{"atlasd_zmq_silences_total", nil, 5},
		{"atlasd_atlas_served_bytes_total", nil, 4096},
		{"atlasd_atlas_zonefiles_present", nil, 100},
		{"atlasd_atlas_peers", []string{"state", "healthy"}, 5},
		{"atlasd_disk_low", nil, 1},
		{"atlasd_disk_free_bytes", nil, 3 << 20},
		{"atlasd_disk_full_errors_total", nil, 2},
		{"atlasd_disk_paused_writes_total", []string{"what", "block"}, 4},
		{"atlasd_disk_paused_writes_total", []string{"what", "zonefile"}, 1},
		{"atlasd_atlas_refused_total", []string{"reason", "rate_limited"}, 6},
		{"atlasd_atlas_refused_total", []string{"reason", "overloaded"}, 1},
		{"atlasd_bitcoind_rpc_duration_seconds", []string{"method", "getblock"}, 2},
		{"atlasd_bitcoind_rpc_duration_seconds", []string{"method", "getblockcount"}, 1},
		{"atlasd_bitcoind_rpc_errors_total", []string{"kind", "timeout"}, 1},
		{"atlasd_bitcoind_rpc_errors_total", []string{"kind", "unreachable"}, 1},
	})
	if _, ok := sample(fams, "atlasd_atlas_peers", "state", "unreachable"); ok {
		t.Error("a state that disappeared is still exported")
	}
	h := fams["atlasd_chain_reorg_depth_blocks"].Metric[0].Histogram
	if h.GetSampleSum() != 2 {
		t.Errorf("reorg depth sum %v, want 2", h.GetSampleSum())
	}
	for _, b := range h.Bucket {
		want := uint64(0)
		if b.GetUpperBound() >= 2 {
			want = 1
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v count %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
}

// Every atlasd series carries the atlasd_ prefix, and each kind is what
// its name promises.
func TestSeriesNames(t *testing.T) {
	w := &world{peers: map[string]int{"healthy": 1}, paused: map[string]uint64{"block": 1}}
	m, err := New(w.sources())
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveRPC("getblock", time.Millisecond, "rpc")
	m.ObserveReorg(1)
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	wantNames := map[string]bool{
		"atlasd_chain_indexed_height": true, "atlasd_chain_node_tip_height": true, "atlasd_chain_lag_blocks": true,
		"atlasd_chain_blocks_applied_total": true, "atlasd_chain_ops_applied_total": true,
		"atlasd_chain_ops_rejected_total": true, "atlasd_chain_reorgs_total": true, "atlasd_chain_reorg_depth_blocks": true,
		"atlasd_zmq_gaps_total": true, "atlasd_zmq_reconnects_total": true, "atlasd_zmq_silences_total": true,
		"atlasd_bitcoind_rpc_duration_seconds": true, "atlasd_bitcoind_rpc_errors_total": true,
		"atlasd_atlas_peers": true, "atlasd_atlas_zonefiles_present": true, "atlasd_atlas_zonefiles_expected": true,
		"atlasd_atlas_served_bytes_total": true,
		"atlasd_disk_low":                 true, "atlasd_disk_free_bytes": true, "atlasd_disk_full_errors_total": true,
		"atlasd_disk_paused_writes_total": true,
	}
	for _, f := range fams {
		name := f.GetName()
		if !strings.HasPrefix(name, "atlasd_") {
			continue
		}
		if !wantNames[name] {
			t.Errorf("unexpected series %s", name)
		}
		delete(wantNames, name)
		t.Run(name, func(t *testing.T) {
			isTotal := strings.HasSuffix(name, "_total")
			if (f.GetType() == dto.MetricType_COUNTER) != isTotal {
				t.Errorf("type %s with name %s", f.GetType(), name)
			}
			if f.GetHelp() == "" {
				t.Error("no help")
			}
		})
	}
	for name := range wantNames {
		t.Errorf("series %s missing", name)
	}
}

func TestReadyz(t *testing.T) {
	var height, tip atomic.Int64
	m, err := New(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, m, SyncedWithin(6, height.Load, tip.Load))
	steps := []struct {
		name         string
		height, tip  int64
		code         int
		reasonSubstr string
	}{
		{"tip unknown", 0, 0, http.StatusServiceUnavailable, "not known"},
		{"far behind", 100, 800_000, http.StatusServiceUnavailable, "799900 blocks behind"},
		{"just too far", 799_993, 800_000, http.StatusServiceUnavailable, "7 blocks behind"},
		{"within the window", 799_994, 800_000, http.StatusOK, ""},
		{"synced", 800_000, 800_000, http.StatusOK, ""},
		{"ahead of a stale tip", 800_001, 800_000, http.StatusOK, ""},
		{"falls behind again", 800_001, 800_010, http.StatusServiceUnavailable, "9 blocks behind"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			height.Store(s.height)
			tip.Store(s.tip)
			code, body := get(t, base+"/readyz")
			if code != s.code {
				t.Fatalf("status %d, want %d (%v)", code, s.code, body)
			}
			if ready, _ := body["ready"].(bool); ready != (s.code == http.StatusOK) {
				t.Errorf("ready %v", body["ready"])
			}
			reason, _ := body["reason"].(string)
			if s.reasonSubstr != "" && !strings.Contains(reason, s.reasonSubstr) {
				t.Errorf("reason %q lacks %q", reason, s.reasonSubstr)
			}
			if s.reasonSubstr == "" && reason != "" {
				t.Errorf("reason %q when ready", reason)
			}
			// Liveness does not depend on readiness.
			if code, body := get(t, base+"/healthz"); code != http.StatusOK || body["status"] != "ok" {
				t.Errorf("/healthz %d %v", code, body)
			}
		})
	}
}

func TestHandlerRoutes(t *testing.T) {
	m, err := New(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, m, func() error { return errors.New("warming up") })
	tests := []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/metrics", http.StatusOK},
		{http.MethodHead, "/healthz", http.StatusOK},
		{http.MethodGet, "/readyz", http.StatusServiceUnavailable},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, "/debug/pprof/", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.code)
			}
		})
	}
}

// A source returning NaN must not poison the scrape: the other series are
// still served.
func TestNaNSource(t *testing.T) {
	m, err := New(Sources{
		IndexedHeight: func() float64 { return 5 },
		BytesServed:   math.NaN,
	})
	if err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, serve(t, m, nil))
	check(t, fams, []want{{"atlasd_chain_indexed_height", nil, 5}})
	if fams["atlasd_atlas_served_bytes_total"] != nil {
		t.Error("NaN exported")
	}
}

func TestSetSources(t *testing.T) {
	m, err := New(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, m, nil)
	if fams := scrape(t, base); fams["atlasd_chain_indexed_height"] != nil {
		t.Fatal("height exported before it has a source")
	}
	m.SetSources(Sources{IndexedHeight: Int(func() int64 { return 42 })})
	check(t, scrape(t, base), []want{{"atlasd_chain_indexed_height", nil, 42}})
}

func TestServeStops(t *testing.T) {
	m, err := New(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, m.Handler(nil)) }()
	if code, _ := get(t, "http://"+ln.Addr().String()+"/healthz"); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("body %q: %v", raw, err)
	}
	return resp.StatusCode, body
}
