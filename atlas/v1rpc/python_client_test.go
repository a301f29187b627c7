package v1rpc_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/v1rpc"
)

// pyClient runs a list of calls through the stdlib XML-RPC client of the
// interpreter it runs under (xmlrpc.client on Python 3, xmlrpclib, which v1
// nodes used, on 2.7) and prints each result: the JSON text the server
// returned, or the fault or transport error.
const pyClient = `
import base64, json, sys
try:
    import xmlrpc.client as xc
except ImportError:
    import xmlrpclib as xc
plan = json.load(sys.stdin)
proxy = xc.ServerProxy(plan["url"], allow_none=True)
def val(t):
    k, v = t
    if k == "int": return int(v)
    if k == "str": return v
    if k == "bool": return bool(v)
    if k == "float": return float(v)
    if k == "nil": return None
    if k == "b64": return xc.Binary(base64.b64decode(v))
    if k == "list": return [val(x) for x in v]
    raise ValueError(k)
out = []
for c in plan["calls"]:
    try:
        r = getattr(proxy, c["method"])(*[val(p) for p in c["params"]])
        if isinstance(r, (type(u""), type(""))):
            out.append({"json": r})
        else:
            out.append({"other": repr(r)})
    except xc.Fault as f:
        out.append({"fault": f.faultString})
    except Exception as e:
        out.append({"exception": repr(e)})
print(json.dumps(out))
`

// These build the Python side's typed parameters.
func pyInt(n int64) []any     { return []any{"int", n} }
func pyStr(s string) []any    { return []any{"str", s} }
func pyBool(b bool) []any     { return []any{"bool", b} }
func pyBin(b []byte) []any    { return []any{"b64", base64.StdEncoding.EncodeToString(b)} }
func pyList(v ...[]any) []any { return []any{"list", v} }
func pyB64(b []byte) []any    { return pyStr(base64.StdEncoding.EncodeToString(b)) }

type pyCall struct {
	name   string
	method string
	params [][]any
	// want is the reply; nil skips the comparison (check does it).
	want  func() map[string]any
	check func(t *testing.T, got map[string]any)
}

