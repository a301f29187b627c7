//go:build soak

package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/cockroachdb/pebble"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/atlas/zonestore"
	"github.com/atlasd/atlasd/internal/soakreport"
	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// TestSoakDiskFull is issue 7's "disk full on the data dir": a real atlasd
// process whose data directory is a 64 MiB tmpfs follows btcd through BNS
// operations and takes zonefiles over its REST API while the file system is
// filled to the last byte and freed again, ATLASD_SOAK_DISKFULL_CYCLES
// times (default 5). Each fill lands while the daemon is catching up on a
// burst of blocks and zonefiles are being posted. Every other cycle the
// daemon is killed with SIGKILL while the disk is full and started again on
// the full disk. Each cycle must show the pause (blocks wait, /readyz and
// atlasd_disk_low say so, POST /v1/zonefile answers 503, reads and the
// Atlas port answer), no exit of its own, and a resume on its own once the
// disk is freed. At the end the state equals a fresh replay, every
// zonefile acknowledged is held and backed up, and every database opens.
func TestSoakDiskFull(t *testing.T) {
	cycles := soakInt(t, "ATLASD_SOAK_DISKFULL_CYCLES", 5)
	started := time.Now()
	dataDir := mountTmpfs(t, "64m")
	n := regtest.Start(t)
	bin := buildDaemonBinary(t)
	backupRoot := t.TempDir()
	pl := newFillPlayer(t, n)
	d := &daemonProc{t: t, bin: bin, config: writeDiskConfig(t, n, dataDir, backupRoot)}
	d.start()
	defer d.killIfRunning()

	ns := "diskfull"
	pl.launch(ns)
	names := []string{"a." + ns, "b." + ns, "c." + ns, "d." + ns}
	for _, name := range names {
		pl.register(name)
	}
	if err := d.waitTip(pl.tip(), time.Minute); err != nil {
		t.Fatal(err)
	}

	acked := map[inventory.Hash][]byte{}
	var refusedWhileFull, killsFull, killsFreed, tried, survived int
	var longestPause time.Duration
	for c := 1; c <= cycles; c++ {
		// A fill, and a kill -9: while full on odd cycles, just after the
		// disk is freed (while the daemon reopens for writing and catches
		// up) on even ones.
		tried += 2
		err := func() error {
			// Announced and mined, then posted while the disk fills under a
			// burst of blocks the daemon is catching up on.
			zfs := pl.updates(names, c)
			pl.mine(1)
			if err := d.waitTip(pl.tip(), time.Minute); err != nil {
				return err
			}
			pl.mineAsync(40)
			var wg sync.WaitGroup
			results := make([]int, len(zfs))
			for i, zf := range zfs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(i) * 5 * time.Millisecond)
					results[i] = d.post(zf)
				}()
			}
			filled := fillDisk(t, dataDir)
			wg.Wait()
			pl.sync()
			var later [][]byte
			for i, code := range results {
				switch code {
				case http.StatusOK:
					acked[inventory.HashOf(zfs[i])] = zfs[i]
				case http.StatusServiceUnavailable:
					later = append(later, zfs[i])
				default:
					return fmt.Errorf("cycle %d: POST during the fill answered %d", c, code)
				}
			}
			pausedAt := time.Now()
			if err := d.waitReady(false, 15*time.Second); err != nil {
				return fmt.Errorf("cycle %d, %s filled: %w", c, bytesMiB(filled), err)
			}
			tip := d.tip()
			// While full: more operations, refused posts, reads served.
			more := pl.updates(names, 100+c)
			pl.mine(3)
			time.Sleep(2 * time.Second)
			if h := d.tip(); h != tip {
				return fmt.Errorf("cycle %d: replay moved from %d to %d with the disk full", c, tip, h)
			}
			if err := d.checkPaused(); err != nil {
				return fmt.Errorf("cycle %d: %w", c, err)
			}
			for _, zf := range more {
				if code := d.post(zf); code != http.StatusServiceUnavailable {
					return fmt.Errorf("cycle %d: POST with the disk full answered %d, want 503", c, code)
				}
				refusedWhileFull++
				later = append(later, zf)
			}
			if c%2 == 1 {
				d.kill()
				killsFull++
				d.start() // on the full disk
				if err := d.checkPaused(); err != nil {
					return fmt.Errorf("cycle %d, restarted on the full disk: %w", c, err)
				}
				if h := d.tip(); h > tip {
					return fmt.Errorf("cycle %d: restarted on the full disk at %d, above %d", c, h, tip)
				}
			}
			if err := os.Remove(filepath.Join(dataDir, "fill")); err != nil {
				return err
			}
			if c%2 == 0 {
				time.Sleep(time.Duration(c%4) * 50 * time.Millisecond)
				d.kill()
				killsFreed++
				d.start()
			}
			if err := d.waitTip(pl.tip(), time.Minute); err != nil {
				return fmt.Errorf("cycle %d, disk freed: %w", c, err)
			}
			if err := d.waitReady(true, 15*time.Second); err != nil {
				return fmt.Errorf("cycle %d, disk freed: %w", c, err)
			}
			longestPause = max(longestPause, time.Since(pausedAt))
			for _, zf := range later {
				if code := d.postUntil(zf, 10*time.Second); code != http.StatusOK {
					return fmt.Errorf("cycle %d: POST with space back answered %d", c, code)
				}
				acked[inventory.HashOf(zf)] = zf
			}
			return d.alive()
		}()
		if err != nil {
			t.Error(err)
			os.Remove(filepath.Join(dataDir, "fill"))
			if d.alive() != nil {
				d.start()
			}
			continue
		}
		survived += 2
	}

	// Every acknowledged zonefile reaches the backup driver.
	lost := 0
	if err := waitBackedUp(backupRoot, acked, 2*time.Minute); err != nil {
		t.Error(err)
		lost += len(acked)
	}
	logs := d.stop()
	lost += checkAtRest(t, n, dataDir, acked)
	soakreport.Record(t, soakreport.Row{
		Area:     "disk",
		Scenario: fmt.Sprintf("data dir tmpfs 64 MiB filled to 0 bytes, %d fill/free cycles; kill -9 %d× while full, %d× just after freeing", cycles, killsFull, killsFreed),
		Tried:    tried, Survived: survived, Lost: lost,
		Duration: time.Since(started),
		Notes: fmt.Sprintf("%d blocks, %d zonefiles acknowledged, %d posts refused with 503 while full, longest pause %v, %d ENOSPC met by Pebble writes, %d state reopens",
			pl.blocks, len(acked), refusedWhileFull, longestPause.Round(time.Second),
			logs.count("the disk is full: a database write found no room"), logs.count("replay state reopened; following on from its last complete block")),
	})
}

