package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/cockroachdb/pebble/vfs/errorfs"
	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/config"
	"github.com/atlasd/atlasd/sidecar/daemon"
	"github.com/atlasd/atlasd/sidecar/devnet"
	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// fakeDisk is the free space the daemon's disk guard sees.
type fakeDisk struct{ free atomic.Uint64 }

func (f *fakeDisk) read(string) (uint64, error) { return f.free.Load(), nil }

const (
	roomy = 1 << 40
	tight = 10 << 20 // below the 64 MiB reserve the tests configure
)

// runOpened runs an opened daemon until the returned stop is called.
func runOpened(t *testing.T, d *daemon.Daemon) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("daemon did not stop within 20s of cancel")
		}
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func testLogger() zerolog.Logger {
	if os.Getenv("ATLASD_TEST_LOG") != "" {
		return zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).With().Timestamp().Logger()
	}
	return zerolog.Nop()
}

// waitUntil polls cond every 20 ms until it holds or within passes.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
	}
}

// scrapeValue reads one sample of /metrics; labels are name, value pairs.
func scrapeValue(t *testing.T, base, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	f := fams[name]
	if f == nil {
		t.Fatalf("%s not exported", name)
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				found = found || (lp.GetName() == labels[i] && lp.GetValue() == labels[i+1])
			}
			if !found {
				continue next
			}
		}
		if m.Gauge != nil {
			return m.Gauge.GetValue()
		}
		return m.Counter.GetValue()
	}
	t.Fatalf("%s%v not exported", name, labels)
	return 0
}

