package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
	"github.com/atlasd/atlasd/plugin/host"
)

// s3Plugin is the real plugin binary, built once for the package's tests.
func s3Plugin(t *testing.T) (string, string) {
	t.Helper()
	return drivertest.SharedPlugin(t, "github.com/atlasd/atlasd/contrib/s3")
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

// runHost starts a host for the s3 plugin and returns it with its log and
// its run.
func runHost(t *testing.T, cfg host.Config) (*host.Host, *lockedBuffer, *run) {
	t.Helper()
	cfg.Name = "s3-test"
	cfg.MinBackoff, cfg.MaxBackoff, cfg.CheckInterval = 50*time.Millisecond, 500*time.Millisecond, 50*time.Millisecond
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
			if h := drivertest.Hash160(got.Data); h != e.Key {
				t.Fatalf("blob %s hashes to %s", e.Key, h)
			}
			if int64(len(got.Data)) != e.Size {
				t.Fatalf("blob %s is %d bytes, listed as %d", e.Key, len(got.Data), e.Size)
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
// into versitygw and back, pages through them, kills the plugin and restores
// everything through its replacement.
func TestPluginRoundTrip(t *testing.T) {
	g := startGateway(t)
	bucket := g.bucket(t)
	bin, sum := s3Plugin(t)
	h, logs, _ := runHost(t, host.Config{Path: bin, SHA256: sum, Settings: g.settings(bucket, "zonefiles/")})
	blobs := drivertest.Zonefiles(t, "name_zonefiles-665750.txt")

	drivertest.Conformance(t, h, blobs)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Run("restore", func(t *testing.T) { restore(ctx, t, h, len(blobs)) })
	t.Run("on the server's disk", func(t *testing.T) {
		for _, b := range blobs {
			data, err := os.ReadFile(storedFile(g, bucket, "zonefiles/"+b.Key))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, b.Data) {
				t.Fatalf("backend file for %s differs", b.Key)
			}
		}
	})
	t.Run("restore after SIGKILL", func(t *testing.T) {
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
		if strings.Contains(out, g.secretKey) {
			t.Fatal("the secret key appears in the log")
		}
		configured := 0
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var ev map[string]interface{}
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if ev["message"] == "configured" && ev["module"] == "s3" {
				configured++
				if ev["driver"] != "s3-test" || ev["bucket"] != bucket || ev["credentials"] != "settings" {
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

// TestPluginEnvCredentials leaves the credentials out of the settings: the
// plugin must find them in the environment it inherits, and wrong ones there
// must stop the host.
func TestPluginEnvCredentials(t *testing.T) {
	g := startGateway(t)
	bin, sum := s3Plugin(t)
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	tests := []struct {
		name   string
		secret string
		ok     bool
	}{
		{"right", g.secretKey, true},
		{"wrong", "not-" + g.secretKey, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_ACCESS_KEY_ID", g.accessKey)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tc.secret)
			settings := g.settings(g.bucket(t), "")
			delete(settings, "access_key_id")
			delete(settings, "secret_access_key")
			h, _, r := runHost(t, host.Config{Path: bin, SHA256: sum, Settings: settings})
			if !tc.ok {
				err, ok := r.result(30 * time.Second)
				if !ok {
					t.Fatal("host kept running with wrong credentials")
				}
				if !errors.Is(err, driver.ErrInvalidArgument) {
					t.Errorf("Run error = %v, want ErrInvalidArgument", err)
				}
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := h.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
				t.Fatalf("Put: %v", err)
			}
			got, err := h.Get(ctx, driver.GetRequest{Key: b.Key})
			if err != nil || drivertest.Hash160(got.Data) != b.Key {
				t.Fatalf("Get = %d bytes, %v", len(got.Data), err)
			}
		})
	}
}

// TestPluginWrongChecksum: a checksum that does not match the built binary
// keeps the plugin from ever starting.
func TestPluginWrongChecksum(t *testing.T) {
	g := startGateway(t)
	bin, sum := s3Plugin(t)
	wrong := drivertest.FileSHA256(t, "/proc/self/exe")
	_, _, r := runHost(t, host.Config{Path: bin, SHA256: wrong, Settings: g.settings(g.bucket(t), "")})
	err, ok := r.result(10 * time.Second)
	if !ok {
		t.Fatal("host started a plugin with the wrong checksum")
	}
	if !errors.Is(err, host.ErrChecksum) {
		t.Fatalf("Run error = %v, want ErrChecksum", err)
	}
	for _, want := range []string{bin, sum, wrong} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if pids := pluginPIDs(t, bin); len(pids) != 0 {
		t.Errorf("plugin processes running: %v", pids)
	}
}