// runPyCalls runs calls in order in one Python process and checks each.
func runPyCalls(t *testing.T, py string, e *env, calls []pyCall) {
	t.Helper()
	var plan struct {
		URL   string           `json:"url"`
		Calls []map[string]any `json:"calls"`
	}
	plan.URL = e.url
	for _, c := range calls {
		params := c.params
		if params == nil {
			params = [][]any{}
		}
		plan.Calls = append(plan.Calls, map[string]any{"method": c.method, "params": params})
	}
	in, _ := json.Marshal(plan)
	cmd := exec.Command(py, "-c", pyClient)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, stderr.String())
	}
	var results []map[string]string
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(calls) {
		t.Fatalf("python printed %d results (%v): %s", len(results), err, out)
	}
	for i, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			text, ok := results[i]["json"]
			if !ok {
				t.Fatalf("no JSON string: %v", results[i])
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(text), &got); err != nil {
				t.Fatalf("%v in %q", err, text)
			}
			if c.want != nil {
				if want := c.want(); !sameJSON(t, got, want) {
					t.Errorf("got  %s\nwant %s", text, mustJSON(want))
				}
			}
			if c.check != nil {
				c.check(t, got)
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPythonStdlibClient calls every method from Python's own XML-RPC
// client, storing zonefiles on the way, and checks each JSON reply against
// values computed from the chain and the store.
func TestPythonStdlibClient(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	e := newEnv(t, nil)
	runPyCalls(t, py, e, pythonPlan(t, e))
	if got, want := e.core.Inventory(0, 524288), e.wantInventory(t); !bytes.Equal(got, want) {
		t.Errorf("node inventory %x, store says %x", got, want)
	}
	if q := e.peers.takeQueued(); len(q) != 2 || q[0] != "203.0.113.9:6264" || q[1] != "127.0.0.1:6264" {
		t.Errorf("queued peers %v", q)
	}
	st := e.srv.Stats()
	if n := st.PutZonefiles.Requests.Load(); n != 3 {
		t.Errorf("put_zonefiles requests %d, want 3", n)
	}
	if n := st.ZonefilesStored.Load(); n != 4 {
		t.Errorf("zonefiles stored %d, want 4", n)
	}
	if n := st.Unknown.Errors.Load(); n != 1 {
		t.Errorf("unknown-method errors %d, want 1", n)
	}
	if st.GetZonefiles.Bytes.Load() == 0 || st.ZonefilesServed.Load() != 2 {
		t.Errorf("get_zonefiles served %d zonefiles in %d bytes", st.ZonefilesServed.Load(), st.GetZonefiles.Bytes.Load())
	}
}

// TestPython27Client repeats the plan with Python 2.7's xmlrpclib, the
// client v1 nodes were built on, when it is installed.
func TestPython27Client(t *testing.T) {
	py := v1rpc.Python27(t)
	e := newEnv(t, nil)
	runPyCalls(t, py, e, pythonPlan(t, e))
}

// pythonPlan is the call sequence both Python clients run.
func pythonPlan(t *testing.T, e *env) []pyCall {
	zf := e.f.Zonefiles
	slots := e.f.Chain.Slots()
	ch := func(h int64) string { s, _ := e.f.Chain.ConsensusHash(h); return s }
	// The plan runs in one Python process and is checked afterwards, so
	// expectations are computed from what the plan will have stored by then.
	nothing := map[inventory.Hash]bool{}
	stored := map[inventory.Hash]bool{zf[0].Hash: true, zf[1].Hash: true, zf[5].Hash: true, e.real.Hash: true}
	inv := func(held map[inventory.Hash]bool) func() map[string]any {
		return func() map[string]any {
			return e.success(map[string]any{"inv": base64.StdEncoding.EncodeToString(e.inventoryFor(t, held))})
		}
	}
	b1 := e.firstSlotOf(t, e.b1)
	return []pyCall{
		{name: "ping", method: "ping", want: func() map[string]any {
			return map[string]any{"status": "alive", "version": "22.0.0.0"}
		}},
		{name: "getinfo", method: "getinfo", want: func() map[string]any {
			return map[string]any{"last_block_seen": e.f.Tip() + 3, "consensus": ch(e.f.Tip()),
				"server_version": "22.0.0.0", "last_block_processed": e.f.Tip(), "server_alive": true,
				"indexing": false, "testnet": true, "first_block": 256, "zonefile_count": slots + 1}
		}},
		{name: "inventory before any put", method: "get_zonefile_inventory", params: [][]any{pyInt(0), pyInt(524288)},
			want: inv(nothing), check: func(t *testing.T, got map[string]any) {
				if got["inv"] != base64.StdEncoding.EncodeToString(make([]byte, (slots+7)/8)) {
					t.Errorf("inventory %v before any zonefile was stored", got["inv"])
				}
			}},
		{name: "put five", method: "put_zonefiles",
			params: [][]any{pyList(pyB64(zf[0].Data), pyB64(zf[1].Data), pyB64(zf[5].Data), pyB64(zf[9].Data), pyB64(e.edited))},
			want:   func() map[string]any { return e.success(map[string]any{"saved": []int{1, 1, 1, 0, 0}}) }},
		{name: "put again and the true bytes", method: "put_zonefiles",
			params: [][]any{pyList(pyB64(zf[0].Data), pyB64(e.real.Data))},
			want:   func() map[string]any { return e.success(map[string]any{"saved": []int{1, 1}}) }},
		{name: "put as xmlrpc base64", method: "put_zonefiles", params: [][]any{pyList(pyBin(zf[2].Data))},
			want: func() map[string]any {
				return map[string]any{"error": "Invalid zone file payload (exceeds 40960 bytes and/or not base64-encoded)"}
			}},
		{name: "whole inventory", method: "get_zonefile_inventory", params: [][]any{pyInt(0), pyInt(524288)},
			want: inv(stored), check: func(t *testing.T, got map[string]any) {
				b, _ := base64.StdEncoding.DecodeString(got["inv"].(string))
				ones := 0
				for _, c := range b {
					for ; c != 0; c &= c - 1 {
						ones++
					}
				}
				// zonefile 0 once, 1 twice, 5 once, the true zonefile once
				if ones != 5 {
					t.Errorf("%d bits set, want 5", ones)
				}
			}},
		{name: "inventory tail", method: "get_zonefile_inventory", params: [][]any{pyInt(int64((slots+7)/8 - 2)), pyInt(100)},
			want: func() map[string]any {
				w := e.inventoryFor(t, stored)
				return e.success(map[string]any{"inv": base64.StdEncoding.EncodeToString(w[len(w)-2:])})
			}},
		{name: "inventory past the end", method: "get_zonefile_inventory", params: [][]any{pyInt(1 << 30), pyInt(8)},
			want: func() map[string]any { return e.success(map[string]any{"inv": ""}) }},
		{name: "inventory offset as boolean", method: "get_zonefile_inventory", params: [][]any{pyBool(true), pyInt(8)},
			want: func() map[string]any { return map[string]any{"error": "invalid offset", "http_status": 400} }},
		{name: "get zonefiles", method: "get_zonefiles",
			params: [][]any{pyList(pyStr(zf[0].Hash.String()), pyStr(zf[1].Hash.String()), pyStr(zf[2].Hash.String()),
				pyStr(zf[9].Hash.String()), pyStr(strings.ToUpper(zf[0].Hash.String())))},
			want: func() map[string]any {
				return e.success(map[string]any{"zonefiles": map[string]any{
					zf[0].Hash.String(): base64.StdEncoding.EncodeToString(zf[0].Data),
					zf[1].Hash.String(): base64.StdEncoding.EncodeToString(zf[1].Data)}})
			}},
		{name: "zonefiles by block", method: "get_zonefiles_by_block",
			params: [][]any{pyInt(e.b1), pyInt(e.b4), pyInt(0), pyInt(100)},
			want:   func() map[string]any { return e.success(map[string]any{"zonefile_info": e.rows(t, b1, slots)}) }},
		{name: "zonefiles by block, paged", method: "get_zonefiles_by_block",
			params: [][]any{pyInt(256), pyInt(e.f.Tip()), pyInt(20), pyInt(5)},
			want:   func() map[string]any { return e.success(map[string]any{"zonefile_info": e.rows(t, 20, 25)}) }},
		{name: "consensus at", method: "get_consensus_at", params: [][]any{pyInt(e.b3)},
			want: func() map[string]any { return e.success(map[string]any{"consensus": ch(e.b3)}) }},
		{name: "consensus at an unprocessed height", method: "get_consensus_at", params: [][]any{pyInt(e.f.Tip() + 50)},
			want: func() map[string]any { return e.success(map[string]any{"consensus": nil}) }},
		{name: "consensus hashes", method: "get_consensus_hashes",
			params: [][]any{pyList(pyInt(256), pyInt(e.b1), pyInt(e.f.Tip()), pyInt(e.f.Tip()+1), pyInt(256))},
			want: func() map[string]any {
				return e.success(map[string]any{"consensus_hashes": map[string]any{
					"256": ch(256), itoa(e.b1): ch(e.b1), itoa(e.f.Tip()): ch(e.f.Tip()), itoa(e.f.Tip() + 1): nil}})
			}},
		{name: "block from consensus", method: "get_block_from_consensus", params: [][]any{pyStr(ch(e.b2))},
			want: func() map[string]any { return e.success(map[string]any{"block_id": e.b2}) }},
		{name: "block from upper-case consensus", method: "get_block_from_consensus", params: [][]any{pyStr(strings.ToUpper(ch(e.b2)))},
			want: func() map[string]any { return e.success(map[string]any{"block_id": nil}) }},
		{name: "peer exchange", method: "atlas_peer_exchange", params: [][]any{pyStr("203.0.113.9:6264")},
			check: func(t *testing.T, got map[string]any) { checkPeers(t, e, got) }},
		{name: "get atlas peers", method: "get_atlas_peers",
			check: func(t *testing.T, got map[string]any) { checkPeers(t, e, got) }},
		{name: "unknown method", method: "get_name_blockchain_record", params: [][]any{pyStr("foo.test")},
			check: func(t *testing.T, got map[string]any) {
				if got["error"] != "KeyError: 'rpc_get_name_blockchain_record'" || got["traceback"] == nil {
					t.Errorf("reply %v", got)
				}
			}},
	}
}

// checkPeers checks a peer-exchange reply: a success with at most 80 of the
// neighbours, no repeats.
func checkPeers(t *testing.T, e *env, got map[string]any) {
	t.Helper()
	if got["status"] != true {
		t.Fatalf("reply %v", got)
	}
	list, _ := got["peers"].([]any)
	if len(list) != 80 {
		t.Errorf("%d peers, want 80 of %d", len(list), len(e.peers.neighbors))
	}
	seen := map[string]bool{}
	for _, p := range list {
		s, _ := p.(string)
		if seen[s] || !strings.HasPrefix(s, "198.51.100.") {
			t.Errorf("peer %q", s)
		}
		seen[s] = true
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
