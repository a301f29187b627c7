package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// peerProc is one `atlasd run` process with its Atlas and API ports.
type peerProc struct {
	cmd   *exec.Cmd
	atlas string
	api   string
	log   *bytes.Buffer
}

func startPeer(t *testing.T, n *regtest.Node, seeds []string) *peerProc {
	t.Helper()
	p := &peerProc{atlas: freeAddr(t), api: freeAddr(t), log: &bytes.Buffer{}}
	args := []string{"run", "--config", "", "--network", "regtest", "--datadir", t.TempDir(),
		"--bitcoind.rpc-host", n.RPCHost(), "--bitcoind.rpc-user", n.RPCUser(),
		"--bitcoind.poll-interval", "200ms", "--log-format", "json",
		"--atlas.listen", p.atlas, "--api.listen", p.api}
	if len(seeds) > 0 {
		args = append(args, "--atlas.seeds", strings.Join(seeds, ","))
	}
	p.cmd = exec.Command(buildAtlasd(t), args...)
	p.cmd.Env = append(os.Environ(), "ATLASD_BITCOIND_RPC_PASSWORD="+n.RPCPass())
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("atlasd on %s exited with %v after SIGTERM", p.atlas, err)
			}
		case <-time.After(20 * time.Second):
			p.cmd.Process.Kill()
			t.Errorf("atlasd on %s did not stop within 20 s of SIGTERM", p.atlas)
		}
		if t.Failed() {
			t.Logf("log of atlasd %s:\n%s", p.atlas, tail(p.log.String(), 15))
		}
	})
	return p
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (p *peerProc) get(path string) (int, []byte) {
	resp, err := http.Get("http://" + p.api + path)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// waitFor polls cond every 50 ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

func (p *peerProc) height() int64 {
	code, b := p.get("/v1/info")
	if code != 200 {
		return -1
	}
	var info struct {
		Last int64 `json:"last_block_processed"`
	}
	json.Unmarshal(b, &info)
	return info.Last
}

// TestAtlasNetworkOfProcesses runs eight atlasd processes on one btcd:
// zonefiles put into one reach all eight; a ninth following a different
// chain is refused by the fork-set check and atlasd verify reports where
// the histories part.
func TestAtlasNetworkOfProcesses(t *testing.T) {
	n := regtest.Start(t)
	zonefiles := bnsHistoryWithZonefiles(t, n, 6)
	_, tip, err := n.BestBlock()
	if err != nil {
		t.Fatal(err)
	}
	var ps []*peerProc
	for i := 0; i < 8; i++ {
		var seeds []string
		if i > 0 {
			seeds = []string{ps[0].atlas, ps[i-1].atlas}
		}
		ps = append(ps, startPeer(t, n, seeds))
	}
	for i, p := range ps {
		waitFor(t, fmt.Sprintf("peer %d at the tip", i), time.Minute, func() bool { return p.height() == int64(tip) })
	}
	// Put every zonefile into peer 0 through the REST API.
	for _, zf := range zonefiles {
		resp, err := http.Post("http://"+ps[0].api+"/v1/zonefile", "application/octet-stream", bytes.NewReader(zf))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST /v1/zonefile: %d %s", resp.StatusCode, body)
		}
	}
	took := waitFor(t, "every zonefile on all 8 peers", 90*time.Second, func() bool {
		for _, p := range ps {
			for _, zf := range zonefiles {
				code, body := p.get("/v1/zonefiles/" + fmt.Sprintf("%x", bnstx.Hash160(zf)))
				if code != 200 || !bytes.Equal(body, zf) {
					return false
				}
			}
		}
		return true
	})
	t.Logf("%d zonefiles put into one peer reached all 8 in %v", len(zonefiles), took.Round(time.Millisecond))

	// The CLI reads a running daemon through its REST API.
	api := "http://" + ps[3].api
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"status", "--api", api}, 0, "zonefiles    6 of 6"},
		{[]string{"status", "--json", "--api", api}, 0, `"last_block_processed": ` + strconv.Itoa(int(tip))},
		{[]string{"names", "show", "p2.net00000", "--api", api}, 0, `"name": "p2.net00000"`},
		{[]string{"names", "show", "--history", "p2.net00000", "--api", api}, 0, `"op": "+"`},
		{[]string{"names", "show", "nobody.net00000", "--api", api}, 1, "name not found"},
		{[]string{"zonefile", "get", "p2.net00000", "--api", api}, 0, "$ORIGIN p2.net00000"},
		{[]string{"zonefile", "get", fmt.Sprintf("%x", bnstx.Hash160(zonefiles[4])), "--api", api}, 0, "$ORIGIN p4.net00000"},
		{[]string{"backup", "status", "--api", api}, 0, "no backup drivers configured"},
	} {
		out, code := atlasd(t, append(tc.args, "--config", "", "--network", "regtest")...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("atlasd %v: exit %d\n%s\nwant exit %d containing %q", tc.args, code, out, tc.code, tc.want)
		}
	}
	unannounced := filepath.Join(t.TempDir(), "x.zone")
	os.WriteFile(unannounced, []byte("$ORIGIN nobody\n"), 0o600)
	if out, code := atlasd(t, "zonefile", "put", unannounced, "--api", api, "--config", ""); code != 1 || !strings.Contains(out, "refused") {
		t.Errorf("zonefile put of an unannounced zonefile: exit %d %s", code, out)
	}

	// A peer on another chain (its own btcd, another history).
	other := regtest.Start(t)
	bnsHistoryWithZonefiles(t, other, 3)
	stranger := startPeer(t, other, []string{ps[0].atlas})
	_, otip, _ := other.BestBlock()
	waitFor(t, "stranger at its tip", time.Minute, func() bool { return stranger.height() == int64(otip) })
	out, code := atlasd(t, "verify", "--config", "", "--network", "regtest", "--peer", stranger.atlas, "--local", ps[0].atlas)
	if code != exitDiffer || !strings.Contains(out, "differ at height") {
		t.Fatalf("verify against the stranger: exit %d\n%s", code, out)
	}
	out, code = atlasd(t, "verify", "--config", "", "--network", "regtest", "--peer", ps[7].atlas, "--local", ps[0].atlas)
	if code != 0 || !strings.Contains(out, "agree") {
		t.Fatalf("verify between two honest peers: exit %d\n%s", code, out)
	}
	// The stranger never becomes a neighbour of peer 0.
	time.Sleep(2 * time.Second)
	_, body := ps[0].get("/v1/atlas/peers")
	var pl struct {
		Peers []struct {
			HostPort string `json:"host_port"`
			State    string `json:"state"`
		} `json:"peers"`
	}
	json.Unmarshal(body, &pl)
	for _, p := range pl.Peers {
		if strings.HasSuffix(p.HostPort, ":"+portOf(stranger.atlas)) {
			t.Fatalf("peer 0 admitted the peer on another fork: %s", body)
		}
	}
}

func portOf(hp string) string { _, p, _ := net.SplitHostPort(hp); return p }

// bnsHistoryWithZonefiles plays a namespace and k names, each updated with
// a zonefile, and returns the zonefiles' bytes.
func bnsHistoryWithZonefiles(t *testing.T, n *regtest.Node, k int) [][]byte {
	t.Helper()
	var zfs [][]byte
	for i := 0; i < k; i++ {
		zfs = append(zfs, []byte("$ORIGIN p"+strconv.Itoa(i)+".net00000\n$TTL 3600\n@ IN TXT \"network test "+n.RPCHost()+"\"\n"))
	}
	playUpdates(t, n, "net00000", zfs)
	return zfs
}
