package v1rpc_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// FuzzPutZonefiles sends put_zonefiles arbitrary payloads through the whole
// handler, against a node on the replayed chain, and checks what must hold
// for any input: a JSON string reply in a v1 shape; when it is a success,
// one flag per item, set exactly for the items that decode (as v1 decoded
// them) to at most 40,960 bytes whose hash is announced; those zonefiles
// readable afterwards; and the inventory still equal to what the store
// holds.
//
// The input is split at NUL bytes into items. mode bit 0 base64-encodes
// each item first (so that the fuzzer explores zonefile contents rather
// than base64 syntax), bit 1 adds a real announced zonefile, bit 2 sends the
// first item alone instead of a list.
func FuzzPutZonefiles(f *testing.F) {
	e := newEnv(f, nil)
	zf := e.f.Zonefiles
	for _, seed := range []struct {
		data []byte
		mode uint8
	}{
		{zf[0].Data, 1},
		{[]byte(base64.StdEncoding.EncodeToString(zf[1].Data)), 0},
		{append(append([]byte{}, zf[2].Data...), append([]byte{0}, e.edited...)...), 1},
		{[]byte("abc\x00aGVsbG8=\n\x00"), 2},
		{bytes.Repeat([]byte{'A'}, 54616), 0},
		{bytes.Repeat([]byte{'x'}, 40961), 1},
		{[]byte("\x00\x00\x00\x00\x00"), 3},
		{[]byte("====\x00-_-_\x00é"), 4},
		{nil, 0},
	} {
		f.Add(seed.data, seed.mode)
	}
	announced := map[string]bool{}
	anns, err := e.f.Chain.Announcements(0, e.f.Chain.Slots())
	if err != nil {
		f.Fatal(err)
	}
	for _, a := range anns {
		announced[a.Hash.String()] = true
	}

	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		var items []string
		for _, part := range bytes.Split(data, []byte{0}) {
			if mode&1 != 0 {
				items = append(items, base64.StdEncoding.EncodeToString(part))
			} else {
				items = append(items, string(part))
			}
		}
		if mode&2 != 0 {
			items = append(items, base64.StdEncoding.EncodeToString(zf[3].Data))
		}
		var vs []xmlrpc.Value
		for _, s := range items {
			vs = append(vs, xmlrpc.String(s))
		}
		param := xmlrpc.Array(vs...)
		if mode&4 != 0 {
			param = vs[0]
		}
		body, err := xmlrpc.AppendCall(nil, "put_zonefiles", param)
		if err != nil {
			t.Skip("not encodable as XML-RPC text:", err)
		}
		req := httptest.NewRequest(http.MethodPost, "/RPC2", bytes.NewReader(body))
		req.RemoteAddr = "192.0.2.1:4000"
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			if len(body) > 512*1024 && rec.Code == http.StatusBadRequest {
				return
			}
			t.Fatalf("HTTP %d", rec.Code)
		}
		v, err := xmlrpc.ParseResponse(rec.Body.Bytes(), xmlrpc.Limits{})
		if err != nil {
			t.Fatalf("reply: %v", err)
		}
		text, ok := v.AsString()
		if !ok {
			t.Fatalf("reply is a %s", v.Kind())
		}
		var reply map[string]any
		if err := json.Unmarshal([]byte(text), &reply); err != nil {
			t.Fatalf("reply %q: %v", text, err)
		}
		if msg, bad := reply["error"]; bad {
			if _, isStr := msg.(string); !isStr || len(reply) > 2 {
				t.Fatalf("error reply %s", text)
			}
			return
		}
		saved, _ := reply["saved"].([]any)
		if reply["status"] != true || len(saved) != len(items) || mode&4 != 0 {
			t.Fatalf("items %d, reply %s", len(items), text)
		}
		for i, s := range items {
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(s, "\n"))
			want := err == nil && len(raw) <= zonestore.MaxSize && announced[inventory.HashOf(raw).String()]
			if got := saved[i] == 1.0; got != want {
				t.Fatalf("item %d (%d bytes decoded, err %v): saved %v, want %v", i, len(raw), err, saved[i], want)
			}
			if !want {
				continue
			}
			if stored, err := e.core.Get(inventory.HashOf(raw)); err != nil || !bytes.Equal(stored, raw) {
				t.Fatalf("item %d saved but not readable: %v", i, err)
			}
		}
		if got, want := e.core.Inventory(0, 524288), e.wantInventory(t); !bytes.Equal(got, want) {
			t.Fatalf("inventory %x, store says %x", got, want)
		}
	})
}
