package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

// The directory driver served as a plugin: a real binary for every test that
// needs a process to start, check, kill and restart. Built once per run.
var (
	dirPluginOnce sync.Once
	dirPluginPath string
	dirPluginSum  string
)

func dirPlugin(t *testing.T) (string, string) {
	t.Helper()
	dirPluginOnce.Do(func() {
		// A fresh directory that outlives the first test to ask.
		dir, err := os.MkdirTemp("", "hosttest-")
		if err != nil {
			t.Fatal(err)
		}
		bin, sum := drivertest.BuildPlugin(t, "github.com/atlasd/atlasd/contrib/dir")
		dirPluginPath = filepath.Join(dir, "dir")
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dirPluginPath, data, 0o700); err != nil {
			t.Fatal(err)
		}
		dirPluginSum = sum
	})
	if dirPluginPath == "" {
		t.Fatal("directory plugin was not built")
	}
	return dirPluginPath, dirPluginSum
}

func TestMain(m *testing.M) {
	code := m.Run()
	drivertest.RemoveSharedPlugins()
	if dirPluginPath != "" {
		os.RemoveAll(filepath.Dir(dirPluginPath))
	}
	os.Exit(code)
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// events returns the JSON log events written so far.
func (b *syncBuffer) events(t *testing.T) []map[string]interface{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]interface{}
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var ev map[string]interface{}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, ev)
	}
	return out
}

type harness struct {
	host   *Host
	logs   *syncBuffer
	reg    *prometheus.Registry
	done   chan struct{} // closed when Run has returned
	runErr error         // Run's result, set before done is closed
	stop   context.CancelFunc
}

// wait returns Run's result, failing the test if Run is still going after d.
func (hs *harness) wait(t *testing.T, d time.Duration, why string) error {
	t.Helper()
	select {
	case <-hs.done:
		return hs.runErr
	case <-time.After(d):
		t.Fatal(why)
		return nil
	}
}

// running reports whether Run is still going.
func (hs *harness) running() bool {
	select {
	case <-hs.done:
		return false
	default:
		return true
	}
}

// startHost runs a Host for cfg (defaults filled in with fast timings) and
// stops it when the test ends.
func startHost(t *testing.T, cfg Config) *harness {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "test-dir"
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 50 * time.Millisecond
		cfg.MaxBackoff = 400 * time.Millisecond
	}
	if cfg.CheckInterval == 0 {
		cfg.CheckInterval = 50 * time.Millisecond
	}
	logs := &syncBuffer{}
	reg := prometheus.NewRegistry()
	h, err := New(cfg, zerolog.New(logs).Level(zerolog.DebugLevel), reg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{host: h, logs: logs, reg: reg, done: make(chan struct{}), stop: cancel}
	go func() {
		hs.runErr = h.Run(ctx)
		close(hs.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-hs.done:
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return hs
}

func dirConfig(t *testing.T) Config {
	bin, sum := dirPlugin(t)
	return Config{
		Path:     bin,
		SHA256:   sum,
		Settings: map[string]string{"root": filepath.Join(t.TempDir(), "store")},
	}
}

func (hs *harness) pid(t *testing.T) int {
	t.Helper()
	hs.host.mu.Lock()
	defer hs.host.mu.Unlock()
	if hs.host.cur == nil {
		return 0
	}
	return hs.host.cur.pid
}

// metric reads one series of the harness's registry.
func (hs *harness) metric(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := hs.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

// TestConformance runs the contract suite against a real plugin process.
func TestConformance(t *testing.T) {
	hs := startHost(t, dirConfig(t))
	drivertest.Conformance(t, hs.host, drivertest.Zonefiles(t, "subdomain_zonefiles.txt"))
}

// TestChecksumRefused: the binary must match the configured SHA-256, or Run
// ends at once with ErrChecksum naming the path and both digests, and calls
// fail instead of waiting.
func TestChecksumRefused(t *testing.T) {
	bin, sum := dirPlugin(t)
	tampered := filepath.Join(t.TempDir(), "dir")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered, append(data, 0), 0o700); err != nil {
		t.Fatal(err)
	}
	other := drivertest.FileSHA256(t, "/proc/self/exe")
	tests := []struct {
		name     string
		path     string
		sum      string
		fileHas  string
		expected string
	}{
		{"wrong checksum in config", bin, other, sum, other},
		{"binary replaced", tampered, sum, drivertest.FileSHA256(t, tampered), sum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := startHost(t, Config{Path: tc.path, SHA256: tc.sum, Settings: map[string]string{"root": t.TempDir()}})
			if err := hs.host.Verify(); !errors.Is(err, ErrChecksum) {
				t.Errorf("Verify error = %v, want ErrChecksum", err)
			}
			err := hs.wait(t, 10*time.Second, "Run kept going with a bad checksum")
			if !errors.Is(err, ErrChecksum) {
				t.Fatalf("Run error = %v, want ErrChecksum", err)
			}
			for _, want := range []string{tc.path, tc.fileHas, tc.expected} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %s", err, want)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := hs.host.Describe(ctx); !errors.Is(err, ErrChecksum) {
				t.Errorf("Describe after refusal error = %v, want ErrChecksum", err)
			}
		})
	}
}

