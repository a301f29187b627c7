package main

import (
	"bufio"
	"context"
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildAtlasd compiles the command once per test binary.
func buildAtlasd(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "atlasd-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "atlasd")
		cmd := exec.Command("go", "build", "-o", builtBin, ".")
		cmd.Stderr = os.Stderr
		buildErr = cmd.Run()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return builtBin
}

// chainPlayer broadcasts BNS operations on a regtest node and mines them,
// keeping a replay in step so payloads can quote a fresh consensus hash, as
// a wallet asking its node would.
type chainPlayer struct {
	t    *testing.T
	n    *regtest.Node
	b    *bnstx.Builder
	m    *state.Machine
	f    *follow.Follower
	done func()
}

func newChainPlayer(t *testing.T, n *regtest.Node) *chainPlayer {
	t.Helper()
	p := params.Regtest()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	if _, err := n.Generate(uint32(p.FirstBlock)); err != nil {
		t.Fatal(err)
	}
	c, err := bitcoind.New(bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	f := follow.New(c, m, follow.Config{Network: net, FirstBlock: p.FirstBlock, Prevouts: bitcoind.PrevoutsTxIndex, Logger: zerolog.Nop()})
	return &chainPlayer{t: t, n: n, b: bnstx.New(n, net), m: m, f: f, done: func() { m.Close(); c.Close() }}
}

// mine mines k blocks and returns the consensus hash of the new tip.
func (cp *chainPlayer) mine(k int) string {
	cp.t.Helper()
	if k > 0 {
		if _, err := cp.n.Generate(uint32(k)); err != nil {
			cp.t.Fatal(err)
		}
	}
	if err := cp.f.Sync(context.Background()); err != nil {
		cp.t.Fatal(err)
	}
	h, _ := cp.m.Tip()
	ch, _ := cp.m.ConsensusHash(uint64(h))
	return ch
}

func (cp *chainPlayer) send(tb *regtest.TxBuilder, err error) {
	cp.t.Helper()
	if err != nil {
		cp.t.Fatal(err)
	}
	if _, err := tb.Send(); err != nil {
		cp.t.Fatal(err)
	}
}

// Mine and CH let bnstx's multi-block sequences drive the player.
func (cp *chainPlayer) Mine(k int) error { cp.mine(k); return nil }
func (cp *chainPlayer) CH() string {
	h, _ := cp.m.Tip()
	ch, _ := cp.m.ConsensusHash(uint64(h))
	return ch
}

// launch preorders, reveals and readies ns; it returns the tip's hash.
func (cp *chainPlayer) launch(ns string) string {
	cp.t.Helper()
	err := cp.b.Launch(cp, bnstx.Launch{NS: ns, Fee: btcutil.SatoshiPerBitcoin, Rules: bnstx.CheapRules(100000),
		CreatorFunds: 5 * btcutil.SatoshiPerBitcoin, RevealerFunds: btcutil.SatoshiPerBitcoin})
	if err != nil {
		cp.t.Fatal(err)
	}
	return cp.CH()
}

// register preorders and registers name for a new funded key.
func (cp *chainPlayer) register(name string) *regtest.Key {
	cp.t.Helper()
	keys, err := cp.b.Register(cp, btcutil.SatoshiPerBitcoin/10, name)
	if err != nil {
		cp.t.Fatal(err)
	}
	return keys[0]
}

// bnsHistory mines a namespace, names and zonefile updates spread over
// about the given number of blocks above the regtest first block.
func bnsHistory(t *testing.T, n *regtest.Node, blocks int) {
	t.Helper()
	cp := newChainPlayer(t, n)
	defer cp.done()
	cp.launch("killtest00")
	rng := rand.New(rand.NewSource(7))
	owners := map[string]*regtest.Key{}
	used := 4
	for i := 0; used < blocks; i++ {
		name := "k" + strconv.Itoa(i) + ".killtest00"
		owners[name] = cp.register(name)
		ch := cp.mine(0)
		for nm, ok := range owners {
			if rng.Intn(3) == 0 {
				cp.send(cp.b.NameUpdate(ok, nm, ch, []byte(nm+strconv.Itoa(i))))
			}
		}
		gap := 5 + rng.Intn(20)
		cp.mine(gap)
		used += 3 + gap
	}
}

// playUpdates launches ns and registers one name per zonefile, each
// updated to that zonefile's hash.
func playUpdates(t *testing.T, n *regtest.Node, ns string, zonefiles [][]byte) {
	t.Helper()
	cp := newChainPlayer(t, n)
	defer cp.done()
	cp.launch(ns)
	keys := make([]*regtest.Key, len(zonefiles))
	for i := range zonefiles {
		keys[i] = cp.register("p" + strconv.Itoa(i) + "." + ns)
	}
	ch := cp.mine(0)
	for i, zf := range zonefiles {
		cp.send(cp.b.NameUpdate(keys[i], "p"+strconv.Itoa(i)+"."+ns, ch, zf))
	}
	cp.mine(1)
}

type logLine struct {
	Level   string `json:"level"`
	Message string `json:"message"`
	Height  int64  `json:"height"`
}

// startAtlasd runs `atlasd run` against n with its JSON log on a pipe.
func startAtlasd(t *testing.T, bin, datadir string, n *regtest.Node) (*exec.Cmd, <-chan logLine) {
	t.Helper()
	cmd := exec.Command(bin, "run", "--network", "regtest", "--datadir", datadir, "--config", "",
		"--bitcoind.rpc-host", n.RPCHost(), "--bitcoind.rpc-user", n.RPCUser(),
		"--bitcoind.poll-interval", "100ms", "--log-format", "json", "--log-level", "info",
		"--bitcoind.rpc-conns", "2", "--atlas.enabled=false", "--api.listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "ATLASD_BITCOIND_RPC_PASSWORD="+n.RPCPass())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan logLine, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var l logLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				select {
				case lines <- l:
				default:
				}
			}
		}
	}()
	return cmd, lines
}

