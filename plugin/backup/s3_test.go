package backup

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlasd/atlasd/plugin/drivertest"
	"github.com/atlasd/atlasd/plugin/host"
)

// scanOf streams zfs's hashes as the node's store scan would.
func scanOf(zfs []Zonefile) func(func(Hash) error) error {
	return func(fn func(Hash) error) error {
		for _, z := range zfs {
			if err := fn(z.Hash); err != nil {
				return err
			}
		}
		return nil
	}
}

// checkNoSecrets fails if any status field shows a secret setting.
func checkNoSecrets(t *testing.T, g *gateway, st []DriverStatus) {
	t.Helper()
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{g.secretKey, g.accessKey} {
		if strings.Contains(string(js), secret) {
			t.Fatalf("status shows a credential: %s", js)
		}
	}
}

// TestS3RoundTripAndRestore takes the whole v1 export through the real s3
// plugin, loaded over go-plugin, into versitygw; then a node with no
// zonefiles and only the S3 driver gets every one of them back, verified.
func TestS3RoundTripAndRestore(t *testing.T) {
	g := newGateway(t)
	bucket := g.bucket(t)
	zfs := zonefiles(t, "name_zonefiles-665750.txt")
	ctx := context.Background()

	node := start(t, fastConfig(t.TempDir(), newMemStore(zfs...), &syncBuffer{}, g.spec(t, "s3", bucket)))
	if got, err := node.m.Backfill(ctx, scanOf(zfs)); err != nil || len(got) != 1 {
		t.Fatalf("Backfill = %v, %v", got, err)
	}
	drained(t, node.m, 60*time.Second)
	g.checkBucket(t, bucket, zfs)
	st := node.m.Status()
	if s := st[0]; s.Uploaded != uint64(len(zfs)) || s.Failed != 0 || s.State != StateUp || s.Restarts != 0 {
		t.Errorf("status = %+v", s)
	}
	checkNoSecrets(t, g, st)
	node.stop(t)

	// A wiped node: a new queue, an empty store, the S3 driver alone.
	t.Run("restore all", func(t *testing.T) {
		empty := newMemStore()
		fresh := start(t, fastConfig(t.TempDir(), empty, &syncBuffer{}, g.spec(t, "s3", bucket)))
		res, err := fresh.m.RestoreAll(ctx, empty, nil)
		if err != nil {
			t.Fatal(err)
		}
		empty.checkWhole(t, zfs)
		if res.Restored != len(zfs) || res.Drivers[0].Restored != len(zfs) || res.Drivers[0].Corrupt != 0 || len(res.Corrupt) != 0 {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("restore wanted", func(t *testing.T) {
		empty := newMemStore()
		fresh := start(t, fastConfig(t.TempDir(), empty, &syncBuffer{}, g.spec(t, "s3", bucket)))
		absent := HashOf([]byte("$ORIGIN never.id\n"))
		res, err := fresh.m.Restore(ctx, append(hashes(zfs), absent), empty)
		if err != nil {
			t.Fatal(err)
		}
		empty.checkWhole(t, zfs)
		if res.Restored != len(zfs) || res.NotFound != 1 || res.Unavailable != 0 || res.Drivers[0].NotFound != 1 {
			t.Errorf("result = %+v", res)
		}
	})
}

// TestS3WrongChecksum: a binary that does not match its configured SHA-256
// is refused by New with both digests named; one replaced after New is
// refused by Run, which marks the driver failed and keeps its queue.
func TestS3WrongChecksum(t *testing.T) {
	versitygwPath(t) // the same preconditions as the other S3 tests
	bin, sum := s3Plugin(t)
	other := drivertest.FileSHA256(t, "/proc/self/exe")
	settings := map[string]string{"bucket": "unused", "secret_access_key": "s3cr3t-value", "access_key_id": "AKIDVALUE"}

	t.Run("at New", func(t *testing.T) {
		cfg := fastConfig(t.TempDir(), newMemStore(), &syncBuffer{}, Spec{Name: "s3", Path: bin, SHA256: other, Settings: settings})
		m, err := New(context.Background(), cfg)
		if err == nil {
			m.Close()
			t.Fatal("New accepted a binary with the wrong checksum")
		}
		if !errors.Is(err, host.ErrChecksum) {
			t.Fatalf("error = %v, want host.ErrChecksum", err)
		}
		for _, want := range []string{`driver "s3"`, bin, sum, other, "refus"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
		if strings.Contains(err.Error(), "s3cr3t-value") {
			t.Errorf("error shows a secret: %v", err)
		}
		// No queue was left open: the directory can be opened again.
		cfg.Drivers = nil
		m, err = New(context.Background(), cfg)
		if err != nil {
			t.Fatalf("reopening the queue after a refused New: %v", err)
		}
		m.Close()
	})

	t.Run("replaced after New", func(t *testing.T) {
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		copyPath := filepath.Join(t.TempDir(), "s3")
		if err := os.WriteFile(copyPath, data, 0o700); err != nil {
			t.Fatal(err)
		}
		zfs := zonefiles(t, "subdomain_zonefiles.txt")
		m, err := New(context.Background(), fastConfig(t.TempDir(), newMemStore(zfs...), &syncBuffer{},
			Spec{Name: "s3", Path: copyPath, SHA256: sum, Settings: settings}))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(copyPath, append(data, 0), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := m.Enqueue(context.Background(), hashes(zfs)...); err != nil {
			t.Fatal(err)
		}
		r := runManager(t, m)
		waitFor(t, 10*time.Second, "the driver to be marked failed", func() bool { return m.Status()[0].State == StateFailed })
		s := m.Status()[0]
		if s.Queued != int64(len(zfs)) || s.Uploaded != 0 {
			t.Errorf("status = %+v, want everything still queued", s)
		}
		if !strings.Contains(s.LastError, "checksum") || strings.Contains(s.LastError, "s3cr3t-value") {
			t.Errorf("last error = %q", s.LastError)
		}
		if pids := pluginPIDs(t, copyPath); len(pids) != 0 {
			t.Errorf("the refused binary runs as %v", pids)
		}
		res, err := m.Restore(context.Background(), hashes(zfs[:3]), newMemStore())
		if err != nil || res.Unavailable != 3 || res.Drivers[0].Skipped == "" {
			t.Errorf("restore from a failed driver = %+v, %v", res, err)
		}
		r.stop(t)
	})
}

// TestS3KillMidUpload kills the plugin process with SIGKILL while the queue
// is draining. The host restarts it, and every zonefile still arrives.
func TestS3KillMidUpload(t *testing.T) {
	g := newGateway(t)
	bucket := g.bucket(t)
	zfs := zonefiles(t, "name_zonefiles-653759.txt")
	spec := g.spec(t, "s3", bucket)
	cfg := fastConfig(t.TempDir(), newMemStore(zfs...), &syncBuffer{}, spec)
	cfg.Concurrency = 4 // slower drain, so the kill lands mid-way
	r := start(t, cfg)
	waitFor(t, 20*time.Second, "the plugin to start", func() bool { return r.m.Status()[0].State == StateUp })
	pids := pluginPIDs(t, spec.Path)
	if len(pids) != 1 {
		t.Fatalf("%d plugin processes, want 1", len(pids))
	}
	if err := r.m.Enqueue(context.Background(), hashes(zfs)...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "some uploads", func() bool { return r.m.Status()[0].Uploaded >= 100 })
	before := r.m.Status()[0]
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if before.Queued < int64(len(zfs))/4 {
		t.Fatalf("only %d left queued at the kill; the kill was not mid-upload", before.Queued)
	}
	drained(t, r.m, 60*time.Second)
	g.checkBucket(t, bucket, zfs)
	s := r.m.Status()[0]
	if s.Restarts < 1 || s.State != StateUp {
		t.Errorf("status after the kill = %+v, want a restarted plugin", s)
	}
	if s.Uploaded < uint64(len(zfs)) {
		t.Errorf("uploaded %d, want at least %d", s.Uploaded, len(zfs))
	}
	if after := pluginPIDs(t, spec.Path); len(after) != 1 || after[0] == pids[0] {
		t.Errorf("plugin processes after the kill of %d: %v, want one new", pids[0], after)
	}
}

// TestS3ServerDown stops versitygw while zonefiles keep arriving: the queue
// grows and keeps everything, restores give up on the dead driver quickly,
// and after versitygw is back the queue drains and every object's bytes hash
// to its name.
func TestS3ServerDown(t *testing.T) {
	g := newGateway(t)
	bucket := g.bucket(t)
	zfs := zonefiles(t, "name_zonefiles-665750.txt")[:400]
	cfg := fastConfig(t.TempDir(), newMemStore(zfs...), &syncBuffer{}, g.spec(t, "s3", bucket))
	// The S3 client retries a refused connection for seconds; the call
	// timeout is what bounds an attempt against a dead server.
	cfg.CallTimeout = time.Second
	r := start(t, cfg)
	ctx := context.Background()
	if err := r.m.Enqueue(ctx, hashes(zfs[:100])...); err != nil {
		t.Fatal(err)
	}
	drained(t, r.m, 30*time.Second)

	g.stop()
	if err := r.m.Enqueue(ctx, hashes(zfs[100:250])...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "failed uploads", func() bool { return r.m.Status()[0].Failed >= 2 })
	if err := r.m.Enqueue(ctx, hashes(zfs[250:])...); err != nil {
		t.Fatal(err)
	}
	s := r.m.Status()[0]
	if s.Queued != 300 || s.Uploaded != 100 {
		t.Fatalf("while down: %+v, want 300 queued, 100 uploaded", s)
	}
	if s.LastError == "" || s.State != StateUp {
		t.Errorf("while down: %+v, want a last error from a running plugin", s)
	}
	checkNoSecrets(t, g, r.m.Status())

	res, err := r.m.Restore(ctx, hashes(zfs[:40]), newMemStore())
	if err != nil {
		t.Fatal(err)
	}
	if res.Restored != 0 || res.Unavailable != 40 || !strings.Contains(res.Drivers[0].Skipped, "stopped asking") {
		t.Errorf("restore while down = %+v", res)
	}

	g.start(t)
	drained(t, r.m, 30*time.Second)
	g.checkBucket(t, bucket, zfs)
	if s := r.m.Status()[0]; s.Uploaded != uint64(len(zfs)) || s.LastSuccessAt.Before(s.LastErrorAt) {
		t.Errorf("after recovery: %+v", s)
	}
}
