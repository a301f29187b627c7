package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
	"github.com/atlasd/atlasd/plugin/host"
)

// dropboxPlugin is the real plugin binary, built once for the package's tests.
func dropboxPlugin(t *testing.T) (string, string) {
	t.Helper()
	return drivertest.SharedPlugin(t, "github.com/atlasd/atlasd/contrib/dropbox")
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// run is a host being run by a test.
type run struct {
	done chan struct{} // closed when Run has returned
	err  error         // Run's result, set before done is closed
}

// result waits up to d for Run to return.
func (r *run) result(d time.Duration) (error, bool) {
	select {
	case <-r.done:
		return r.err, true
	case <-time.After(d):
		return nil, false
	}
}

// runHost starts a host for the dropbox plugin with settings and returns
// it with its log and its run.
func runHost(t *testing.T, settings map[string]string) (*host.Host, *lockedBuffer, *run) {
	t.Helper()
	bin, sum := dropboxPlugin(t)
	cfg := host.Config{
		Name: "dropbox-test", Path: bin, SHA256: sum, Settings: settings,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, CheckInterval: 50 * time.Millisecond,
	}
	logs := &lockedBuffer{}
	h, err := host.New(cfg, zerolog.New(logs).Level(zerolog.DebugLevel), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{done: make(chan struct{})}
	go func() {
		r.err = h.Run(ctx)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		if _, ok := r.result(20 * time.Second); !ok {
			t.Error("host did not stop")
		}
	})
	return h, logs, r
}

// pluginPIDs finds running processes of the binary at bin.
func pluginPIDs(t *testing.T, bin string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && exe == bin {
			pids = append(pids, pid)
		}
	}
	return pids
}

// restore lists every blob through d and fetches it, checking each blob's
// hash160 against its key, as a restore would.
func restore(ctx context.Context, t *testing.T, d driver.Driver, want int) {
	t.Helper()
	n, token := 0, ""
	for {
		page, err := d.List(ctx, driver.ListRequest{PageToken: token, Limit: 250})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, e := range page.Entries {
			got, err := d.Get(ctx, driver.GetRequest{Key: e.Key})
			if err != nil {
				t.Fatalf("Get %s: %v", e.Key, err)
			}
			if h := drivertest.Hash160(got.Data); h != e.Key || int64(len(got.Data)) != e.Size {
				t.Fatalf("blob %s: %d bytes hashing to %s, listed with %d", e.Key, len(got.Data), h, e.Size)
			}
			n++
		}
		if page.NextPageToken == "" {
			break
		}
		token = page.NextPageToken
	}
	if n != want {
		t.Fatalf("restored %d blobs, want %d", n, want)
	}
}

// TestPluginRoundTrip takes the real zonefiles through the plugin process
// into the fake Dropbox and back, expires the tokens during a restore,
// kills the plugin and restores everything through its replacement.
func TestPluginRoundTrip(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	h, logs, _ := runHost(t, refreshSettings(s, "/atlasd/zonefiles"))
	blobs := drivertest.Zonefiles(t, "name_zonefiles-665750.txt")

	drivertest.Conformance(t, h, blobs)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Run("stored in v1's layout", func(t *testing.T) {
		for _, b := range blobs {
			data, ok := s.File(storedPath("/atlasd/zonefiles", b.Key))
			if !ok || !bytes.Equal(data, b.Data) {
				t.Fatalf("%s is not stored as %s", b.Key, storedPath("/atlasd/zonefiles", b.Key))
			}
		}
		if got := len(s.Files()); got != len(blobs) {
			t.Errorf("%d files on the server, want %d", got, len(blobs))
		}
	})
	t.Run("restore across token expiry", func(t *testing.T) {
		before := s.Answers("oauth2/token", http.StatusOK)
		s.ExpireTokens()
		restore(ctx, t, h, len(blobs))
		if n := s.Answers("oauth2/token", http.StatusOK) - before; n != 1 {
			t.Errorf("%d refreshes after the expiry, want 1", n)
		}
	})
	t.Run("restore after SIGKILL", func(t *testing.T) {
		bin, _ := dropboxPlugin(t)
		pids := pluginPIDs(t, bin)
		if len(pids) != 1 {
			t.Fatalf("%d plugin processes running, want 1", len(pids))
		}
		if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		restore(ctx, t, h, len(blobs))
		after := pluginPIDs(t, bin)
		if len(after) != 1 || after[0] == pids[0] {
			t.Fatalf("plugin processes after kill of %d: %v, want one new", pids[0], after)
		}
	})
	t.Run("logs", func(t *testing.T) {
		out := logs.String()
		for _, secret := range []string{appSecret, refreshToken, tokenPrefix} {
			if strings.Contains(out, secret) {
				t.Errorf("the log contains %q", secret)
			}
		}
		configured := 0
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var ev map[string]any
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if ev["message"] == "configured" && ev["module"] == "dropbox" {
				configured++
				if ev["driver"] != "dropbox-test" || ev["folder"] != "/atlasd/zonefiles" || ev["auth"] != "refresh_token" {
					t.Errorf("plugin log event = %v", ev)
				}
			}
		}
		// Once at start, once after the restart.
		if configured != 2 {
			t.Errorf("plugin logged %d configure events, want 2", configured)
		}
	})
}

// TestPluginRefusedCredentials: credentials the token endpoint refuses stop
// the host instead of restarting the plugin forever.
func TestPluginRefusedCredentials(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	_, _, r := runHost(t, with(refreshSettings(s, "/zf"), map[string]string{"refresh_token": "revoked-token"}))
	err, ok := r.result(30 * time.Second)
	if !ok {
		t.Fatal("host kept running with a refused refresh token")
	}
	if !errors.Is(err, driver.ErrInvalidArgument) || !strings.Contains(err.Error(), "refresh_token") {
		t.Fatalf("Run error = %v, want ErrInvalidArgument naming refresh_token", err)
	}
	if strings.Contains(err.Error(), "revoked-token") {
		t.Error("Run error leaks the refresh token")
	}
}

// TestPluginServerDownAtStart: a Dropbox that cannot be reached when the
// plugin starts is a passing problem; the host retries, and calls waiting
// for the driver succeed once the server is back.
func TestPluginServerDownAtStart(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	s.SetDown(true)
	h, _, r := runHost(t, refreshSettings(s, "/zf"))
	if err, stopped := r.result(time.Second); stopped {
		t.Fatalf("host gave up while the server was down: %v", err)
	}
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}) }()
	time.Sleep(500 * time.Millisecond)
	s.SetDown(false)
	if err := <-done; err != nil {
		t.Fatalf("Put after the server came back: %v", err)
	}
	if data, ok := s.File(storedPath("/zf", b.Key)); !ok || !bytes.Equal(data, b.Data) {
		t.Fatal("blob not stored")
	}
}
