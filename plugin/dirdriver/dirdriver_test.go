package dirdriver_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

func open(t *testing.T) (*dirdriver.Driver, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "zonefiles")
	d, err := dirdriver.Open(context.Background(), root)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return d, root
}

func TestConformance(t *testing.T) {
	for _, file := range []string{"name_zonefiles-665750.txt", "subdomain_zonefiles.txt"} {
		t.Run(file, func(t *testing.T) {
			d, _ := open(t)
			drivertest.Conformance(t, d, drivertest.Zonefiles(t, file))
		})
	}
}

// TestLayout checks the v1 on-disk layout and permissions, and that a store
// written by v1 (plain files at those paths) is readable.
func TestLayout(t *testing.T) {
	ctx := context.Background()
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	d, root := open(t)
	b := blobs[0]
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		mode os.FileMode
	}{
		{"first shard", filepath.Join(root, b.Key[:2]), os.ModeDir | 0o700},
		{"second shard", filepath.Join(root, b.Key[:2], b.Key[2:4]), os.ModeDir | 0o700},
		{"blob", filepath.Join(root, b.Key[:2], b.Key[2:4], b.Key+".txt"), 0o600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := os.Stat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode() != tc.mode {
				t.Errorf("mode = %v, want %v", info.Mode(), tc.mode)
			}
		})
	}
	t.Run("no temp files left", func(t *testing.T) {
		entries, err := os.ReadDir(filepath.Join(root, b.Key[:2], b.Key[2:4]))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Errorf("shard holds %d entries, want only the blob", len(entries))
		}
	})
	t.Run("v1 written file", func(t *testing.T) {
		v1 := blobs[1]
		dir := filepath.Join(root, v1.Key[:2], v1.Key[2:4])
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, v1.Key+".txt"), v1.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := d.Get(ctx, driver.GetRequest{Key: v1.Key})
		if err != nil || !bytes.Equal(got.Data, v1.Data) {
			t.Fatalf("Get = %d bytes, %v; want the v1 file", len(got.Data), err)
		}
	})
}

// TestPutExisting checks that a Put of a stored key keeps the stored file:
// blobs are immutable, so the driver must not rewrite (or truncate) it.
func TestPutExisting(t *testing.T) {
	ctx := context.Background()
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	d, root := open(t)
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, b.Key[:2], b.Key[2:4], b.Key+".txt")
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("second Put replaced the stored file")
	}
}

// TestListSkipsForeignFiles puts stray and half-written files where blobs
// live; List must show only the blobs.
func TestListSkipsForeignFiles(t *testing.T) {
	ctx := context.Background()
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	d, root := open(t)
	for _, b := range blobs {
		if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
			t.Fatal(err)
		}
	}
	k := blobs[0].Key
	shard := filepath.Join(root, k[:2], k[2:4])
	strays := []string{
		filepath.Join(shard, ".tmp-123456"),                // interrupted write
		filepath.Join(shard, k+".txt.bak"),                 // wrong suffix
		filepath.Join(shard, "ffff"+k[4:]+".txt"),          // wrong shard
		filepath.Join(shard, "ABCD"+k[4:]+".txt"),          // not lowercase hex
		filepath.Join(root, "zz", "zz", k+".txt"),          // not a shard dir
		filepath.Join(root, k[:2], "lost+found", k+".txt"), // not a shard dir
	}
	for _, p := range strays {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("stray"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	drivertest.CheckList(ctx, t, d, blobs)
}

// TestPutRepairsTruncated: v1 wrote files in place, so a crash could leave a
// short file; putting the blob again must replace it.
func TestPutRepairsTruncated(t *testing.T) {
	ctx := context.Background()
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	d, root := open(t)
	path := filepath.Join(root, b.Key[:2], b.Key[2:4], b.Key+".txt")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Data[:len(b.Data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatal(err)
	}
	got, err := d.Get(ctx, driver.GetRequest{Key: b.Key})
	if err != nil || drivertest.Hash160(got.Data) != b.Key {
		t.Fatalf("Get after repair = %d bytes, %v", len(got.Data), err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("repaired file mode = %v, want 0600", info.Mode().Perm())
	}
}

func TestConfigure(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		settings map[string]string
		want     error
	}{
		{"no root", map[string]string{}, driver.ErrInvalidArgument},
		{"relative root", map[string]string{"root": "zonefiles"}, driver.ErrInvalidArgument},
		{"unknown setting", map[string]string{"root": t.TempDir(), "rot": "x"}, driver.ErrInvalidArgument},
		{"root is a file", map[string]string{"root": file}, driver.ErrInvalidArgument},
		{"new root", map[string]string{"root": filepath.Join(t.TempDir(), "a", "b")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := dirdriver.New().Configure(ctx, driver.ConfigureRequest{Settings: tc.settings})
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("Configure error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestNotConfigured(t *testing.T) {
	ctx := context.Background()
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	d := dirdriver.New()
	calls := map[string]func() error{
		"put":  func() error { return d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}) },
		"get":  func() error { _, err := d.Get(ctx, driver.GetRequest{Key: b.Key}); return err },
		"stat": func() error { _, err := d.Stat(ctx, driver.StatRequest{Key: b.Key}); return err },
		"list": func() error { _, err := d.List(ctx, driver.ListRequest{}); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, driver.ErrNotConfigured) {
				t.Errorf("error = %v, want ErrNotConfigured", err)
			}
		})
	}
	if _, err := d.Describe(ctx); err != nil {
		t.Errorf("Describe before Configure: %v", err)
	}
}

// TestOversizedStoredFile: a file someone else grew past the limit must be
// refused on Get, not truncated.
func TestOversizedStoredFile(t *testing.T) {
	ctx := context.Background()
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	d, root := open(t)
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, b.Key[:2], b.Key[2:4], b.Key+".txt")
	if err := os.WriteFile(path, make([]byte, driver.MaxBlobSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, driver.GetRequest{Key: b.Key}); !errors.Is(err, driver.ErrBlobTooLarge) {
		t.Errorf("Get error = %v, want ErrBlobTooLarge", err)
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	d, _ := open(t)
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put error = %v, want context.Canceled", err)
	}
}

// TestListRemovesStaleTemps: a Put interrupted by a crash leaves its temp
// file behind (the plugin-fault soak counted a few per run). Listing removes
// those older than an hour and leaves younger ones, which may belong to a
// write in progress, and neither shows as a blob.
func TestListRemovesStaleTemps(t *testing.T) {
	ctx := context.Background()
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[:3]
	d, root := open(t)
	for _, b := range blobs {
		if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
			t.Fatal(err)
		}
	}
	shard := filepath.Dir(dirdriver.BlobPath(root, blobs[0].Key))
	tests := []struct {
		name string
		age  time.Duration
		kept bool
	}{
		{".tmp-stale", 2 * time.Hour, false},
		{".tmp-fresh", time.Minute, true},
		{"not-a-temp", 2 * time.Hour, true},
	}
	for _, tc := range tests {
		path := filepath.Join(shard, tc.name)
		if err := os.WriteFile(path, blobs[0].Data[:10], 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-tc.age)
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
	}
	drivertest.CheckList(ctx, t, d, blobs)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := os.Stat(filepath.Join(shard, tc.name))
			if kept := err == nil; kept != tc.kept {
				t.Errorf("kept = %v, want %v", kept, tc.kept)
			}
		})
	}
}
