package host

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func TestBackoff(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: time.Second}
	tests := []struct {
		n    int
		want time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{1000, time.Second},
	}
	for _, tc := range tests {
		if got := b.delay(tc.n); got != tc.want {
			t.Errorf("delay(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"ok", Config{Name: "s3", Path: "/usr/lib/atlasd/s3", SHA256: sum}, ""},
		{"uppercase sum", Config{Name: "s3", Path: "/x", SHA256: strings.ToUpper(sum)}, ""},
		{"no name", Config{Path: "/x", SHA256: sum}, "empty driver name"},
		{"relative path", Config{Name: "s3", Path: "bin/s3", SHA256: sum}, "not absolute"},
		{"no checksum", Config{Name: "s3", Path: "/x"}, "sha256"},
		{"short checksum", Config{Name: "s3", Path: "/x", SHA256: sum[:62]}, "sha256"},
		{"backoff inverted", Config{Name: "s3", Path: "/x", SHA256: sum, MinBackoff: time.Minute, MaxBackoff: time.Second}, "backoff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := tc.cfg.validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				if got.StartTimeout != DefaultStartTimeout || got.CheckInterval != DefaultCheckInterval || got.MinBackoff != DefaultMinBackoff {
					t.Errorf("defaults not filled: %+v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestHCLogBridge(t *testing.T) {
	logs := &syncBuffer{}
	base := newHCLogBridge(zerolog.New(logs).Level(zerolog.InfoLevel), "")
	l := base.Named("s3").Named("serve").With("bucket", "zonefiles")
	l.Debug("dropped")
	l.Info("stored", "key", "8961c32a", "size", 140, "err", errors.New("slow"))
	l.Error("odd", "lonely")
	l.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Warn}).Print("from stdlib")

	evs := logs.events(t)
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3 (debug is below the level): %v", len(evs), evs)
	}
	want := []map[string]interface{}{
		{"level": "info", "message": "stored", "plugin": "s3.serve", "bucket": "zonefiles", "key": "8961c32a", "size": float64(140), "err": "slow"},
		{"level": "error", "message": "odd", "plugin": "s3.serve", "EXTRA_VALUE_AT_END": "lonely"},
		{"level": "warn", "message": "from stdlib", "plugin": "s3.serve"},
	}
	for i, w := range want {
		for k, v := range w {
			if evs[i][k] != v {
				t.Errorf("event %d field %s = %v, want %v", i, k, evs[i][k], v)
			}
		}
	}
	levels := []struct {
		name string
		got  bool
		want bool
	}{
		{"IsDebug", l.IsDebug(), false},
		{"IsInfo", l.IsInfo(), true},
		{"IsError", l.IsError(), true},
	}
	for _, c := range levels {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if l.GetLevel() != hclog.Info {
		t.Errorf("GetLevel = %v, want info", l.GetLevel())
	}
	if got := l.ResetNamed("x").Name(); got != "x" {
		t.Errorf("ResetNamed name = %q", got)
	}
}

func TestLineWriter(t *testing.T) {
	var lines []string
	w := &lineWriter{emit: func(s string) { lines = append(lines, s) }}
	for _, chunk := range []string{"par", "tial\nwhole\r\n\n", "rest"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(lines, "|") != "partial|whole" {
		t.Errorf("lines = %q", lines)
	}
	lines = nil
	if _, err := w.Write(make([]byte, maxLogLine+1)); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || len(lines[0]) != maxLogLine+1+len("rest") {
		t.Errorf("an endless line must be flushed once past the cap, got %d lines", len(lines))
	}
}

// TestMetricsShared: two hosts on one registry must not collide.
func TestMetricsShared(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := newMetrics(reg, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := newMetrics(reg, "b")
	if err != nil {
		t.Fatal(err)
	}
	a.restarts.Inc()
	b.restarts.Add(2)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "atlasd_plugin_restarts_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if got["a"] != 1 || got["b"] != 2 {
		t.Errorf("restarts by driver = %v, want a=1 b=2", got)
	}
}

// TestStderrWriter feeds plugin stderr lines, well-formed and hostile; none
// may panic, and each must come out once at a sensible level.
func TestStderrWriter(t *testing.T) {
	logs := &syncBuffer{}
	w := stderrWriter(zerolog.New(logs).Level(zerolog.TraceLevel))
	input := strings.Join([]string{
		`{"@level":"debug","@message":"put","@module":"s3","@timestamp":"2024-01-01T00:00:00.000000Z","key":"8961c32a","size":140}`,
		`{"@level":"error","@message":5}`,
		`{"@level":["x"],"@message":"odd level"}`,
		`not json at all`,
		`{"truncated":`,
		`panic: runtime error: index out of range`,
		`goroutine 1 [running]:`,
	}, "\n") + "\n"
	if _, err := w.Write([]byte(input)); err != nil {
		t.Fatal(err)
	}
	evs := logs.events(t)
	want := []struct {
		level, message string
		fields         map[string]interface{}
	}{
		{"debug", "put", map[string]interface{}{"module": "s3", "key": "8961c32a", "size": float64(140)}},
		{"warn", `{"@level":"error","@message":5}`, map[string]interface{}{"stream": "stderr"}},
		{"info", "odd level", nil},
		{"warn", "not json at all", nil},
		{"warn", `{"truncated":`, nil},
		{"error", "panic: runtime error: index out of range", nil},
		{"error", "goroutine 1 [running]:", nil},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %v", len(evs), len(want), evs)
	}
	for i, w := range want {
		if evs[i]["level"] != w.level || evs[i]["message"] != w.message {
			t.Errorf("event %d = %v, want %s %q", i, evs[i], w.level, w.message)
		}
		for k, v := range w.fields {
			if evs[i][k] != v {
				t.Errorf("event %d field %s = %v, want %v", i, k, evs[i][k], v)
			}
		}
		if _, ok := evs[i]["timestamp"]; ok {
			t.Errorf("event %d kept the plugin's timestamp", i)
		}
	}
}
