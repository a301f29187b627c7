package v1rpc_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
	"github.com/atlasd/atlasd/internal/shareddata"
)

// startV1Peer runs the shared v1-style peer (stdlib SimpleXMLRPCServer with
// the original's reply shapes and checks) and returns its URL.
func startV1Peer(t *testing.T, args ...string) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	cmd := exec.Command(py, append([]string{shareddata.Path(t, "tools", "v1peer", "v1_peer.py"), "--port", "0", "--quiet"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "READY ")
		if !ok {
			t.Fatalf("v1 peer said %q", line)
		}
		return "http://" + addr
	case <-time.After(30 * time.Second):
		t.Fatal("v1 peer did not start")
	}
	return ""
}

// TestSameRepliesAsV1Peer sends the same calls, ordinary and hostile, to our
// server and to the v1-style peer holding the same inventory (same slot
// order, same zonefiles, same tip) and compares the JSON replies. Calls that
// store zonefiles go to both, so the two stay in step.
func TestSameRepliesAsV1Peer(t *testing.T) {
	e := newEnv(t, func(c *v1rpc.Config) { c.BlockCount = nil })
	zf := e.f.Zonefiles
	putOK(t, e, zf[0].Data, zf[1].Data, zf[5].Data, e.real.Data)

	dir := t.TempDir()
	anns, err := e.f.Chain.Announcements(0, e.f.Chain.Slots())
	if err != nil {
		t.Fatal(err)
	}
	var order, pairs []string
	for _, a := range anns {
		order = append(order, a.Hash.String())
	}
	for _, z := range []zonefile{zf[0], zf[1], zf[5], e.real} {
		if strings.Contains(string(z.Data), `\n`) {
			t.Fatalf("zonefile %s has a literal \\n; the pair format cannot carry it", z.Hash)
		}
		pairs = append(pairs, z.Hash.String(), strings.ReplaceAll(string(z.Data), "\n", `\n`))
	}
	orderFile, pairFile := filepath.Join(dir, "order.txt"), filepath.Join(dir, "zonefiles.txt")
	if err := os.WriteFile(orderFile, []byte(strings.Join(order, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pairFile, []byte(strings.Join(pairs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tip := e.f.Tip()
	ch, _ := e.f.Chain.ConsensusHash(tip)
	v1url := startV1Peer(t, "--zonefiles", pairFile, "--inventory", orderFile, "--consensus", ch,
		"--block", fmt.Sprint(tip), "--testnet", "--neighbors", strings.Join(e.peers.neighbors, ","))

	hashes := func(ss ...string) xmlrpc.Value { return strs(ss...) }
	h := func(i int) string { return zf[i].Hash.String() }
	var many []string
	for i := range 101 {
		many = append(many, fmt.Sprintf("%040x", i))
	}
	over1 := make([]byte, 40961)
	over3 := make([]byte, 40963)
	six := []xmlrpc.Value{b64(zf[2].Data), b64(zf[2].Data), b64(zf[2].Data), b64(zf[2].Data), b64(zf[2].Data), b64(zf[2].Data)}

	calls := []struct {
		name   string
		method string
		params []xmlrpc.Value
	}{
		{"getinfo", "getinfo", nil},
		{"ping", "ping", nil},
		{"inventory whole", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Int(524288)}},
		{"inventory slices", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(2), xmlrpc.Int(3)}},
		{"inventory past end", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(100), xmlrpc.Int(1)}},
		{"inventory negative", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(-1), xmlrpc.Int(1)}},
		{"inventory too long", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Int(524289)}},
		{"inventory bool", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Bool(true), xmlrpc.Int(1)}},
		{"inventory text", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.String("0"), xmlrpc.Int(1)}},
		{"inventory double", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Double(1.5)}},
		{"get held and absent", "get_zonefiles", []xmlrpc.Value{hashes(h(0), h(1), h(2), h(9), h(0))}},
		{"get upper case", "get_zonefiles", []xmlrpc.Value{hashes(strings.ToUpper(h(0)))}},
		{"get 39 and newline", "get_zonefiles", []xmlrpc.Value{hashes(h(0)[:39] + "\n")}},
		{"get 101", "get_zonefiles", []xmlrpc.Value{hashes(many...)}},
		{"get int", "get_zonefiles", []xmlrpc.Value{ints(5)}},
		{"get not a list", "get_zonefiles", []xmlrpc.Value{xmlrpc.String(h(0))}},
		{"get 41", "get_zonefiles", []xmlrpc.Value{hashes(h(0) + "a")}},
		{"put announced", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(zf[2].Data), b64(zf[9].Data), b64(e.edited))}},
		{"put six", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(six...)}},
		{"put bad base64", "put_zonefiles", []xmlrpc.Value{strs("abc")}},
		{"put binary", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(xmlrpc.Base64(zf[3].Data))}},
		{"put 40961", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(over1))}},
		{"put 40963", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(over3))}},
		{"put empty", "put_zonefiles", []xmlrpc.Value{strs("")}},
		{"put with newline", "put_zonefiles", []xmlrpc.Value{strs(base64.StdEncoding.EncodeToString(zf[3].Data) + "\n")}},
		{"put not a list", "put_zonefiles", []xmlrpc.Value{b64(zf[3].Data)}},
		{"put nothing", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array()}},
		{"inventory after puts", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Int(524288)}},
		{"consensus at tip", "get_consensus_at", []xmlrpc.Value{xmlrpc.Int(tip)}},
		{"consensus at text", "get_consensus_at", []xmlrpc.Value{xmlrpc.String("300")}},
		{"consensus at 1e7+1", "get_consensus_at", []xmlrpc.Value{xmlrpc.Int(10_000_001)}},
		{"consensus hashes tip", "get_consensus_hashes", []xmlrpc.Value{ints(tip, tip)}},
		{"consensus hashes 33", "get_consensus_hashes", []xmlrpc.Value{ints(make([]int64, 33)...)}},
		{"consensus hashes not a list", "get_consensus_hashes", []xmlrpc.Value{xmlrpc.Int(tip)}},
		{"consensus hashes bad item", "get_consensus_hashes", []xmlrpc.Value{xmlrpc.Array(xmlrpc.Bool(true))}},
		{"peer exchange", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String("203.0.113.9:6264")}},
		{"peer exchange no port", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String("203.0.113.9")}},
		{"peer exchange bad port", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String("203.0.113.9:0")}},
		{"peer exchange int", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.Int(1)}},
		{"get atlas peers", "get_atlas_peers", nil},
		{"unknown method", "get_nothing", nil},
		{"wrong arity", "get_zonefiles", nil},
	}
	ours, _ := xmlrpc.NewClient(e.url, xmlrpc.ClientConfig{})
	theirs, _ := xmlrpc.NewClient(v1url, xmlrpc.ClientConfig{})
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			a := callBoth(t, ours, c.method, c.params)
			b := callBoth(t, theirs, c.method, c.params)
			if !sameReply(t, a, b) {
				t.Errorf("ours %s\nv1   %s", mustJSON(a), mustJSON(b))
			}
		})
	}
}

