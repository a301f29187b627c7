package xmlrpc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/atlasd/atlasd/internal/shareddata"
	"os"
	"strings"
	"testing"
)

// zonefilePairs reads a shared hash/text pair file (see shared/data/README.md).
func zonefilePairs(t *testing.T, path string) (hashes []string, texts map[string][]byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) == 0 || len(lines)%2 != 0 {
		t.Fatalf("%s: %d lines, want hash/text pairs", path, len(lines))
	}
	texts = make(map[string][]byte)
	for i := 0; i < len(lines); i += 2 {
		h := strings.ToLower(strings.TrimSpace(lines[i]))
		hashes = append(hashes, h)
		texts[h] = []byte(strings.ReplaceAll(lines[i+1], `\n`, "\n"))
	}
	return hashes, texts
}

// callJSON calls a v1 method and decodes the JSON document inside the
// XML-RPC string it returns.
func callJSON(t *testing.T, c *Client, method string, params ...Value) map[string]any {
	t.Helper()
	v, err := c.Call(context.Background(), method, params...)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	s, ok := v.AsString()
	if !ok {
		t.Fatalf("%s returned a %s, want a JSON string", method, v.Kind())
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("%s: %v in %q", method, err, s)
	}
	return out
}

// TestClientAgainstV1Peer talks to the shared v1-style peer, which runs the
// original's server stack (stdlib SimpleXMLRPCServer with the v1 handler's
// size and encoding checks).
func TestClientAgainstV1Peer(t *testing.T) {
	zonefiles := shareddata.Path(t, "data", "zonefiles", "name_zonefiles-tampered.txt")
	hashes, texts := zonefilePairs(t, zonefiles)
	addr := startPython(t, shareddata.Path(t, "tools", "v1peer", "v1_peer.py"), "--port", "0", "--zonefiles", zonefiles, "--quiet")
	c, err := NewClient("http://"+addr, ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ping", func(t *testing.T) {
		if got := callJSON(t, c, "ping"); got["status"] != "alive" {
			t.Errorf("ping = %v", got)
		}
	})
	t.Run("getinfo counts one more than the slots", func(t *testing.T) {
		got := callJSON(t, c, "getinfo")
		if n, _ := got["zonefile_count"].(float64); int(n) != len(hashes)+1 {
			t.Errorf("zonefile_count = %v, want %d", got["zonefile_count"], len(hashes)+1)
		}
	})

	// All 12 slots are advertised (the tampered one too: v1 marks it present),
	// so the vector is 0xff, 0xf0.
	full := []byte{0xff, 0xf0}
	if len(hashes) != 12 {
		t.Fatalf("fixture has %d zonefiles, want 12", len(hashes))
	}
	invTests := []struct {
		name           string
		offset, length int64
		want           []byte
	}{
		{"whole", 0, 524288, full},
		{"one byte", 0, 1, full[:1]},
		{"from byte 1", 1, 10, full[1:]},
		{"past the end", 2, 10, nil},
		{"zero length", 0, 0, nil},
	}
	for _, tc := range invTests {
		t.Run("inventory "+tc.name, func(t *testing.T) {
			got := callJSON(t, c, "get_zonefile_inventory", Int(tc.offset), Int(tc.length))
			inv, err := base64.StdEncoding.DecodeString(got["inv"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(inv, tc.want) {
				t.Errorf("inv = %x, want %x", inv, tc.want)
			}
		})
	}

	t.Run("argument errors are JSON, not faults", func(t *testing.T) {
		got := callJSON(t, c, "get_zonefile_inventory", Int(-1), Int(10))
		if got["error"] != "invalid offset" || got["http_status"] != float64(400) {
			t.Errorf("got %v", got)
		}
		got = callJSON(t, c, "get_zonefile_inventory", Int(0), Int(524289))
		if got["error"] != "invalid length" {
			t.Errorf("got %v", got)
		}
	})

	t.Run("unknown method is a JSON traceback", func(t *testing.T) {
		got := callJSON(t, c, "nope", Int(1))
		if got["error"] != "KeyError: 'rpc_nope'" {
			t.Errorf("got %v", got)
		}
	})

	t.Run("get_zonefiles serves only verifying files", func(t *testing.T) {
		list := make([]Value, len(hashes))
		for i, h := range hashes {
			list[i] = String(h)
		}
		got := callJSON(t, c, "get_zonefiles", Array(list...))
		zf, _ := got["zonefiles"].(map[string]any)
		if len(zf) != len(hashes)-1 {
			t.Errorf("served %d zonefiles, want %d (all but the tampered one)", len(zf), len(hashes)-1)
		}
		for h, b64 := range zf {
			data, err := base64.StdEncoding.DecodeString(b64.(string))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, texts[h]) {
				t.Errorf("%s: served bytes differ from the fixture", h)
			}
		}
	})

	t.Run("oversize request refused with 400", func(t *testing.T) {
		_, err := c.Call(context.Background(), "put_zonefiles", Array(String(strings.Repeat("A", DefaultMaxRequestBytes))))
		var he *HTTPError
		if !errors.As(err, &he) || he.StatusCode != 400 {
			t.Errorf("err = %v, want HTTP 400", err)
		}
	})
}
