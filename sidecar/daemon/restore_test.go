package daemon_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/plugin/drivertest"
	"github.com/atlasd/atlasd/sidecar/config"
	"github.com/atlasd/atlasd/sidecar/daemon"
	"github.com/atlasd/atlasd/sidecar/devnet"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// s3Server runs versitygw (POSIX backend) on 127.0.0.1 with one bucket.
func s3Server(t *testing.T) (settings map[string]string) {
	t.Helper()
	bin := filepath.Join(drivertest.ModuleRoot(t), "bin", "versitygw")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("versitygw is not installed in ./bin (make test installs it): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	key := make([]byte, 20)
	rand.Read(key)
	access, secret := "AKDAEMONTEST", hex.EncodeToString(key)
	cmd := exec.Command(bin, "--port", addr, "--region", "us-east-1", "--quiet", "posix", t.TempDir())
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+access, "ROOT_SECRET_ACCESS_KEY="+secret)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = c.MakeBucket(ctx, "atlasd", minio.MakeBucketOptions{Region: "us-east-1"})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw not up: %v", err)
		}
	}
	return map[string]string{"endpoint": "http://" + addr, "bucket": "atlasd", "prefix": "zonefiles/",
		"path_style": "true", "access_key_id": access, "secret_access_key": secret}
}

type backupStatus struct {
	Drivers []struct {
		Name       string `json:"name"`
		QueueDepth int    `json:"queue_depth"`
		Uploaded   uint64 `json:"uploaded"`
	} `json:"drivers"`
}

// TestRestoreFromS3 is issue 5's restore check: a daemon backs its
// zonefiles up to S3 through the real plugin; its zonefiles are wiped; it
// starts again with the S3 driver and no peers, and is whole again.
func TestRestoreFromS3(t *testing.T) {
	settings := s3Server(t)
	bin, sum := drivertest.BuildPlugin(t, "github.com/atlasd/atlasd/contrib/s3")
	n := regtest.Start(t)
	p := params.Regtest()
	if _, err := n.Generate(uint32(p.FirstBlock - 1)); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = 200 * time.Millisecond
	cfg.Backup = []config.Backup{{Name: "s3", Path: bin, SHA256: sum, Settings: settings}}

	d, stop := start(t, cfg)
	waitHeight(t, d, int64(p.FirstBlock-1), 20*time.Second)
	pl := devnet.NewPlayer(n, nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}, d, "restore")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := pl.Script(ctx); err != nil {
		t.Fatal(err)
	}
	want := pl.Zonefiles()
	for h := range want {
		if !d.ZonefileHeld(h) {
			t.Fatalf("zonefile %s not held after the script", h)
		}
	}
	// Wait for the uploads to drain, as `atlasd backup status` shows them.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var st backupStatus
		resp, err := http.Get("http://" + d.APIAddr() + "/v1/backup/status")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		if len(st.Drivers) == 1 && st.Drivers[0].QueueDepth == 0 && st.Drivers[0].Uploaded >= uint64(len(want)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup queue did not drain: %+v", st)
		}
	}
	stop()

	// Lose every zonefile.
	store := filepath.Join(cfg.DataDir, "regtest", "atlas")
	entries, _ := os.ReadDir(store)
	wiped := false
	for _, e := range entries {
		if e.IsDir() && strings.Contains(e.Name(), "zonefile") {
			if err := os.RemoveAll(filepath.Join(store, e.Name())); err != nil {
				t.Fatal(err)
			}
			wiped = true
		}
	}
	if !wiped {
		t.Fatalf("no zonefile store under %s: %v", store, entries)
	}
	d2, stop2 := start(t, cfg)
	defer stop2()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		missing := 0
		for h := range want {
			if !d2.ZonefileHeld(h) {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d zonefiles still missing a minute after restart with the S3 driver", missing, len(want))
		}
	}
	checkDashboardSeries(t, "http://"+d2.APIAddr()+"/metrics")
	_ = daemon.Version
	_ = zerolog.Nop
}

// eventOnly are series that exist only once their first event happened
// (a labelled counter's first error, a ZMQ endpoint configured, a plugin
// restart); the dashboard may name them before that.
var eventOnly = map[string]bool{
	"atlasd_bitcoind_rpc_errors_total": true, "atlasd_zmq_gaps_total": true, "atlasd_zmq_reconnects_total": true,
	"atlasd_zmq_silences_total": true, "atlasd_plugin_restarts_total": true,
}

// checkDashboardSeries scrapes a running daemon and requires every atlasd_
// series that contrib/grafana's dashboard queries to be exported.
func checkDashboardSeries(t *testing.T, url string) {
	t.Helper()
	dash, err := os.ReadFile(filepath.Join(drivertest.ModuleRoot(t), "contrib", "grafana", "atlasd-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(dash) {
		t.Fatal("dashboard is not valid JSON")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var parser expfmt.TextParser
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range regexp.MustCompile(`atlasd_[a-z_]+`).FindAllString(string(dash), -1) {
		name = strings.TrimSuffix(name, "_bucket")
		if fams[name] == nil && !eventOnly[name] {
			t.Errorf("the dashboard queries %s, which the daemon does not export", name)
		}
	}
}
