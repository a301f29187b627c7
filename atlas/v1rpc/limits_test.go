package v1rpc_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// v1's refusals, as blockstackd.py wrote them.
func refused(msg string) map[string]any { return map[string]any{"error": msg, "http_status": 400} }

var payloadRefusal = map[string]any{"error": "Invalid zone file payload (exceeds 40960 bytes and/or not base64-encoded)"}

func b64(b []byte) xmlrpc.Value { return xmlrpc.String(base64.StdEncoding.EncodeToString(b)) }

func strs(ss ...string) xmlrpc.Value {
	var vs []xmlrpc.Value
	for _, s := range ss {
		vs = append(vs, xmlrpc.String(s))
	}
	return xmlrpc.Array(vs...)
}

func ints(ns ...int64) xmlrpc.Value {
	var vs []xmlrpc.Value
	for _, n := range ns {
		vs = append(vs, xmlrpc.Int(n))
	}
	return xmlrpc.Array(vs...)
}

// TestLimitsAndHostileInput sends each method what v1 refused or treated
// specially, and checks the exact reply object.
func TestLimitsAndHostileInput(t *testing.T) {
	e := newEnv(t, nil)
	zf := e.f.Zonefiles
	absent := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("%040x", i))
		}
		return out
	}
	// 40,961 and 40,962 bytes encode to 54,616 characters, which the text
	// check admits; 40,963 bytes need 54,620.
	over1 := bytes.Repeat([]byte{'x'}, zonestore.MaxSize+1)
	over3 := bytes.Repeat([]byte{'x'}, zonestore.MaxSize+3)
	maxSize := bytes.Repeat([]byte{'x'}, zonestore.MaxSize)
	fiveItems := []xmlrpc.Value{b64(zf[0].Data), b64(zf[1].Data), b64(zf[2].Data), b64(zf[3].Data), b64(zf[4].Data)}
	five := xmlrpc.Array(fiveItems...)
	ok := func(fields map[string]any) map[string]any { return e.success(fields) }
	saved := func(s ...int) map[string]any { return ok(map[string]any{"saved": append([]int{}, s...)}) }
	noZonefiles := ok(map[string]any{"zonefiles": map[string]any{}})

	tests := []struct {
		name   string
		method string
		params []xmlrpc.Value
		want   map[string]any
	}{
		{"get_zonefiles 101 hashes", "get_zonefiles", []xmlrpc.Value{strs(absent(101)...)}, refused("Too many requests (no more than 100 allowed)")},
		{"get_zonefiles 100 absent hashes", "get_zonefiles", []xmlrpc.Value{strs(absent(100)...)}, noZonefiles},
		{"get_zonefiles not a list", "get_zonefiles", []xmlrpc.Value{xmlrpc.String(zf[0].Hash.String())}, refused("Invalid zonefile hashes")},
		{"get_zonefiles a struct", "get_zonefiles", []xmlrpc.Value{xmlrpc.Struct()}, refused("Invalid zonefile hashes")},
		{"get_zonefiles an int hash", "get_zonefiles", []xmlrpc.Value{xmlrpc.Array(xmlrpc.Int(1))}, refused("Invalid zone file hash")},
		{"get_zonefiles a 41-digit hash", "get_zonefiles", []xmlrpc.Value{strs(zf[0].Hash.String() + "0")}, refused("Invalid zone file hash")},
		{"get_zonefiles non-hex", "get_zonefiles", []xmlrpc.Value{strs(strings.Repeat("g", 40))}, refused("Invalid zone file hash")},
		{"get_zonefiles 39 digits and a newline", "get_zonefiles", []xmlrpc.Value{strs(zf[0].Hash.String()[:39] + "\n")}, noZonefiles},
		{"get_zonefiles 101 bad hashes", "get_zonefiles", []xmlrpc.Value{strs(append(absent(100), "x")...)}, refused("Too many requests (no more than 100 allowed)")},

		{"put_zonefiles 6", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(append(fiveItems[:5:5], b64(zf[5].Data))...)}, refused("Too many zonefiles")},
		{"put_zonefiles 5 announced", "put_zonefiles", []xmlrpc.Value{five}, saved(1, 1, 1, 1, 1)},
		{"put_zonefiles bad base64", "put_zonefiles", []xmlrpc.Value{strs("abc")}, payloadRefusal},
		{"put_zonefiles base64 with a space", "put_zonefiles", []xmlrpc.Value{strs("aGVs bG8=")}, payloadRefusal},
		{"put_zonefiles url-safe alphabet", "put_zonefiles", []xmlrpc.Value{strs("-_-_")}, payloadRefusal},
		{"put_zonefiles bad one spoils the call", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(zf[6].Data), xmlrpc.String("!"))}, payloadRefusal},
		{"put_zonefiles xmlrpc base64 value", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(xmlrpc.Base64(zf[6].Data))}, payloadRefusal},
		{"put_zonefiles an int", "put_zonefiles", []xmlrpc.Value{ints(1)}, payloadRefusal},
		{"put_zonefiles 40961 bytes", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(over1))}, saved(0)},
		{"put_zonefiles 40963 bytes", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(over3))}, payloadRefusal},
		{"put_zonefiles 40960 unannounced bytes", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(maxSize))}, saved(0)},
		{"put_zonefiles unannounced hash", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(zf[9].Data))}, saved(0)},
		{"put_zonefiles wrong bytes for an announced hash", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(e.edited))}, saved(0)},
		{"put_zonefiles empty string", "put_zonefiles", []xmlrpc.Value{strs("")}, saved(0)},
		{"put_zonefiles trailing newline", "put_zonefiles", []xmlrpc.Value{strs(base64.StdEncoding.EncodeToString(zf[6].Data) + "\n")}, saved(1)},
		{"put_zonefiles mixed", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(zf[9].Data), b64(zf[7].Data), b64(over1), b64(zf[7].Data))}, saved(0, 1, 0, 1)},
		{"put_zonefiles nothing", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array()}, saved()},
		{"put_zonefiles not a list", "put_zonefiles", []xmlrpc.Value{b64(zf[0].Data)}, refused("Invalid data")},

		{"inventory negative offset", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(-1), xmlrpc.Int(1)}, refused("invalid offset")},
		{"inventory length over the cap", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Int(524289)}, refused("invalid length")},
		{"inventory negative length", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Int(-1)}, refused("invalid length")},
		{"inventory boolean offset", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Bool(false), xmlrpc.Int(1)}, refused("invalid offset")},
		{"inventory double length", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Double(8)}, refused("invalid length")},
		{"inventory zero length", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Int(0)}, ok(map[string]any{"inv": ""})},

		{"by block count 101", "get_zonefiles_by_block", []xmlrpc.Value{xmlrpc.Int(256), xmlrpc.Int(300), xmlrpc.Int(0), xmlrpc.Int(101)}, refused("invalid count")},
		{"by block below the first block", "get_zonefiles_by_block", []xmlrpc.Value{xmlrpc.Int(255), xmlrpc.Int(300), xmlrpc.Int(0), xmlrpc.Int(1)}, refused("Invalid from_block height")},
		{"by block to as text", "get_zonefiles_by_block", []xmlrpc.Value{xmlrpc.Int(256), xmlrpc.String("300"), xmlrpc.Int(0), xmlrpc.Int(1)}, refused("Invalid to_block height")},
		{"by block negative offset", "get_zonefiles_by_block", []xmlrpc.Value{xmlrpc.Int(256), xmlrpc.Int(300), xmlrpc.Int(-1), xmlrpc.Int(1)}, refused("invalid offset")},
		{"by block reversed range", "get_zonefiles_by_block", []xmlrpc.Value{xmlrpc.Int(300), xmlrpc.Int(256), xmlrpc.Int(0), xmlrpc.Int(100)}, ok(map[string]any{"zonefile_info": []any{}})},
		{"by block count 0", "get_zonefiles_by_block", []xmlrpc.Value{xmlrpc.Int(256), xmlrpc.Int(300), xmlrpc.Int(0), xmlrpc.Int(0)}, ok(map[string]any{"zonefile_info": []any{}})},

		{"consensus at below the first block", "get_consensus_at", []xmlrpc.Value{xmlrpc.Int(255)}, refused("Invalid block height")},
		{"consensus at over 1e7", "get_consensus_at", []xmlrpc.Value{xmlrpc.Int(10_000_001)}, refused("Invalid block height")},
		{"consensus at 1e7", "get_consensus_at", []xmlrpc.Value{xmlrpc.Int(10_000_000)}, ok(map[string]any{"consensus": nil})},
		{"consensus hashes 33", "get_consensus_hashes", []xmlrpc.Value{ints(make([]int64, 33)...)}, refused("Too many block heights")},
		{"consensus hashes not a list", "get_consensus_hashes", []xmlrpc.Value{xmlrpc.Int(300)}, refused("Invalid block heights")},
		{"consensus hashes a bad height", "get_consensus_hashes", []xmlrpc.Value{xmlrpc.Array(xmlrpc.Int(300), xmlrpc.String("x"))}, refused("Invalid block height")},
		{"block from a short hash", "get_block_from_consensus", []xmlrpc.Value{xmlrpc.String(strings.Repeat("a", 31))}, refused("Not a valid consensus hash")},
		{"block from an int", "get_block_from_consensus", []xmlrpc.Value{xmlrpc.Int(1)}, refused("Not a valid consensus hash")},
		{"block from unknown hash", "get_block_from_consensus", []xmlrpc.Value{xmlrpc.String(strings.Repeat("0", 32))}, ok(map[string]any{"block_id": nil})},

		{"peer without port", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String(":6264")}, refused("Invalid remote peer address")},
		{"peer port 0", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String("203.0.113.1:0")}, refused("Invalid remote peer address")},
		{"peer port 65535", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String("203.0.113.1:65535")}, refused("Invalid remote peer address")},
		{"peer port text", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String("203.0.113.1:http")}, refused("Invalid remote peer address")},
		{"peer ipv6", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String("::1:6264")}, refused("Invalid remote peer address")},
		{"peer an int", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.Int(6264)}, refused("Invalid remote peer address")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := e.call(t, tc.method, tc.params...)
			if !sameJSON(t, got, tc.want) {
				t.Errorf("got  %s\nwant %s", mustJSON(got), mustJSON(tc.want))
			}
		})
	}
	if p, _ := e.core.Present(e.real.Hash); p {
		t.Error("wrong bytes made the announced hash present")
	}
	st := e.srv.Stats()
	if st.PutZonefiles.Errors.Load() != 9 || st.GetZonefiles.Errors.Load() != 7 {
		t.Errorf("errors counted: put %d, get %d", st.PutZonefiles.Errors.Load(), st.GetZonefiles.Errors.Load())
	}
}