// checkAtRest opens every database of the stopped daemon: the state must
// equal a fresh replay, and the zonefile store hold every acknowledged
// zonefile. It returns how many were lost.
func checkAtRest(t *testing.T, n *regtest.Node, dataDir string, acked map[inventory.Hash][]byte) int {
	t.Helper()
	p := params.Regtest()
	lost := 0
	m, err := state.Open(filepath.Join(dataDir, "regtest", "state"), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Errorf("state does not open: %v", err)
		return 1
	}
	if err := diffFreshReplay(t, n, m); err != nil {
		t.Errorf("state differs from a fresh replay: %v", err)
		lost++
	}
	m.Close()
	store, err := zonestore.Open(filepath.Join(dataDir, "regtest", "atlas", service.StoreDir), zonestore.Options{})
	if err != nil {
		t.Errorf("zonefile store does not open: %v", err)
		return lost + len(acked)
	}
	for h, zf := range acked {
		got, err := store.Get(h)
		if err != nil || !bytes.Equal(got, zf) {
			t.Errorf("acknowledged zonefile %s: %v", h, err)
			lost++
		}
	}
	store.Close()
	q, err := pebble.Open(filepath.Join(dataDir, "regtest", "backup"), &pebble.Options{FormatMajorVersion: pebble.FormatVirtualSSTables, Logger: quietPebble{}})
	if err != nil {
		t.Errorf("backup queue does not open: %v", err)
		return lost + 1
	}
	q.Close()
	return lost
}

// quietPebble keeps Pebble's informational lines out of the soak log.
type quietPebble struct{}

func (quietPebble) Infof(string, ...any)      {}
func (quietPebble) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

