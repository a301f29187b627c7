package backup

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/drivertest"
	"github.com/atlasd/atlasd/plugin/drivertest/chaos"
)

// chaosSpec is the chaos plugin over a fresh directory, with its faults
// fixed by script (see chaos.SettingScript). It returns the store's root
// and the journal.
func chaosSpec(t *testing.T, name, script string) (Spec, string, string) {
	t.Helper()
	bin, sum := drivertest.SharedPlugin(t, "github.com/atlasd/atlasd/plugin/drivertest/chaosdriver")
	dir := t.TempDir()
	root, journal := filepath.Join(dir, "store"), filepath.Join(dir, "journal")
	settings := chaos.Config{Journal: journal, State: filepath.Join(dir, "starts")}.Settings(map[string]string{dirdriver.SettingRoot: root})
	settings[chaos.SettingScript] = script
	return Spec{Name: name, Path: bin, SHA256: sum, Settings: settings}, root, journal
}

// TestPluginFaultsDrain puts real zonefiles through a plugin that crashes,
// hangs or fails in the ways the plugin-fault soak found or feared, one
// kind at a time and deterministically: every zonefile must arrive intact,
// a crashed or hung plugin must be replaced, a plugin that answers must
// not be, and the failures must show in the status.
func TestPluginFaultsDrain(t *testing.T) {
	zfs := zonefiles(t, "subdomain_zonefiles.txt")
	tests := []struct {
		name     string
		script   string
		restarts uint64
		failed   bool // some attempt must have failed
		lastErr  string
	}{
		// A Put torn half way by a crash leaves a short file behind; the
		// retry on the restarted plugin must replace it.
		{"crash mid-upload", "1:torn;2:crash-after;3:crash", 3, true, "driver: put"},
		// Found by the soak: a frozen or deadlocked plugin was never
		// replaced, and failed every call by timeout for good.
		{"hung", "1:deadlock;2:ok,freeze", 2, true, "deadline exceeded"},
		// A single stuck call times out; the plugin still answers.
		{"stalled call", "1:stall", 0, true, "deadline exceeded"},
		{"errors", "1:error,ok,error,error", 0, true, "injected failure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, root, journal := chaosSpec(t, "chaos", tc.script)
			cfg := fastConfig(t.TempDir(), newMemStore(zfs...), &syncBuffer{}, spec)
			// One upload at a time, so the script meets the calls in a
			// known order.
			cfg.Concurrency = 1
			cfg.CallTimeout = time.Second
			cfg.Plugin.ProbeTimeout = 500 * time.Millisecond
			r := start(t, cfg)
			if err := r.m.Enqueue(context.Background(), hashes(zfs)...); err != nil {
				t.Fatal(err)
			}
			drained(t, r.m, 60*time.Second)
			checkDir(t, root, zfs)
			s := r.m.Status()[0]
			if s.Restarts != tc.restarts || (s.Failed > 0) != tc.failed || s.State != StateUp {
				t.Errorf("status = %+v, want %d restarts and failures %v", s, tc.restarts, tc.failed)
			}
			if !strings.Contains(s.LastError, tc.lastErr) {
				t.Errorf("last error %q does not mention %q", s.LastError, tc.lastErr)
			}
			j, err := chaos.ReadJournal(journal)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Count(tc.script, ",") + strings.Count(tc.script, ";") + 1 - strings.Count(tc.script, "ok"); j.Total() != want {
				t.Errorf("journal counts %d faults, want %d", j.Total(), want)
			}
		})
	}
}

// TestRestoreThroughHungPlugin: a restore whose first driver deadlocks
// gets everything from the second, and the hung plugin is replaced.
func TestRestoreThroughHungPlugin(t *testing.T) {
	zfs := zonefiles(t, "subdomain_zonefiles.txt")
	spec, root, _ := chaosSpec(t, "chaos", "1:ok,deadlock")
	good, goodRoot := dirSpec(t, "good")
	fillDir(t, root, zfs)
	fillDir(t, goodRoot, zfs)
	cfg := fastConfig(t.TempDir(), newMemStore(), &syncBuffer{}, spec, good)
	cfg.CallTimeout = time.Second
	cfg.Plugin.ProbeTimeout = 500 * time.Millisecond
	r := start(t, cfg)
	waitFor(t, 20*time.Second, "the plugin to start", func() bool { return r.m.Status()[0].State == StateUp })
	sink := newMemStore()
	res, err := r.m.Restore(context.Background(), hashes(zfs), sink)
	if err != nil {
		t.Fatal(err)
	}
	sink.checkWhole(t, zfs)
	if res.Restored != len(zfs) || res.Drivers[0].Failed == 0 {
		t.Errorf("result = %+v", res)
	}
	waitFor(t, 20*time.Second, "the hung plugin to be replaced", func() bool {
		s := r.m.Status()[0]
		return s.Restarts == 1 && s.State == StateUp
	})
}
