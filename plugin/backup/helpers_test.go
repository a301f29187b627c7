package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

// zonefiles loads a shared zonefile export as Zonefiles. Each entry's hash
// line has been checked against its bytes by drivertest.
func zonefiles(t testing.TB, file string) []Zonefile {
	t.Helper()
	blobs := drivertest.Zonefiles(t, file)
	out := make([]Zonefile, len(blobs))
	for i, b := range blobs {
		h, err := ParseHash(b.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = Zonefile{Hash: h, Data: b.Data}
	}
	return out
}

func hashes(zfs []Zonefile) []Hash {
	out := make([]Hash, len(zfs))
	for i, z := range zfs {
		out[i] = z.Hash
	}
	return out
}

// memStore is a node's zonefile store in memory: the upload Source and the
// restore Sink. As a sink it stores whatever it is given, so tests can see
// exactly what the manager handed over.
type memStore struct {
	mu     sync.Mutex
	files  map[Hash][]byte
	stores int // Store calls
}

func newMemStore(zfs ...Zonefile) *memStore {
	s := &memStore{files: make(map[Hash][]byte)}
	for _, z := range zfs {
		s.files[z.Hash] = z.Data
	}
	return s
}

func (s *memStore) Zonefile(_ context.Context, h Hash) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.files[h]
	if !ok {
		return nil, ErrNotHeld
	}
	return data, nil
}

func (s *memStore) Store(_ context.Context, zfs []Zonefile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stores++
	for _, z := range zfs {
		s.files[z.Hash] = z.Data
	}
	return nil
}

// checkWhole fails unless s holds exactly want, byte for byte, and every
// entry hashes to its key.
func (s *memStore) checkWhole(t *testing.T, want []Zonefile) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.files) != len(want) {
		t.Fatalf("store holds %d zonefiles, want %d", len(s.files), len(want))
	}
	for _, z := range want {
		got, ok := s.files[z.Hash]
		if !ok {
			t.Fatalf("store lacks %s", z.Hash)
		}
		if HashOf(got) != z.Hash || string(got) != string(z.Data) {
			t.Fatalf("store holds other bytes for %s", z.Hash)
		}
	}
}

// syncBuffer is a log sink safe for the manager's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b = append(b.b, p...)
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b)
}

// fastConfig is a Config with test-sized timings.
func fastConfig(dir string, src Source, logs *syncBuffer, specs ...Spec) Config {
	return Config{
		Dir:         dir,
		Drivers:     specs,
		Source:      src,
		Logger:      zerolog.New(logs).Level(zerolog.DebugLevel),
		Concurrency: 8,
		CallTimeout: 10 * time.Second,
		MinRetry:    20 * time.Millisecond,
		MaxRetry:    300 * time.Millisecond,
		Plugin: PluginTuning{
			MinBackoff:    50 * time.Millisecond,
			MaxBackoff:    500 * time.Millisecond,
			CheckInterval: 50 * time.Millisecond,
		},
	}
}

// running is a manager being run by a test.
type running struct {
	m      *Manager
	cancel context.CancelFunc
	done   chan error
}

// start creates a manager and runs it until the test ends (or stop).
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	m, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return runManager(t, m)
}

func runManager(t *testing.T, m *Manager) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{m: m, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- m.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends Run and closes the manager; later calls do nothing.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}
	if err := r.m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drained waits until every driver's queue is empty and nothing is in flight.
func drained(t *testing.T, m *Manager, d time.Duration) {
	t.Helper()
	waitFor(t, d, "the queue to drain", func() bool {
		for _, s := range m.Status() {
			if s.Queued != 0 || s.InFlight != 0 {
				return false
			}
		}
		return true
	})
}

// dirSpec is a built-in directory driver rooted in a fresh directory.
func dirSpec(t *testing.T, name string) (Spec, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), name)
	return Spec{Name: name, Path: BuiltinDir, Settings: map[string]string{"root": root}}, root
}

// dirFile is where the directory driver keeps a blob.
func dirFile(root string, h Hash) string { return dirdriver.BlobPath(root, h.String()) }

// checkDir fails unless root holds exactly want, each file hashing to its
// name.
func checkDir(t *testing.T, root string, want []Zonefile) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if name := filepath.Base(path); HashOf(data).String()+".txt" != name {
			t.Errorf("%s holds bytes hashing to %s", name, HashOf(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Fatalf("%s holds %d files, want %d", root, n, len(want))
	}
	for _, z := range want {
		if _, err := os.Stat(dirFile(root, z.Hash)); err != nil {
			t.Fatalf("missing %s: %v", z.Hash, err)
		}
	}
}

// rawPair is one entry of an export, unverified.
type rawPair struct {
	key  string
	data []byte
}

// rawExport reads an export without checking hashes, for the tampered set.
func rawExport(t testing.TB, file string) []rawPair {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(drivertest.ModuleRoot(t), "..", "shared", "data", "zonefiles", file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines)%2 != 0 {
		t.Fatalf("%s has an odd number of lines", file)
	}
	out := make([]rawPair, 0, len(lines)/2)
	for i := 0; i < len(lines); i += 2 {
		out = append(out, rawPair{key: strings.TrimSpace(lines[i]), data: []byte(strings.ReplaceAll(lines[i+1], `\n`, "\n"))})
	}
	return out
}

func discard() zerolog.Logger { return zerolog.Nop() }