func waitBackedUp(root string, acked map[inventory.Hash][]byte, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		missing := 0
		for h := range acked {
			if _, err := os.Stat(dirdriver.BlobPath(root, h.String())); err != nil {
				missing++
			}
		}
		if missing == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d acknowledged zonefiles not backed up after %v", missing, len(acked), within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// mountTmpfs mounts a tmpfs of the given size on a fresh directory, or
// skips the test when that is not permitted (it needs root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("the disk-full soak needs to mount a tmpfs (run as root): %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes dir/fill until the file system refuses, and returns how
// much it wrote.
func fillDisk(t *testing.T, dir string) int64 {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	var total int64
	for {
		n, err := f.Write(buf)
		total += int64(n)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Smaller writes take the last partial page.
	for _, err := f.Write(buf[:512]); err == nil; _, err = f.Write(buf[:512]) {
		total += 512
	}
	return total
}

func bytesMiB(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// buildDaemonBinary compiles sidecar/cmd/atlasd into the test's temporary
// directory.
func buildDaemonBinary(t *testing.T) string {
	t.Helper()
	root, err := regtest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "atlasd")
	cmd := exec.Command("go", "build", "-o", bin, "./sidecar/cmd/atlasd")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build atlasd: %v", err)
	}
	return bin
}

// writeDiskConfig writes the daemon's config file (outside the tmpfs): a
// reserve of 8 MiB and the directory backup driver.
func writeDiskConfig(t *testing.T, n *regtest.Node, dataDir, backupRoot string) string {
	t.Helper()
	text := fmt.Sprintf(`network = "regtest"
datadir = %q
log_format = "json"
log_level = "info"

[bitcoind]
rpc_host = %q
rpc_user = %q
rpc_password = %q
rpc_cookie = ""
rpc_conns = 2
poll_interval = "200ms"

[atlas]
listen = "127.0.0.1:0"

[api]
listen = "127.0.0.1:0"

[storage]
min_free_mib = %d

[[backup]]
name = "dir"
path = "builtin:dir"
[backup.settings]
root = %q
`, dataDir, n.RPCHost(), n.RPCUser(), n.RPCPass(), 8, backupRoot)
	path := filepath.Join(t.TempDir(), "atlasd.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// daemonLog keeps the JSON lines of every run of the daemon.
type daemonLog struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (l *daemonLog) add(m map[string]any) {
	l.mu.Lock()
	l.lines = append(l.lines, m)
	l.mu.Unlock()
}

func (l *daemonLog) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.lines {
		if m["message"] == msg {
			n++
		}
	}
	return n
}

// field returns the field of the last line with message msg logged at or
// after index from.
func (l *daemonLog) field(from int, msg, key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.lines) - 1; i >= from; i-- {
		if l.lines[i]["message"] == msg {
			s, _ := l.lines[i][key].(string)
			return s
		}
	}
	return ""
}

func (l *daemonLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// daemonProc is `atlasd run` as a child process.
type daemonProc struct {
	t      *testing.T
	bin    string
	config string
	logs   daemonLog

	cmd    *exec.Cmd
	exited chan error
	base   string
}

func (d *daemonProc) start() {
	d.t.Helper()
	cmd := exec.Command(d.bin, "run", "--config", d.config)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		d.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	from := d.logs.len()
	d.cmd, d.exited = cmd, make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		echo := os.Getenv("ATLASD_TEST_LOG") != ""
		for sc.Scan() {
			if echo {
				fmt.Fprintln(os.Stderr, sc.Text())
			}
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				d.logs.add(m)
			} else {
				d.logs.add(map[string]any{"message": sc.Text()})
			}
		}
		d.exited <- cmd.Wait()
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if addr := d.logs.field(from, "REST API, /metrics and /healthz listening", "addr"); addr != "" {
			d.base = addr
			return
		}
		if err := d.alive(); err != nil {
			d.t.Fatalf("atlasd did not start: %v", err)
		}
		if time.Now().After(deadline) {
			d.t.Fatal("atlasd API not listening after 30 s")
		}
	}
}

// alive reports an exit of the daemon, which it must never do by itself.
func (d *daemonProc) alive() error {
	select {
	case err := <-d.exited:
		d.exited <- err
		return fmt.Errorf("atlasd exited: %v (last lines: %v)", err, d.tail(5))
	default:
		return nil
	}
}

func (d *daemonProc) tail(k int) []map[string]any {
	d.logs.mu.Lock()
	defer d.logs.mu.Unlock()
	return d.logs.lines[max(0, len(d.logs.lines)-k):]
}

func (d *daemonProc) kill() {
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.exited <- <-d.exited // kept for alive
}

func (d *daemonProc) killIfRunning() {
	if d.cmd != nil && d.alive() == nil {
		d.kill()
	}
}

