package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/atlasd/atlasd/plugin/drivertest"
)

// gateway is one versitygw process serving a POSIX directory over S3 with
// real SigV4 credentials. All tests of the package share it, each in its own
// bucket.
type gateway struct {
	endpoint  string // http://127.0.0.1:port
	root      string // POSIX backend directory: one subdirectory per bucket
	accessKey string
	secretKey string
	cmd       *exec.Cmd
	out       *bytes.Buffer
}

var (
	gwOnce sync.Once
	gw     *gateway
	gwErr  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if gw != nil {
		gw.stop()
	}
	drivertest.RemoveSharedPlugins()
	os.Exit(code)
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// startGateway returns the shared versitygw, starting it on first use. It is
// installed into <module>/bin by `make versitygw`.
func startGateway(t *testing.T) *gateway {
	t.Helper()
	gwOnce.Do(func() {
		bin := filepath.Join(drivertest.ModuleRoot(t), "bin", "versitygw")
		if _, err := os.Stat(bin); err != nil {
			gwErr = "versitygw is not installed in ./bin; run `make versitygw` (or `make tools`): " + err.Error()
			return
		}
		root, err := os.MkdirTemp("", "versitygw-")
		if err != nil {
			gwErr = err.Error()
			return
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			gwErr = err.Error()
			return
		}
		addr := l.Addr().String()
		l.Close()
		g := &gateway{
			endpoint:  "http://" + addr,
			root:      root,
			accessKey: "AK" + strings.ToUpper(randomHex(t, 9)),
			secretKey: randomHex(t, 20),
			out:       &bytes.Buffer{},
		}
		g.cmd = exec.Command(bin, "--port", addr, "--region", "us-east-1", "--quiet", "posix", root)
		// Credentials by environment, not argv, where other users could read them.
		g.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+g.accessKey, "ROOT_SECRET_ACCESS_KEY="+g.secretKey)
		g.cmd.Stdout, g.cmd.Stderr = g.out, g.out
		if err := g.cmd.Start(); err != nil {
			gwErr = err.Error()
			return
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				g.stop()
				gwErr = "versitygw did not listen on " + addr + ": " + g.out.String()
				return
			}
		}
		gw = g
	})
	if gw == nil {
		t.Fatal(gwErr)
	}
	return gw
}

func (g *gateway) stop() {
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = g.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(g.root)
}

// bucket creates a fresh bucket for one test.
func (g *gateway) bucket(t *testing.T) string {
	t.Helper()
	name := "t-" + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.client(t).MakeBucket(ctx, name, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatalf("make bucket: %v", err)
	}
	return name
}

// client is an S3 client independent of the driver, to check what the
// driver really stored.
func (g *gateway) client(t *testing.T) *minio.Client {
	t.Helper()
	c, err := minio.New(strings.TrimPrefix(g.endpoint, "http://"), &minio.Options{
		Creds:        credentials.NewStaticV4(g.accessKey, g.secretKey, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// settings are the driver settings for bucket with static credentials.
func (g *gateway) settings(bucket, prefix string) map[string]string {
	return map[string]string{
		"endpoint":          g.endpoint,
		"bucket":            bucket,
		"prefix":            prefix,
		"path_style":        "true",
		"access_key_id":     g.accessKey,
		"secret_access_key": g.secretKey,
	}
}
