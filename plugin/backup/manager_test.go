package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestUploadsToDirectories sends real zonefiles, announced one at a time and
// then in bulk as the node does, to two directory drivers. A slice of the
// export keeps the fsyncs of the directory driver within the time budget;
// the S3 tests take the whole export.
func TestUploadsToDirectories(t *testing.T) {
	zfs := zonefiles(t, "name_zonefiles-665750.txt")[:200]
	logs := &syncBuffer{}
	specA, rootA := dirSpec(t, "local-a")
	specB, rootB := dirSpec(t, "local-b")
	r := start(t, fastConfig(t.TempDir(), newMemStore(zfs...), logs, specA, specB))
	ctx := context.Background()
	for _, z := range zfs[:50] {
		if err := r.m.Enqueue(ctx, z.Hash); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.m.Enqueue(ctx, hashes(zfs[50:])...); err != nil {
		t.Fatal(err)
	}
	drained(t, r.m, 30*time.Second)
	checkDir(t, rootA, zfs)
	checkDir(t, rootB, zfs)
	for _, s := range r.m.Status() {
		if s.Uploaded != uint64(len(zfs)) || s.Failed != 0 || s.Dropped != 0 || s.State != StateUp || s.LastSuccessAt.IsZero() || s.LastError != "" {
			t.Errorf("status = %+v, want %d uploaded and nothing else", s, len(zfs))
		}
	}
}

// TestReopenResumes: items queued by a manager that never ran survive Close
// and are uploaded by the next manager over the same queue.
func TestReopenResumes(t *testing.T) {
	zfs := zonefiles(t, "subdomain_zonefiles.txt")
	dir := t.TempDir()
	spec, root := dirSpec(t, "local")
	cfg := fastConfig(dir, newMemStore(zfs...), &syncBuffer{}, spec)
	m, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := m.Enqueue(ctx, hashes(zfs)...); err != nil {
		t.Fatal(err)
	}
	// Again, as a reannouncement would: nothing changes.
	if err := m.Enqueue(ctx, hashes(zfs[:10])...); err != nil {
		t.Fatal(err)
	}
	if q := m.Status()[0].Queued; q != int64(len(zfs)) {
		t.Fatalf("queued = %d, want %d", q, len(zfs))
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Enqueue(ctx, zfs[0].Hash); !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue after Close error = %v, want ErrClosed", err)
	}

	m, err = New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if q := m.Status()[0].Queued; q != int64(len(zfs)) {
		t.Fatalf("queued after reopen = %d, want %d", q, len(zfs))
	}
	r := runManager(t, m)
	drained(t, r.m, 30*time.Second)
	checkDir(t, root, zfs)
	r.stop(t)

	// And the emptied queue stays empty.
	m, err = New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if q := m.Status()[0].Queued; q != 0 {
		t.Errorf("queued after draining and reopening = %d", q)
	}
}

// lyingSource returns other bytes for one hash.
type lyingSource struct {
	*memStore
	lie Hash
}

func (s lyingSource) Zonefile(ctx context.Context, h Hash) ([]byte, error) {
	data, err := s.memStore.Zonefile(ctx, h)
	if h == s.lie && err == nil {
		data = append(bytes.Clone(data), '\n')
	}
	return data, err
}

// TestUploadDrops: a zonefile the node no longer holds, or one it returns
// wrong bytes for, is dropped, not retried and not uploaded.
func TestUploadDrops(t *testing.T) {
	zfs := zonefiles(t, "subdomain_zonefiles.txt")
	held := newMemStore(zfs[2:]...) // zfs[0] and zfs[1] are gone
	src := lyingSource{memStore: held, lie: zfs[2].Hash}
	spec, root := dirSpec(t, "local")
	r := start(t, fastConfig(t.TempDir(), src, &syncBuffer{}, spec))
	if err := r.m.Enqueue(context.Background(), hashes(zfs)...); err != nil {
		t.Fatal(err)
	}
	drained(t, r.m, 20*time.Second)
	checkDir(t, root, zfs[3:])
	s := r.m.Status()[0]
	if s.Dropped != 3 || s.Uploaded != uint64(len(zfs)-3) || s.Failed != 0 {
		t.Errorf("status = %+v, want 3 dropped, %d uploaded", s, len(zfs)-3)
	}
	if !strings.Contains(s.LastError, "dropped") {
		t.Errorf("last error %q does not say the item was dropped", s.LastError)
	}
}

// TestDriverDownBacksOff: a directory driver whose root is replaced by a
// file fails every Put. The queue must keep every item, the driver must be
// probed with backoff rather than hammered, and once the root is back the
// queue drains.
func TestDriverDownBacksOff(t *testing.T) {
	zfs := zonefiles(t, "subdomain_zonefiles.txt")
	spec, root := dirSpec(t, "local")
	cfg := fastConfig(t.TempDir(), newMemStore(zfs...), &syncBuffer{}, spec)
	cfg.MinRetry, cfg.MaxRetry = 50*time.Millisecond, 200*time.Millisecond
	r := start(t, cfg)
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root, []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.m.Enqueue(context.Background(), hashes(zfs)...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "failed uploads", func() bool { return r.m.Status()[0].Failed >= 3 })
	time.Sleep(time.Second)
	s := r.m.Status()[0]
	if s.Queued != int64(len(zfs)) || s.Uploaded != 0 {
		t.Fatalf("while down: %+v, want all %d queued", s, len(zfs))
	}
	// One round stopped after its first Concurrency (8) attempts, then one
	// probe per ≥25 ms of backoff: far fewer than the thousands an
	// unthrottled loop would make in a second.
	if s.Failed > 8+50 {
		t.Errorf("%d failed attempts in about a second: the driver is not backed off", s.Failed)
	}
	if s.LastError == "" || s.LastErrorAt.IsZero() {
		t.Errorf("no last error while down: %+v", s)
	}
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(root, 0o700); err != nil {
		t.Fatal(err)
	}
	drained(t, r.m, 20*time.Second)
	checkDir(t, root, zfs)
	if s := r.m.Status()[0]; s.Uploaded != uint64(len(zfs)) || s.LastSuccessAt.Before(s.LastErrorAt) {
		t.Errorf("after recovery: %+v", s)
	}
}

// TestBackfill queues every held zonefile once per driver, and again only
// for a driver added later.
func TestBackfill(t *testing.T) {
	zfs := zonefiles(t, "name_zonefiles-653759.txt")
	dir := t.TempDir()
	specA, _ := dirSpec(t, "a")
	specB, _ := dirSpec(t, "b")
	scans := 0
	scan := func(fn func(Hash) error) error {
		scans++
		for _, z := range zfs {
			if err := fn(z.Hash); err != nil {
				return err
			}
		}
		return nil
	}
	failing := func(fn func(Hash) error) error {
		if err := fn(zfs[0].Hash); err != nil {
			return err
		}
		return errors.New("disk on fire")
	}
	steps := []struct {
		name   string
		specs  []Spec
		scan   func(func(Hash) error) error
		want   []string
		err    string
		scans  int
		queued []int64
	}{
		{"failed scan marks nothing", []Spec{specA}, failing, nil, "disk on fire", 0, []int64{0}},
		{"new driver", []Spec{specA}, scan, []string{"a"}, "", 1, []int64{int64(len(zfs))}},
		{"nothing to do", []Spec{specA}, scan, nil, "", 1, []int64{int64(len(zfs))}},
		{"driver added", []Spec{specA, specB}, scan, []string{"b"}, "", 2, []int64{int64(len(zfs)), int64(len(zfs))}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			m, err := New(context.Background(), fastConfig(dir, newMemStore(), &syncBuffer{}, st.specs...))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			got, err := m.Backfill(context.Background(), st.scan)
			if st.err != "" {
				if err == nil || !strings.Contains(err.Error(), st.err) {
					t.Fatalf("Backfill error = %v, want %q", err, st.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(st.want, ",") {
				t.Errorf("backfilled %v, want %v", got, st.want)
			}
			if scans != st.scans {
				t.Errorf("%d scans so far, want %d", scans, st.scans)
			}
			for i, s := range m.Status() {
				if s.Queued != st.queued[i] {
					t.Errorf("%s queued %d, want %d", s.Name, s.Queued, st.queued[i])
				}
			}
		})
	}
}

// TestStatusOutputs: the JSON and text forms and the metrics carry the
// same figures, and no settings value.
func TestStatusOutputs(t *testing.T) {
	zfs := zonefiles(t, "subdomain_zonefiles.txt")
	spec, root := dirSpec(t, "local")
	reg := prometheus.NewRegistry()
	cfg := fastConfig(t.TempDir(), newMemStore(zfs[1:]...), &syncBuffer{}, spec)
	cfg.Registerer = reg
	r := start(t, cfg)
	if err := r.m.Enqueue(context.Background(), hashes(zfs)...); err != nil {
		t.Fatal(err)
	}
	drained(t, r.m, 20*time.Second)
	st := r.m.Status()
	if len(st) != 1 || st[0].Uploaded != uint64(len(zfs)-1) || st[0].Dropped != 1 {
		t.Fatalf("status = %+v", st)
	}

	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteStatus(&text, st, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{string(js), text.String()} {
		if strings.Contains(out, root) {
			t.Errorf("output shows the root setting: %s", out)
		}
	}
	for _, want := range []string{`"name":"local"`, `"state":"up"`, `"queued":0`, `"uploaded":49`, `"dropped":1`, `"last_success_at":"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON %s lacks %s", js, want)
		}
	}
	for _, want := range []string{"DRIVER", "local", "up", "last error: backup: upload"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}

	metrics := `
# HELP atlasd_backup_queue_depth Zonefiles waiting for upload to the backup driver.
# TYPE atlasd_backup_queue_depth gauge
atlasd_backup_queue_depth{driver="local"} 0
# HELP atlasd_backup_uploaded_total Zonefiles the backup driver acknowledged.
# TYPE atlasd_backup_uploaded_total counter
atlasd_backup_uploaded_total{driver="local"} 49
# HELP atlasd_backup_dropped_total Queued uploads given up for good.
# TYPE atlasd_backup_dropped_total counter
atlasd_backup_dropped_total{driver="local"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(metrics),
		"atlasd_backup_queue_depth", "atlasd_backup_uploaded_total", "atlasd_backup_dropped_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 10 {
		t.Errorf("%d series gathered, %v; want 10 for one driver", n, err)
	}

	var empty bytes.Buffer
	if err := WriteStatus(&empty, nil, time.Now()); err != nil || !strings.Contains(empty.String(), "no backup drivers") {
		t.Errorf("empty status = %q, %v", empty.String(), err)
	}
}
