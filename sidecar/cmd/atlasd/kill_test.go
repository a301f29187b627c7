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

// bnsHistory mines a namespace, names and zonefile updates spread over
// many blocks above the regtest first block.
func bnsHistory(t *testing.T, n *regtest.Node, blocks int) {
	t.Helper()
	p := params.Regtest()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	b := bnstx.New(n, net)
	if _, err := n.Generate(uint32(p.FirstBlock)); err != nil {
		t.Fatal(err)
	}
	// Consensus hashes come from a replay kept in step, as a wallet would
	// ask its node.
	c, err := bitcoind.New(bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	f := follow.New(c, m, follow.Config{Network: net, FirstBlock: p.FirstBlock, Prevouts: bitcoind.PrevoutsTxIndex, Logger: zerolog.Nop()})
	mine := func(k int) string {
		if _, err := n.Generate(uint32(k)); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		h, _ := m.Tip()
		ch, _ := m.ConsensusHash(uint64(h))
		return ch
	}
	send := func(tb *regtest.TxBuilder, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.Send(); err != nil {
			t.Fatal(err)
		}
	}
	creator, revealer := n.NewKey(), n.NewKey()
	n.Fund(creator, 5*btcutil.SatoshiPerBitcoin)
	n.Fund(revealer, btcutil.SatoshiPerBitcoin)
	ch := mine(1)
	send(b.NamespacePreorder(creator, "killtest00", revealer, ch, btcutil.SatoshiPerBitcoin))
	mine(1)
	send(b.NamespaceReveal(creator, "killtest00", revealer, bnstx.CheapRules(100000)), nil)
	mine(1)
	send(b.NamespaceReady(revealer, "killtest00"), nil)
	ch = mine(1)
	rng := rand.New(rand.NewSource(7))
	owners := map[string]*regtest.Key{}
	used := 4
	for i := 0; used < blocks; i++ {
		name := "k" + strconv.Itoa(i) + ".killtest00"
		k := n.NewKey()
		n.Fund(k, btcutil.SatoshiPerBitcoin/10)
		ch = mine(1)
		send(b.NamePreorder(k, name, k, ch, 100000))
		mine(1)
		send(b.NameRegister(k, name, k), nil)
		ch = mine(1)
		owners[name] = k
		for nm, ok := range owners {
			if rng.Intn(3) == 0 {
				send(b.NameUpdate(ok, nm, ch, []byte(nm+strconv.Itoa(i))))
			}
		}
		gap := 5 + rng.Intn(20)
		mine(gap)
		used += 3 + gap
	}
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
		"--bitcoind.poll-interval", "100ms", "--log-format", "json", "--log-level", "info")
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
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	first := int64(params.Regtest().FirstBlock)
	midSync := 0
	for i := 0; i < 5; i++ {
		cmd, _ := startAtlasd(t, bin, dir, n)
		time.Sleep(time.Duration(150+rng.Intn(700)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		h := tipOf(t, dir)
		t.Logf("kill %d: state at %d of %d", i, h, tip)
		if h >= first && h < int64(tip) {
			midSync++
		}
	}
	if midSync == 0 {
		t.Fatal("no kill landed during the sync; the test proved nothing")
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
	t.Logf("%d kills (%d mid-sync), %d blocks, %d announcements identical", 5, midSync, int64(tip)-int64(first)+1, len(a1))
}