// TestRestartAfterKill kills the plugin with SIGKILL twice; each time the
// host must notice, start a new process, configure it again and serve the
// blobs written before the crash, without the caller seeing an error.
func TestRestartAfterKill(t *testing.T) {
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	hs := startHost(t, dirConfig(t))
	if err := hs.host.Verify(); err != nil {
		t.Fatalf("Verify of the built binary: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, b := range blobs {
		if err := hs.host.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	for round := 1; round <= 2; round++ {
		pid := hs.pid(t)
		if pid <= 0 {
			t.Fatalf("round %d: no plugin pid", round)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("round %d: kill %d: %v", round, pid, err)
		}
		// Straight after the kill: the call must ride out the restart.
		for _, b := range blobs {
			got, err := hs.host.Get(ctx, driver.GetRequest{Key: b.Key})
			if err != nil {
				t.Fatalf("round %d: Get %s after kill: %v", round, b.Key, err)
			}
			if drivertest.Hash160(got.Data) != b.Key {
				t.Fatalf("round %d: Get %s returned other data", round, b.Key)
			}
		}
		if newPID := hs.pid(t); newPID == pid || newPID <= 0 {
			t.Fatalf("round %d: pid %d after kill of %d, want a new process", round, newPID, pid)
		}
		if n := hs.metric(t, "atlasd_plugin_restarts_total"); n != float64(round) {
			t.Errorf("round %d: restarts_total = %v", round, n)
		}
		if up := hs.metric(t, "atlasd_plugin_up"); up != 1 {
			t.Errorf("round %d: up = %v after restart", round, up)
		}
		if n := hs.host.Restarts(); n != uint64(round) {
			t.Errorf("round %d: Restarts() = %d", round, n)
		}
		if !hs.host.Up() {
			t.Errorf("round %d: Up() = false after restart", round)
		}
	}
	var restartLogs int
	for _, ev := range hs.logs.events(t) {
		if ev["message"] == "driver went away; restarting" {
			restartLogs++
			if ev["level"] != "error" || ev["driver"] != "test-dir" {
				t.Errorf("restart logged as %v", ev)
			}
		}
	}
	if restartLogs != 2 {
		t.Errorf("%d restart log events, want 2", restartLogs)
	}
}

// TestPluginLogsBridged: the plugin's hclog JSON on stderr must come out of
// zerolog with the driver's name, the plugin's logger name and its level.
func TestPluginLogsBridged(t *testing.T) {
	hs := startHost(t, dirConfig(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := hs.host.Describe(ctx); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range hs.logs.events(t) {
		// Logged inside the plugin process by go-plugin's server.
		if ev["message"] != "configuring server automatic mTLS" {
			continue
		}
		found = true
		if ev["driver"] != "test-dir" || ev["level"] != "info" {
			t.Errorf("bridged event = %v, want driver test-dir at info", ev)
		}
		if ev["plugin"] != "dir" || ev["module"] != "serve" {
			t.Errorf("bridged event = %v, want plugin dir (the binary) and module serve (its logger)", ev)
		}
	}
	if !found {
		t.Error("the plugin's own log line never reached zerolog")
	}
}

// TestSettingsRefused: settings the driver rejects cannot get better by
// restarting, so Run stops with the driver's error.
func TestSettingsRefused(t *testing.T) {
	cfg := dirConfig(t)
	cfg.Settings = map[string]string{"root": "relative/path"}
	hs := startHost(t, cfg)
	err := hs.wait(t, 20*time.Second, "Run kept restarting a driver that refuses its settings")
	if !errors.Is(err, driver.ErrInvalidArgument) || !strings.Contains(err.Error(), "relative/path") {
		t.Errorf("Run error = %v, want the driver's ErrInvalidArgument", err)
	}
}

// TestMissingBinary: a wrong path is a configuration error, not something to
// retry forever.
func TestMissingBinary(t *testing.T) {
	_, sum := dirPlugin(t)
	missing := filepath.Join(t.TempDir(), "no-such-plugin")
	hs := startHost(t, Config{Path: missing, SHA256: sum})
	err := hs.wait(t, 10*time.Second, "Run kept retrying a missing binary")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Run error = %v, want a not-exist error naming %s", err, missing)
	}
}

// TestStartFailuresBackOff launches a binary that is no plugin: every start
// fails, and Run must keep retrying with growing waits until cancelled.
func TestStartFailuresBackOff(t *testing.T) {
	notPlugin := filepath.Join(t.TempDir(), "not-a-plugin")
	script := "#!/bin/sh\necho 'not a plugin'\n"
	if err := os.WriteFile(notPlugin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	hs := startHost(t, Config{Path: notPlugin, SHA256: drivertest.FileSHA256(t, notPlugin)})
	var waits []float64
	for deadline := time.Now().Add(20 * time.Second); len(waits) < 5; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d failed starts logged in 20s, want 5", len(waits))
		}
		if !hs.running() {
			t.Fatalf("Run gave up: %v", hs.runErr)
		}
		waits = waits[:0]
		for _, ev := range hs.logs.events(t) {
			if ev["message"] == "driver start failed" {
				w, _ := ev["retry_in"].(float64)
				waits = append(waits, w)
			}
		}
	}
	for i, want := range []float64{50, 100, 200, 400, 400} {
		if waits[i] != want {
			t.Errorf("wait %d = %vms, want %vms", i+1, waits[i], want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := hs.host.Describe(ctx); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Describe while down error = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	hs.stop()
	if err := hs.wait(t, 5*time.Second, "Run did not return after cancel"); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	if _, err := hs.host.Describe(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Describe after Run returned error = %v, want ErrUnavailable", err)
	}
}