func callBoth(t *testing.T, c *xmlrpc.Client, method string, params []xmlrpc.Value) map[string]any {
	t.Helper()
	v, err := c.Call(context.Background(), method, params...)
	if err != nil {
		t.Fatalf("%s at %s: %v", method, c.Endpoint(), err)
	}
	return decodeReply(t, method, v)
}

// sameReply compares replies up to what legitimately differs: the v1 peer
// runs Python 3 (so exception texts other than KeyError differ and only the
// shape is compared), it hard-codes mainnet's first_block, and peer lists
// are random samples (compared by size and membership).
func sameReply(t *testing.T, a, b map[string]any) bool {
	t.Helper()
	norm := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		delete(out, "first_block")
		if tb, ok := out["traceback"]; ok {
			out["traceback"] = tb != nil
			if s, _ := out["error"].(string); !strings.HasPrefix(s, "KeyError") {
				out["error"] = "exception"
			}
		}
		if ps, ok := out["peers"].([]any); ok {
			var ss []string
			for _, p := range ps {
				ss = append(ss, p.(string))
			}
			sort.Strings(ss)
			out["peers"] = len(ss)
			for _, s := range ss {
				if !strings.HasPrefix(s, "198.51.100.") {
					out["peers"] = "stranger " + s
				}
			}
		}
		return out
	}
	x, _ := json.Marshal(norm(a))
	y, _ := json.Marshal(norm(b))
	return string(x) == string(y)
}