func httpDo(t *testing.T, method, url string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// announce registers a name and mines an update announcing zonefile,
// quoting the daemon's consensus hash as a wallet would.
func announce(t *testing.T, n *regtest.Node, net nameop.Network, d *daemon.Daemon, name string, zonefile []byte) {
	t.Helper()
	b := bnstx.New(n, net)
	k := n.NewKey()
	if _, err := n.Fund(k, btcutil.SatoshiPerBitcoin/10); err != nil {
		t.Fatal(err)
	}
	mine := func() {
		t.Helper()
		if _, err := n.Generate(1); err != nil {
			t.Fatal(err)
		}
		_, tip, err := n.BestBlock()
		if err != nil {
			t.Fatal(err)
		}
		d.Wake()
		waitHeight(t, d, int64(tip), 20*time.Second)
	}
	ch := func() string {
		h, _ := d.Machine().Tip()
		c, _ := d.Machine().ConsensusHash(uint64(h))
		return c
	}
	mine()
	send := func(tb *regtest.TxBuilder, err error) {
		t.Helper()
		if err == nil {
			_, err = tb.Send()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	send(b.NamePreorder(k, name, k, ch(), 100000))
	mine()
	send(b.NameRegister(k, name, k), nil)
	mine()
	send(b.NameUpdate(k, name, ch(), zonefile))
	mine()
}

// With free space below storage.min_free_mib the daemon stops writing and
// says so: blocks wait, /readyz is not ready and names the cause, POST
// /v1/zonefile answers 503, the series show the pause; reads and the Atlas
// port go on. With space back it resumes on its own: the blocks that came
// meanwhile are applied, the zonefile refused is taken, and every zonefile
// reaches the backup driver.
func TestDiskLowPausesWrites(t *testing.T) {
	n := regtest.Start(t)
	p := params.Regtest()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	if _, err := n.Generate(uint32(p.FirstBlock - 1)); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = 100 * time.Millisecond
	cfg.Storage.MinFreeMiB = 64
	backupRoot := t.TempDir()
	cfg.Backup = []config.Backup{{Name: "dir", Path: "builtin:dir", Settings: map[string]string{dirdriver.SettingRoot: backupRoot}}}
	disk := &fakeDisk{}
	disk.free.Store(roomy)
	d, err := daemon.OpenWithFreeSpace(cfg, testLogger(), disk.read)
	if err != nil {
		t.Fatal(err)
	}
	runOpened(t, d)
	waitHeight(t, d, int64(p.FirstBlock-1), 20*time.Second)
	pl := devnet.NewPlayer(n, net, d, "disklow")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := pl.Script(ctx); err != nil {
		t.Fatal(err)
	}
	late := []byte("$ORIGIN late.disklow\n$TTL 3600\n@ IN TXT \"posted while the disk was full\"\n")
	announce(t, n, net, d, "late.disklow", late)
	base := "http://" + d.APIAddr()
	tip, _ := d.Machine().Tip()

	disk.free.Store(tight)
	if _, err := n.Generate(3); err != nil {
		t.Fatal(err)
	}
	d.Wake()
	waitUntil(t, 5*time.Second, "/readyz still ready", func() bool {
		code, _ := httpDo(t, "GET", base+"/readyz", nil)
		return code == http.StatusServiceUnavailable
	})
	time.Sleep(500 * time.Millisecond)
	if h, _ := d.Machine().Tip(); h != tip {
		t.Fatalf("replay moved from %d to %d with the disk full", tip, h)
	}
	checks := []struct {
		name, method, path string
		body               []byte
		code               int
		has                string
	}{
		{"readyz names the cause", "GET", "/readyz", nil, 503, "storage.min_free_mib"},
		{"post refused", "POST", "/v1/zonefile", late, 503, "post it again"},
		{"info served", "GET", "/v1/info", nil, 200, `"last_block_processed"`},
		{"names served", "GET", "/v1/names/alice.disklow", nil, 200, "alice.disklow"},
		{"atlas port served", "POST", "http://" + d.AtlasAddr() + "/RPC2",
			[]byte(`<?xml version="1.0"?><methodCall><methodName>getinfo</methodName><params></params></methodCall>`), 200, "last_block_processed"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			url := c.path
			if !strings.HasPrefix(url, "http") {
				url = base + url
			}
			code, body := httpDo(t, c.method, url, c.body)
			if code != c.code || !strings.Contains(body, c.has) {
				t.Fatalf("%s %s: %d %s, want %d containing %q", c.method, c.path, code, body, c.code, c.has)
			}
		})
	}
	if v := scrapeValue(t, base, "atlasd_disk_low"); v != 1 {
		t.Errorf("atlasd_disk_low = %v while paused", v)
	}
	if v := scrapeValue(t, base, "atlasd_disk_free_bytes"); v != tight {
		t.Errorf("atlasd_disk_free_bytes = %v, want %d", v, tight)
	}
	for _, what := range []string{"block", "zonefile"} {
		if v := scrapeValue(t, base, "atlasd_disk_paused_writes_total", "what", what); v < 1 {
			t.Errorf("paused %s writes = %v", what, v)
		}
	}

	disk.free.Store(roomy)
	_, nodeTip, err := n.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, d, int64(nodeTip), 20*time.Second)
	waitUntil(t, 5*time.Second, "/readyz not ready with space back", func() bool {
		code, _ := httpDo(t, "GET", base+"/readyz", nil)
		return code == http.StatusOK
	})
	if code, body := httpDo(t, "POST", base+"/v1/zonefile", late); code != 200 {
		t.Fatalf("POST /v1/zonefile with space back: %d %s", code, body)
	}
	if v := scrapeValue(t, base, "atlasd_disk_low"); v != 0 {
		t.Errorf("atlasd_disk_low = %v after resuming", v)
	}
	want := len(pl.Zonefiles()) + 1
	waitUntil(t, 30*time.Second, "zonefiles not all backed up", func() bool {
		var st struct {
			Drivers []struct {
				Uploaded int `json:"uploaded"`
			} `json:"drivers"`
		}
		_, body := httpDo(t, "GET", base+"/v1/backup/status", nil)
		return json.Unmarshal([]byte(body), &st) == nil && len(st.Drivers) == 1 && st.Drivers[0].Uploaded >= want
	})
}

// Started with the disk below the reserve, the daemon opens its state
// read-only and serves reads, applies nothing, and opens for writing and
// catches up once there is room.
func TestStartOnFullDisk(t *testing.T) {
	n := regtest.Start(t)
	p := params.Regtest()
	if _, err := n.Generate(uint32(p.FirstBlock + 5)); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = 100 * time.Millisecond
	cfg.Storage.MinFreeMiB = 64
	disk := &fakeDisk{}
	disk.free.Store(roomy)
	d, err := daemon.OpenWithFreeSpace(cfg, testLogger(), disk.read)
	if err != nil {
		t.Fatal(err)
	}
	stop := runOpened(t, d)
	waitHeight(t, d, int64(p.FirstBlock+5), 20*time.Second)
	stop()

	if _, err := n.Generate(4); err != nil {
		t.Fatal(err)
	}
	disk.free.Store(tight)
	d, err = daemon.OpenWithFreeSpace(cfg, testLogger(), disk.read)
	if err != nil {
		t.Fatalf("open on a full disk: %v", err)
	}
	runOpened(t, d)
	var base string
	waitUntil(t, 10*time.Second, "API not up on a full disk", func() bool {
		base = "http://" + d.APIAddr()
		return d.APIAddr() != ""
	})
	var info map[string]any
	getJSON(t, base+"/v1/info", 200, &info)
	if info["last_block_processed"] != float64(p.FirstBlock+5) {
		t.Fatalf("/v1/info on a full disk: %v", info)
	}
	getJSON(t, base+"/readyz", 503, nil)
	time.Sleep(500 * time.Millisecond)
	if h, _ := d.Machine().Tip(); h != int64(p.FirstBlock+5) {
		t.Fatalf("replay moved to %d on a full disk", h)
	}

	disk.free.Store(roomy)
	waitHeight(t, d, int64(p.FirstBlock+9), 20*time.Second)

	// A fresh data directory cannot even start on a full disk.
	fresh := cfg
	fresh.DataDir = t.TempDir()
	if _, err := daemon.OpenWithFreeSpace(fresh, zerolog.Nop(), (&fakeDisk{}).read); err == nil ||
		!strings.Contains(err.Error(), "storage.min_free_mib") {
		t.Fatalf("open of an empty data directory on a full disk: %v", err)
	}
}

// When a write of the replay state fails anyway (the guard saw room, the
// disk had none), the daemon neither dies nor keeps the spent database: it
// closes it, opens it again once the disk takes writes (read-only in the
// meantime), and follows on from the last block that reached the log; the
// result equals a replay that never failed.
func TestStateReopensAfterFailedWrite(t *testing.T) {
	n := regtest.Start(t)
	p := params.Regtest()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	if _, err := n.Generate(uint32(p.FirstBlock - 1)); err != nil {
		t.Fatal(err)
	}
	var full atomic.Bool
	base := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op, path string) error {
		switch op {
		case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpFilePreallocate:
			if full.Load() && strings.Contains(path, string(os.PathSeparator)+"state"+string(os.PathSeparator)) {
				return syscall.ENOSPC
			}
		}
		return nil
	}))
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = 100 * time.Millisecond
	cfg.Storage.MinFreeMiB = 64
	disk := &fakeDisk{}
	disk.free.Store(roomy)
	d, err := daemon.OpenOnFS(cfg, testLogger(), disk.read, base)
	if err != nil {
		t.Fatal(err)
	}
	stop := runOpened(t, d)
	waitHeight(t, d, int64(p.FirstBlock-1), 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := devnet.NewPlayer(n, net, d, "reopen").Script(ctx); err != nil {
		t.Fatal(err)
	}

	full.Store(true)
	// Enough blocks that the log's buffer is written (and fails).
	if _, err := n.Generate(400); err != nil {
		t.Fatal(err)
	}
	_, nodeTip, err := n.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	d.Wake()
	waitUntil(t, 20*time.Second, "no write found the disk full", func() bool {
		return scrapeValue(t, "http://"+d.APIAddr(), "atlasd_disk_full_errors_total") >= 1
	})
	time.Sleep(time.Second)
	if h, _ := d.Machine().Tip(); h >= int64(nodeTip) {
		t.Fatalf("replay reached the tip %d with its log unwritable", h)
	}
	getJSON(t, "http://"+d.APIAddr()+"/v1/info", 200, nil)
	full.Store(false)
	waitHeight(t, d, int64(nodeTip), 30*time.Second)
	stop()
	diffAgainstFreshReplay(t, n, cfg, net, int64(nodeTip))
}

// diffAgainstFreshReplay compares the stopped daemon's state, reopened from
// its directory, with a replay of the node's chain from scratch.
func diffAgainstFreshReplay(t *testing.T, n *regtest.Node, cfg config.Config, net nameop.Network, tip int64) {
	t.Helper()
	p := params.Regtest()
	got, err := state.Open(daemon.StateDir(cfg, p), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatalf("state does not open cleanly: %v", err)
	}
	defer got.Close()
	c, err := bitcoind.New(bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fresh, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	f := follow.New(c, fresh, follow.Config{Network: net, FirstBlock: p.FirstBlock, Prevouts: bitcoind.PrevoutsTxIndex, Logger: zerolog.Nop()})
	if err := f.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h, _ := got.Tip(); h != tip {
		t.Fatalf("state at %d, node at %d", h, tip)
	}
	for h := p.FirstBlock; h <= uint64(tip); h++ {
		a, _ := got.ConsensusHash(h)
		b, _ := fresh.ConsensusHash(h)
		if a != b {
			t.Fatalf("height %d: %s, fresh replay %s", h, a, b)
		}
	}
}
