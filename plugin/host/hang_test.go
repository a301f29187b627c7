package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
	"github.com/atlasd/atlasd/plugin/drivertest/chaos"
)

// chaosConfig runs the chaos plugin over a fresh directory with script
// (see chaos.SettingScript) and a fast probe. It returns the journal path.
func chaosConfig(t *testing.T, script string) (Config, string) {
	t.Helper()
	bin, sum := drivertest.SharedPlugin(t, "github.com/atlasd/atlasd/plugin/drivertest/chaosdriver")
	dir := t.TempDir()
	journal := filepath.Join(dir, "journal")
	cfg := chaos.Config{Script: map[int][]chaos.Kind{}, Journal: journal, State: filepath.Join(dir, "starts")}
	settings := cfg.Settings(map[string]string{"root": filepath.Join(dir, "store")})
	settings[chaos.SettingScript] = script
	return Config{Name: "chaos", Path: bin, SHA256: sum, Settings: settings, ProbeTimeout: 500 * time.Millisecond}, journal
}

// alive reports whether pid is a running process: not gone, not a zombie
// waiting for a parent (or an init that may never reap it) to collect it.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: best effort
	}
	// The state follows the command name, which is in parentheses.
	i := strings.LastIndexByte(string(data), ')')
	return i < 0 || i+2 >= len(data) || data[i+2] != 'Z'
}

// TestHungPluginReplaced: a plugin whose process freezes (SIGSTOP) or whose
// driver deadlocks (its gRPC server and go-plugin's health service still
// up) fails the call by timeout, then does not answer the probe, and must
// be killed and replaced; the next call works.
func TestHungPluginReplaced(t *testing.T) {
	blob := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	for _, kind := range []chaos.Kind{chaos.Freeze, chaos.Deadlock} {
		t.Run(string(kind), func(t *testing.T) {
			cfg, journal := chaosConfig(t, "1:"+string(kind))
			hs := startHost(t, cfg)
			waitUp(t, hs)
			pid := hs.pid(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := hs.host.Put(ctx, driver.PutRequest{Key: blob.Key, Data: blob.Data})
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Put to a hung plugin: %v, want a timeout", err)
			}
			ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := hs.host.Put(ctx, driver.PutRequest{Key: blob.Key, Data: blob.Data}); err != nil {
				t.Fatalf("Put after the hang: %v", err)
			}
			if n := hs.host.Restarts(); n != 1 {
				t.Errorf("Restarts() = %d, want 1", n)
			}
			if newPID := hs.pid(t); newPID == pid || alive(pid) {
				t.Errorf("hung process %d: still alive %v, now serving %d", pid, alive(pid), newPID)
			}
			if !hasLog(t, hs, "driver went away; restarting", "did not answer a probe") {
				t.Error("no restart logged with the probe as its reason")
			}
			if j, err := chaos.ReadJournal(journal); err != nil || j.Faults[kind] != 1 || j.Starts != 2 {
				t.Errorf("journal = %+v, %v; want one %s and two starts", j, err, kind)
			}
		})
	}
}

// TestStalledCallNotRestarted: one call that never returns times out, but
// the plugin answers the probe, so it is left running.
func TestStalledCallNotRestarted(t *testing.T) {
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	cfg, _ := chaosConfig(t, "1:stall")
	hs := startHost(t, cfg)
	waitUp(t, hs)
	pid := hs.pid(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	err := hs.host.Put(ctx, driver.PutRequest{Key: blobs[0].Key, Data: blobs[0].Data})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stalled Put: %v, want a timeout", err)
	}
	// Give the probe time to run and answer.
	waitFor(t, 10*time.Second, "the probe's answer", func() bool {
		return hasLog(t, hs, "a call to the driver timed out; the driver still answers", "")
	})
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.host.Put(ctx, driver.PutRequest{Key: blobs[1].Key, Data: blobs[1].Data}); err != nil {
		t.Fatalf("Put after the stall: %v", err)
	}
	if n := hs.host.Restarts(); n != 0 || hs.pid(t) != pid {
		t.Errorf("Restarts() = %d, pid %d → %d; want the answering plugin left alone", n, pid, hs.pid(t))
	}
}

// TestStopFrozenPlugin: stopping the host must not wait on a frozen
// plugin, which never answers go-plugin's request to shut down.
func TestStopFrozenPlugin(t *testing.T) {
	cfg, _ := chaosConfig(t, "1:freeze")
	cfg.ProbeTimeout = time.Hour // so that only the stop can end it
	hs := startHost(t, cfg)
	waitUp(t, hs)
	pid := hs.pid(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := hs.host.Stat(ctx, driver.StatRequest{Key: "00112233"})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stat on a frozen plugin: %v, want a timeout", err)
	}
	began := time.Now()
	hs.stop()
	if err := hs.wait(t, stopGrace+10*time.Second, "Run did not return with a frozen plugin"); err != nil {
		t.Errorf("Run = %v", err)
	}
	t.Logf("stopped in %v", time.Since(began).Round(time.Millisecond))
	if alive(pid) {
		t.Errorf("frozen plugin %d outlived the host", pid)
	}
}

// waitUp waits for a started, configured plugin.
func waitUp(t *testing.T, hs *harness) {
	t.Helper()
	waitFor(t, 20*time.Second, "the plugin to start", hs.host.Up)
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

// hasLog reports whether an event with message msg, and a field holding
// part if part is set, was logged.
func hasLog(t *testing.T, hs *harness, msg, part string) bool {
	for _, ev := range hs.logs.events(t) {
		if ev["message"] != msg {
			continue
		}
		if part == "" {
			return true
		}
		for _, v := range ev {
			if s, ok := v.(string); ok && strings.Contains(s, part) {
				return true
			}
		}
	}
	return false
}
