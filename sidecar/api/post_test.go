package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/sidecar/api"
)

// TestPostZonefile posts real zonefiles in each shape the endpoint takes,
// and refusals of each kind, in order against one peer: a zonefile stored
// by an earlier row is held for the later ones.
func TestPostZonefile(t *testing.T) {
	e := newEnv(t)
	jsonOf := func(k, v string) []byte { b, _ := json.Marshal(map[string]string{k: v}); return b }
	z3, h3 := e.zonefile(3)
	z4, h4 := e.zonefile(4)
	z5, h5 := e.zonefile(5)
	z7, h7 := e.zonefile(announcedCount - 1)
	held, heldHash := e.zonefile(0)
	unannounced, _ := e.zonefile(announcedCount)
	tests := []struct {
		name, ctype string
		body        []byte
		code        int
		hash        string // the zonefile_hash of a 200
		stored      []byte
	}{
		{"raw", "", z3, 200, h3, z3},
		{"raw as text/plain", "text/plain; charset=utf-8", z3, 200, h3, z3},
		{"JSON text", "application/json", jsonOf("zonefile", string(z4)), 200, h4, z4},
		{"JSON base64", "application/json; charset=utf-8", jsonOf("zonefile_b64", base64.StdEncoding.EncodeToString(z5)), 200, h5, z5},
		{"the name's current zonefile", "", z7, 200, h7, z7},
		{"already held", "", held, 200, heldHash, held},
		{"unannounced", "", unannounced, 400, "", nil},
		{"JSON without a zonefile", "application/json", []byte(`{"zonefile_hash": "` + h3 + `"}`), 400, "", nil},
		{"JSON null zonefile", "application/json", []byte(`{"zonefile": null}`), 400, "", nil},
		{"broken JSON", "application/json", append([]byte(`{"zonefile": "`), z3...), 400, "", nil},
		{"JSON array", "application/json", []byte(`["x"]`), 400, "", nil},
		{"bad base64", "application/json", []byte(`{"zonefile_b64": "!!!"}`), 400, "", nil},
		{"JSON as raw bytes", "text/plain", jsonOf("zonefile", string(z3)), 400, "", nil},
		{"empty", "", nil, 400, "", nil},
		{"empty JSON text", "application/json", []byte(`{"zonefile": ""}`), 400, "", nil},
		{"zonefile over 40 KiB", "", bytes.Repeat([]byte{'x'}, api.MaxZonefile+1), 400, "", nil},
		{"JSON zonefile over 40 KiB", "application/json", jsonOf("zonefile", strings.Repeat("x", api.MaxZonefile+1)), 400, "", nil},
		{"body of 80 KiB", "", bytes.Repeat([]byte{'x'}, 2*api.MaxZonefile+1), 400, "", nil},
		{"body at the limit", "", bytes.Repeat([]byte{'x'}, api.MaxBody), 400, "", nil},
		{"body over the limit", "", bytes.Repeat([]byte{'x'}, api.MaxBody+1), 413, "", nil},
		{"JSON body over the limit", "application/json", jsonOf("zonefile", strings.Repeat("x", api.MaxBody)), 413, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := rawRequest(http.MethodPost, "/v1/zonefile", tc.ctype, tc.body)
			if !ok {
				t.Fatal("not a request")
			}
			rec := serve(e.h, r)
			if rec.Code != tc.code {
				t.Fatalf("HTTP %d %s, want %d", rec.Code, rec.Body.Bytes(), tc.code)
			}
			checkReply(t, r, rec, false)
			if tc.code != http.StatusOK {
				return
			}
			var reply struct {
				Status bool   `json:"status"`
				Hash   string `json:"zonefile_hash"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil || !reply.Status || reply.Hash != tc.hash {
				t.Fatalf("reply %s (%v), want hash %s", rec.Body.Bytes(), err, tc.hash)
			}
			checkHeld(t, e, reply.Hash, tc.stored)
		})
	}
	// The name's value hash is zonefile 7's, stored above.
	rec := get(t, e.h, "/v1/names/"+e.f.Name+"/zonefile")
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), z7) {
		t.Fatalf("%s's zonefile: HTTP %d, %d bytes", e.f.Name, rec.Code, rec.Body.Len())
	}
	rec = serve(e.off, httptest.NewRequest(http.MethodPost, "/v1/zonefile", bytes.NewReader(z3)))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("POST without Atlas: HTTP %d", rec.Code)
	}
}

// brokenBody is a request body whose client went away part-way.
type brokenBody struct{ sent io.Reader }

func (b *brokenBody) Read(p []byte) (int, error) {
	if n, _ := b.sent.Read(p); n > 0 {
		return n, nil
	}
	return 0, io.ErrUnexpectedEOF
}

// TestPostBodyReadError is the regression test for a body that fails to
// read for any reason other than its size: it was answered 413 "request
// body over 80 KiB" whatever its length.
func TestPostBodyReadError(t *testing.T) {
	e := newEnv(t)
	z3, _ := e.zonefile(3)
	tests := []struct {
		name string
		body io.Reader
		code int
	}{
		{"cut short", &brokenBody{bytes.NewReader(z3[:100])}, http.StatusBadRequest},
		{"cut at once", &brokenBody{bytes.NewReader(nil)}, http.StatusBadRequest},
		{"cut after the limit", &brokenBody{bytes.NewReader(make([]byte, api.MaxBody+1))}, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/v1/zonefile", tc.body)
			rec := serve(e.h, r)
			if rec.Code != tc.code {
				t.Fatalf("HTTP %d %s, want %d", rec.Code, rec.Body.Bytes(), tc.code)
			}
			checkError(t, r, rec)
			if _, ok, _ := (atlasView{e.svc}).Zonefile(e.f.Zonefiles[3].Hash.String()); ok {
				t.Fatal("a cut-off body stored its zonefile")
			}
		})
	}
}

// TestPostLargestZonefileAsJSON is the regression test for the body limit,
// which was 80 KiB for every shape: a zonefile of the full 40,960 bytes
// written as v1's JSON text escapes to up to six times that (a control
// byte is \u00XX, and Go's encoder writes <, > and & so too), and such a
// valid, announced zonefile was refused with 413. v1 read JSON bodies of
// up to 1 MiB. The zonefiles here are announced by a block of their own.
func TestPostLargestZonefileAsJSON(t *testing.T) {
	e := newEnv(t)
	fill := func(unit string) []byte {
		return []byte(strings.Repeat(unit, api.MaxZonefile/len(unit)+1)[:api.MaxZonefile])
	}
	tests := []struct {
		name     string
		zonefile []byte
	}{
		{"control bytes", fill("\x01")},
		{"markup", fill(`<a href="x?a=1&b=2">`)},
		{"newlines", fill("\n")},
		{"records", fill("_http._tcp URI 10 1 \"https://example.com/?a=<1>&b=2\"\n")},
	}
	var hashes []inventory.Hash
	for _, tc := range tests {
		hashes = append(hashes, inventory.HashOf(tc.zonefile))
	}
	e.f.ApplyUpdates(t, hashes...)
	if _, err := e.svc.SyncChain(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, h := range hashes {
		e.announced[h] = true
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]string{"zonefile": string(tc.zonefile)})
			if err != nil {
				t.Fatal(err)
			}
			r, _ := rawRequest(http.MethodPost, "/v1/zonefile", "application/json", body)
			rec := serve(e.h, r)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d-byte JSON of a %d-byte zonefile: HTTP %d %s", len(body), len(tc.zonefile), rec.Code, rec.Body.Bytes())
			}
			checkHeld(t, e, inventory.HashOf(tc.zonefile).String(), tc.zonefile)
		})
	}
}