// TestDispatcherExceptions covers calls v1's dispatcher itself failed on.
func TestDispatcherExceptions(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name   string
		method string
		params []xmlrpc.Value
		error  string
	}{
		{"unknown method", "get_name_record", []xmlrpc.Value{xmlrpc.String("foo.test")}, "KeyError: 'rpc_get_name_record'"},
		{"rpc_ prefix", "rpc_ping", nil, "KeyError: 'rpc_rpc_ping'"},
		{"stdlib introspection", "system.listMethods", nil, "KeyError: 'rpc_system.listMethods'"},
		{"too many parameters", "ping", []xmlrpc.Value{xmlrpc.Int(1)}, "TypeError: rpc_ping() takes exactly 1 argument (4 given)"},
		{"too few parameters", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0)}, "TypeError: rpc_get_zonefile_inventory() takes exactly 3 arguments (2 given)"},
		{"no parameters", "put_zonefiles", nil, "TypeError: rpc_put_zonefiles() takes exactly 2 arguments (1 given)"},
		{"non-ASCII string", "atlas_peer_exchange", []xmlrpc.Value{xmlrpc.String("hôte:6264")},
			"UnicodeEncodeError: 'ascii' codec can't encode character u'\\xf4' in position 1: ordinal not in range(128)"},
		{"non-ASCII method", "pïng", nil,
			"UnicodeEncodeError: 'ascii' codec can't encode character u'\\xef' in position 1: ordinal not in range(128)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := e.call(t, tc.method, tc.params...)
			tb, _ := got["traceback"].([]any)
			if got["error"] != tc.error || len(tb) == 0 || tb[len(tb)-1] != tc.error || len(got) != 2 {
				t.Errorf("got %s\nwant error %q with a traceback", mustJSON(got), tc.error)
			}
		})
	}
}