// stop ends the daemon with SIGTERM, which must exit 0, and returns its
// log.
func (d *daemonProc) stop() *daemonLog {
	d.t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.exited:
		d.exited <- err // for alive
		if err != nil {
			d.t.Errorf("atlasd exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		d.kill()
		d.t.Error("atlasd did not stop within 30 s of SIGTERM")
	}
	return &d.logs
}

func (d *daemonProc) get(path string) (int, []byte) {
	resp, err := http.Get(d.base + path)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// tip is the daemon's indexed height as /v1/info reports it, -1 if it
// does not answer.
func (d *daemonProc) tip() int64 {
	code, body := d.get("/v1/info")
	var info struct {
		Height int64 `json:"last_block_processed"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &info) != nil {
		return -1
	}
	return info.Height
}

func (d *daemonProc) waitTip(h int64, within time.Duration) error {
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		if d.tip() == h {
			return nil
		}
		if err := d.alive(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("daemon at %d after %v, want %d", d.tip(), within, h)
		}
	}
}

func (d *daemonProc) waitReady(ready bool, within time.Duration) error {
	want := http.StatusServiceUnavailable
	if ready {
		want = http.StatusOK
	}
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		code, body := d.get("/readyz")
		if code == want {
			return nil
		}
		if err := d.alive(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/readyz %d %s after %v, want %d", code, body, within, want)
		}
	}
}

// checkPaused requires the signs of a pause, and reads still served.
func (d *daemonProc) checkPaused() error {
	if err := d.waitReady(false, 10*time.Second); err != nil {
		return err
	}
	if code, body := d.get("/readyz"); !strings.Contains(string(body), "storage.min_free_mib") {
		return fmt.Errorf("/readyz %d %s does not name the cause", code, body)
	}
	if code, body := d.get("/metrics"); code != http.StatusOK || !bytes.Contains(body, []byte("\natlasd_disk_low 1\n")) {
		return fmt.Errorf("/metrics %d without atlasd_disk_low 1", code)
	}
	if code, body := d.get("/v1/names/a.diskfull"); code != http.StatusOK {
		return fmt.Errorf("GET /v1/names/a.diskfull while paused: %d %s", code, body)
	}
	return d.alive()
}

// post puts a zonefile through the REST API and returns the status code.
func (d *daemonProc) post(zf []byte) int {
	body, _ := json.Marshal(map[string]string{"zonefile": string(zf)})
	resp, err := http.Post(d.base+"/v1/zonefile", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// postUntil retries a refused post for a while: the Atlas inventory learns
// of an announcement just after its block is applied.
func (d *daemonProc) postUntil(zf []byte, within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		code := d.post(zf)
		if code == http.StatusOK || time.Now().After(deadline) {
			return code
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fillPlayer plays BNS operations on the node, with a replay of its own
// for the consensus hashes they quote, so it needs nothing from the
// daemon (which may be paused or down).
type fillPlayer struct {
	t      *testing.T
	n      *regtest.Node
	b      *bnstx.Builder
	m      *state.Machine
	f      *follow.Follower
	owners map[string]*regtest.Key
	blocks int
}

func newFillPlayer(t *testing.T, n *regtest.Node) *fillPlayer {
	t.Helper()
	p := params.Regtest()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	if _, err := n.Generate(uint32(p.FirstBlock - 1)); err != nil {
		t.Fatal(err)
	}
	c, err := bitcoind.New(bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	f := follow.New(c, m, follow.Config{Network: net, FirstBlock: p.FirstBlock, Prevouts: bitcoind.PrevoutsTxIndex, Logger: zerolog.Nop()})
	return &fillPlayer{t: t, n: n, b: bnstx.New(n, net), m: m, f: f, owners: map[string]*regtest.Key{}}
}

func (p *fillPlayer) mine(k int) {
	p.t.Helper()
	p.mineAsync(k)
	p.sync()
}

// mineAsync mines k blocks without bringing the player's replay up to
// them (sync does).
func (p *fillPlayer) mineAsync(k int) {
	p.t.Helper()
	if _, err := p.n.Generate(uint32(k)); err != nil {
		p.t.Fatal(err)
	}
	p.blocks += k
}

func (p *fillPlayer) sync() {
	p.t.Helper()
	if err := p.f.Sync(context.Background()); err != nil {
		p.t.Fatal(err)
	}
}

func (p *fillPlayer) tip() int64 { h, _ := p.m.Tip(); return h }

func (p *fillPlayer) ch() string {
	c, _ := p.m.ConsensusHash(uint64(p.tip()))
	return c
}

func (p *fillPlayer) send(tb *regtest.TxBuilder, err error) {
	p.t.Helper()
	if err == nil {
		_, err = tb.Send()
	}
	if err != nil {
		p.t.Fatal(err)
	}
}

// Mine and CH let bnstx's multi-block sequences drive the player.
func (p *fillPlayer) Mine(k int) error { p.mine(k); return nil }
func (p *fillPlayer) CH() string       { return p.ch() }

func (p *fillPlayer) launch(ns string) {
	p.t.Helper()
	if err := p.b.Launch(p, soakLaunch(ns)); err != nil {
		p.t.Fatal(err)
	}
}

func (p *fillPlayer) register(name string) {
	p.t.Helper()
	keys, err := p.b.Register(p, btcutil.SatoshiPerBitcoin, name)
	if err != nil {
		p.t.Fatal(err)
	}
	p.owners[name] = keys[0]
}

// updates sends a NAME_UPDATE with a new zonefile for each name (mined by
// the next mine) and returns the zonefiles.
func (p *fillPlayer) updates(names []string, serial int) [][]byte {
	ch := p.ch()
	var out [][]byte
	for _, name := range names {
		zf := []byte(fmt.Sprintf("$ORIGIN %s\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.org/%s/%d\"\n", name, name, serial))
		p.send(p.b.NameUpdate(p.owners[name], name, ch, zf))
		out = append(out, zf)
	}
	return out
}