// tipOf opens the state after a crash: it must open cleanly.
func tipOf(t *testing.T, dir string) int64 {
	t.Helper()
	m, err := state.Open(filepath.Join(dir, "regtest", "state"), params.Regtest(), state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatalf("state does not open after kill -9: %v", err)
	}
	defer m.Close()
	h, _ := m.Tip()
	return h
}

// TestKillDuringInitialSync kills atlasd with SIGKILL at random moments of
// its initial sync, restarts it each time, and requires the final state to
// equal an uninterrupted replay at every height.
func TestKillDuringInitialSync(t *testing.T) {
	n := regtest.Start(t)
	bnsHistory(t, n, 700)
	_, tip, err := n.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	bin := buildAtlasd(t)
	dir := t.TempDir()
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	first := int64(params.Regtest().FirstBlock)
	// Kills land at a random moment after start-up, within a window that
	// shrinks whenever a kill came after the sync had finished, so they
	// keep landing mid-sync on fast and slow machines alike.
	window := 400 * time.Millisecond
	midSync, kills := 0, 0
	for kills < 12 && midSync < 4 {
		kills++
		cmd, lines := startAtlasd(t, bin, dir, n)
		for l := range lines {
			if l.Message == "connected to the node" {
				break
			}
		}
		time.Sleep(time.Duration(rng.Int63n(int64(window))))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		h := tipOf(t, dir)
		t.Logf("kill %d (window %v): state at %d of %d", kills, window, h, tip)
		switch {
		case h >= int64(tip):
			// Too late: start over from an empty state with a smaller window.
			window /= 2
			os.RemoveAll(filepath.Join(dir, "regtest", "state"))
		case h >= first:
			midSync++
		}
	}
	if midSync < 2 {
		t.Fatalf("only %d of %d kills landed during the sync (seed %d); the test proved too little", midSync, kills, seed)
	}
	// The last run finishes, then stops on SIGTERM.
	cmd, lines := startAtlasd(t, bin, dir, n)
	deadline := time.After(2 * time.Minute)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("atlasd exited before reaching the tip")
			}
			if l.Message == "at node tip" && l.Height == int64(tip) {
				break wait
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("atlasd did not reach the tip in 2 minutes")
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("atlasd exit after SIGTERM: %v", err)
	}

	// Compare with an uninterrupted replay of the same chain.
	p := params.Regtest()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
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
	if err := follow.New(c, fresh, follow.Config{Network: net, FirstBlock: p.FirstBlock, Prevouts: bitcoind.PrevoutsTxIndex, Logger: zerolog.Nop()}).Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := state.Open(filepath.Join(dir, "regtest", "state"), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if h, _ := got.Tip(); h != int64(tip) {
		t.Fatalf("state at %d, node at %d", h, tip)
	}
	for h := p.FirstBlock; h <= uint64(tip); h++ {
		a, _ := got.ConsensusHash(h)
		b, _ := fresh.ConsensusHash(h)
		if a != b {
			t.Fatalf("height %d: killed-and-restarted %s, uninterrupted %s", h, a, b)
		}
	}
	a1, _ := got.Announcements(0, 1<<20)
	a2, _ := fresh.Announcements(0, 1<<20)
	if len(a1) != len(a2) || len(a1) == 0 {
		t.Fatalf("announcements: %d after kills, %d uninterrupted", len(a1), len(a2))
	}
	for i := range a1 {
		if a1[i] != a2[i] {
			t.Fatalf("announcement %d: %+v vs %+v", i, a1[i], a2[i])
		}
	}
	t.Logf("%d kills (%d mid-sync), %d blocks, %d announcements identical", kills, midSync, int64(tip)-int64(first)+1, len(a1))
}