// TestPanicBecomesException: a failure inside a method (here the peer
// table) reaches the caller as v1's exception reply, not as a dropped
// connection, and the server goes on serving.
func TestPanicBecomesException(t *testing.T) {
	e := newEnv(t, nil)
	e.peers.fail = true
	got := e.call(t, "get_atlas_peers")
	if got["error"] != "Exception: peer table unavailable" || got["traceback"] == nil {
		t.Errorf("reply %v", got)
	}
	if e.srv.Stats().GetAtlasPeers.Errors.Load() != 1 {
		t.Error("error not counted")
	}
	if got := e.call(t, "ping"); got["status"] != "alive" {
		t.Errorf("after the panic: %v", got)
	}
}

// TestTransportLimits: the body cap and encoding rule of v1's handler
// hold in front of the methods.
func TestTransportLimits(t *testing.T) {
	e := newEnv(t, nil)
	body, err := xmlrpc.AppendCall(nil, "put_zonefiles", xmlrpc.Array(b64(bytes.Repeat([]byte{'z'}, 400*1024))))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		encoding string
		body     []byte
		status   int
	}{
		{"over 512 KiB", "/RPC2", "", body, http.StatusBadRequest},
		{"gzip body", "/", "gzip", []byte("x"), http.StatusNotImplemented},
		{"other path", "/v1/ping", "", []byte("x"), http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.url+tc.path, bytes.NewReader(tc.body))
			if tc.encoding != "" {
				req.Header.Set("Content-Encoding", tc.encoding)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}
