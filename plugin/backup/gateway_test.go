package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/atlasd/atlasd/plugin/drivertest"
)

// gateway is a versitygw process serving a POSIX directory over S3 with
// SigV4 credentials. It can be stopped and started again on the same address
// and directory, which is an S3 server going down and coming back.
type gateway struct {
	bin       string
	addr      string // 127.0.0.1:port
	root      string // POSIX backend: one directory per bucket
	accessKey string
	secretKey string

	mu  sync.Mutex
	cmd *exec.Cmd
	out *syncBuffer
}

// versitygwPath returns ./bin/versitygw, or skips the test when `make
// versitygw` has not installed it (`make test` does).
func versitygwPath(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(drivertest.ModuleRoot(t), "bin", "versitygw")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("versitygw is not installed in ./bin; run `make versitygw` (make test does): %v", err)
	}
	return bin
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newGateway starts a gateway for one test; it is stopped when the test ends.
func newGateway(t *testing.T) *gateway {
	t.Helper()
	bin := versitygwPath(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	g := &gateway{
		bin:       bin,
		addr:      addr,
		root:      t.TempDir(),
		accessKey: "AK" + strings.ToUpper(randomHex(t, 9)),
		secretKey: randomHex(t, 20),
	}
	g.start(t)
	t.Cleanup(g.stop)
	return g
}

// start runs versitygw and waits until it accepts connections.
func (g *gateway) start(t *testing.T) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.out = &syncBuffer{}
	g.cmd = exec.Command(g.bin, "--port", g.addr, "--region", "us-east-1", "--quiet", "posix", g.root)
	// Credentials by environment, not argv, where other users could read them.
	g.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+g.accessKey, "ROOT_SECRET_ACCESS_KEY="+g.secretKey)
	g.cmd.Stdout, g.cmd.Stderr = g.out, g.out
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", g.addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not listen on %s: %s", g.addr, g.out.String())
		}
	}
}

// stop ends the process, if running.
func (g *gateway) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cmd == nil {
		return
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = g.cmd.Process.Kill()
		<-done
	}
	g.cmd = nil
}

// bucket creates a fresh bucket with an S3 client independent of the driver.
func (g *gateway) bucket(t *testing.T) string {
	t.Helper()
	c, err := minio.New(g.addr, &minio.Options{
		Creds:        credentials.NewStaticV4(g.accessKey, g.secretKey, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	name := "t-" + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatalf("make bucket: %v", err)
	}
	return name
}

// settings are the s3 driver's settings for bucket.
func (g *gateway) settings(bucket string) map[string]string {
	return map[string]string{
		"endpoint":          "http://" + g.addr,
		"bucket":            bucket,
		"prefix":            s3Prefix,
		"path_style":        "true",
		"access_key_id":     g.accessKey,
		"secret_access_key": g.secretKey,
	}
}

// s3Prefix is the key prefix the tests configure; objects are files under
// <root>/<bucket>/zonefiles/ in the POSIX backend.
const s3Prefix = "zonefiles/"

// checkBucket reads the objects straight from the POSIX backend, not through
// the driver, and fails unless they are exactly want, each object's bytes
// hashing to its name.
func (g *gateway) checkBucket(t *testing.T, bucket string, want []Zonefile) {
	t.Helper()
	dir := filepath.Join(g.root, bucket, strings.TrimSuffix(s3Prefix, "/"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if got := HashOf(data).String(); got != e.Name() {
			t.Fatalf("object %s holds %d bytes hashing to %s", e.Name(), len(data), got)
		}
		names[e.Name()] = true
	}
	if len(names) != len(want) {
		t.Fatalf("bucket holds %d objects, want %d", len(names), len(want))
	}
	for _, z := range want {
		if !names[z.Hash.String()] {
			t.Fatalf("bucket lacks %s", z.Hash)
		}
	}
}

// s3Plugin is the real s3 plugin binary, built once for the package's tests.
func s3Plugin(t *testing.T) (string, string) {
	t.Helper()
	return drivertest.SharedPlugin(t, "github.com/atlasd/atlasd/contrib/s3")
}

func TestMain(m *testing.M) {
	code := m.Run()
	drivertest.RemoveSharedPlugins()
	os.Exit(code)
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

// s3Spec is the s3 plugin as a driver writing to bucket.
func (g *gateway) spec(t *testing.T, name, bucket string) Spec {
	bin, sum := s3Plugin(t)
	return Spec{Name: name, Path: bin, SHA256: sum, Settings: g.settings(bucket)}
}
