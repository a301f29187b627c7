package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/sidecar/api"
)

// routeSeeds are request targets for every route, with the fixture's real
// name, namespace, heights and zonefile hashes, plus the parameters a
// paging client would send (the API has none; they must change nothing).
func routeSeeds(e *env) []string {
	name := e.f.Name
	ns := name[strings.IndexByte(name, '.')+1:]
	_, held := e.zonefile(0)
	_, missing := e.zonefile(announcedCount - 1)
	_, unannounced := e.zonefile(announcedCount)
	first, tip := strconv.FormatInt(e.f.First, 10), strconv.FormatInt(e.f.Tip(), 10)
	return []string{
		"/v1/info",
		"/v1/names/" + name,
		"/v1/names/" + name + "/zonefile",
		"/v1/names/" + name + "/history",
		"/v1/names/" + name + "/history?page=999999999999999",
		"/v1/names/" + name + "/history?offset=-1&count=18446744073709551615",
		"/v1/names/nobody." + ns,
		"/v1/names/NOT..valid",
		"/v1/names/foo%0A." + ns + "/zonefile",
		"/v1/namespaces",
		"/v1/namespaces?page=-1&limit=1e308",
		"/v1/namespaces/" + ns,
		"/v1/namespaces/" + strings.ToUpper(ns),
		"/v1/zonefiles/" + held,
		"/v1/zonefiles/" + strings.ToUpper(held),
		"/v1/zonefiles/" + missing,
		"/v1/zonefiles/" + unannounced + "?page_size=4294967296",
		"/v1/zonefiles/" + held[:39],
		"/v1/blocks/" + first + "/consensus",
		"/v1/blocks/" + tip + "/consensus?count=100000000",
		"/v1/blocks/18446744073709551616/consensus",
		"/v1/blocks/-1/consensus",
		"/v1/atlas/peers",
		"/v1/atlas/inventory?offset=9223372036854775807&length=9223372036854775807",
		"/v1/names/" + name + "/../../info",
		"//v1/info",
		"/v1",
		"/",
		"/metrics",
		"http://example.com/v1/info",
	}
}

// FuzzRoutes sends arbitrary requests (method, target, Content-Type,
// body) to the API with and without the Atlas peer, as net/http would hand
// them over from the wire, and asserts what must hold for any of them:
// checkReply's properties, a bounded allocation, a query string that
// changes no GET reply (no parameter is read, so none can size anything),
// and a stored zonefile that is then served under its hash.
func FuzzRoutes(f *testing.F) {
	e := newEnv(f)
	for _, target := range routeSeeds(e) {
		f.Add("GET", target, "", []byte(nil), false)
	}
	data, _ := e.zonefile(announcedCount - 2)
	f.Add("HEAD", "/v1/zonefiles/"+e.f.Zonefiles[1].Hash.String(), "", []byte(nil), false)
	f.Add("GET", "/v1/atlas/peers", "", []byte(nil), true)
	f.Add("GET", "/v1/names/"+e.f.Name+"/zonefile", "", []byte(nil), true)
	f.Add("POST", "/v1/zonefile", "text/plain", data, false)
	f.Add("POST", "/v1/zonefile", "application/json", []byte(`{"zonefile_b64": "`+base64.StdEncoding.EncodeToString(data)+`"}`), true)
	f.Add("POST", "/v1/info", "", []byte("x"), false)
	f.Add("DELETE", "/v1/names/"+e.f.Name, "", []byte(nil), false)
	f.Add("PUT", "/v1/zonefile", "application/json", []byte(`{}`), false)

	f.Fuzz(func(t *testing.T, method, target, contentType string, body []byte, atlasOff bool) {
		r, ok := rawRequest(method, target, contentType, body)
		if !ok {
			return
		}
		h := e.h
		if atlasOff {
			h = e.off
		}
		rec, alloc := serveMeasured(h, r)
		if alloc > maxAlloc+4*uint64(len(body)) {
			t.Fatalf("%s %q allocated %d bytes", method, target, alloc)
		}
		checkReply(t, r, rec, atlasOff)
		if r.Method == http.MethodPost && r.URL.Path == "/v1/zonefile" && rec.Code == http.StatusOK {
			var ok struct {
				Hash string `json:"zonefile_hash"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &ok); err != nil {
				t.Fatalf("POST reply %s: %v", rec.Body.Bytes(), err)
			}
			checkHeld(t, e, ok.Hash, nil)
		}
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.RawQuery != "" && rec.Code/100 != 3 {
			bare := r.Clone(r.Context())
			bare.URL.RawQuery, bare.RequestURI = "", strings.SplitN(r.RequestURI, "?", 2)[0]
			again := serve(h, bare)
			if again.Code != rec.Code || !bytes.Equal(again.Body.Bytes(), rec.Body.Bytes()) {
				t.Fatalf("%s %q: query changed HTTP %d %q to HTTP %d %q", method, target,
					again.Code, again.Body.Bytes(), rec.Code, rec.Body.Bytes())
			}
		}
	})
}

// checkHeld asserts that the zonefile with hash h is announced and served
// by hash (and equal to want, if given), and through the name whose value
// hash it is.
func checkHeld(t *testing.T, e *env, h string, want []byte) {
	t.Helper()
	hash, err := inventory.ParseHash(h)
	if err != nil || !e.announced[hash] {
		t.Fatalf("stored zonefile %q: announced %v, parse: %v", h, e.announced[hash], err)
	}
	rec := get(t, e.h, "/v1/zonefiles/"+h)
	if rec.Code != http.StatusOK || inventory.HashOf(rec.Body.Bytes()) != hash {
		t.Fatalf("stored zonefile %s: HTTP %d, hashes to %s", h, rec.Code, inventory.HashOf(rec.Body.Bytes()))
	}
	if want != nil && !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatalf("stored zonefile %s: served %d bytes, posted %d", h, rec.Body.Len(), len(want))
	}
	name, _, _ := e.f.M.Name(e.f.Name)
	if name["value_hash"] == h {
		rec := get(t, e.h, "/v1/names/"+e.f.Name+"/zonefile")
		if rec.Code != http.StatusOK || rec.Header().Get("X-Zonefile-Hash") != h || inventory.HashOf(rec.Body.Bytes()) != hash {
			t.Fatalf("%s's zonefile %s: HTTP %d, hashes to %s", e.f.Name, h, rec.Code, inventory.HashOf(rec.Body.Bytes()))
		}
	}
}

// Body shapes for FuzzPostZonefile's mode (the low two bits).
const (
	postRaw  = iota // the body as is, with the fuzzed Content-Type
	postText        // {"zonefile": body}
	postB64         // {"zonefile_b64": base64(body)}
	postJSON        // body as the JSON document, fuzzing the decoder
)

// FuzzPostZonefile posts zonefiles in every shape POST /v1/zonefile takes
// and checks the outcome against what the chain announced: a zonefile of 1
// to 40,960 bytes whose hash has a slot is stored (200, its hash), readable
// afterwards byte for byte, and served for the name whose value hash it is;
// anything else is a JSON 4xx, and a body over api.MaxBody is 413.
//
// The low two bits of mode pick the shape; with bit 2 set the body is
// replaced by fixture zonefile mode>>3 (held, announced or not), so that the
// fuzzer explores shapes around real zonefiles. For the JSON shapes the
// fuzzed Content-Type follows "application/json" as its parameters.
func FuzzPostZonefile(f *testing.F) {
	e := newEnv(f)
	for i := range announcedCount + 2 {
		data, _ := e.zonefile(i)
		f.Add(data, "text/plain; charset=utf-8", uint8(postRaw))
		f.Add([]byte(nil), "; charset=utf-8", uint8(postText|4|i<<3))
	}
	data, _ := e.zonefile(announcedCount - 1)
	b64 := base64.StdEncoding.EncodeToString(data)
	for _, s := range []struct {
		body  []byte
		ctype string
		mode  uint8
	}{
		{data, "", postB64},
		{data, "", postText},
		{data, "application/octet-stream", postRaw},
		{data, "application/json", postRaw},
		{[]byte(`{"zonefile_b64":"` + b64 + `","zonefile":"x"}`), "", postJSON},
		{[]byte(`{"zonefile_b64":"` + b64[:len(b64)-1] + `"}`), "", postJSON},
		{[]byte(`{"zonefile":null,"zonefile_b64":null}`), "", postJSON},
		{[]byte(`[{"zonefile":"x"}]`), "", postJSON},
		{[]byte(`{"zonefile":"\ud800"}`), ";;", postJSON},
		{bytes.Repeat([]byte{'x'}, api.MaxZonefile+1), "", postRaw},
		{bytes.Repeat([]byte{'x'}, api.MaxBody+1), "", postRaw},
		{bytes.Repeat([]byte{'x'}, api.MaxZonefile), "", postB64},
		{nil, "", postRaw},
		{[]byte("\xff\xfe"), "", postText},
	} {
		f.Add(s.body, s.ctype, s.mode)
	}

	f.Fuzz(func(t *testing.T, body []byte, contentType string, mode uint8) {
		if mode&4 != 0 {
			body, _ = e.zonefile(int(mode>>3) % (announcedCount + 2))
		}
		// want is the zonefile the request carries when the test can
		// tell without parsing the JSON the way the handler does.
		var want []byte
		known := false
		req, ctype := body, contentType
		switch mode & 3 {
		case postRaw:
			mt, _, err := mime.ParseMediaType(ctype)
			if ctype == "" || (err == nil && mt != "application/json") {
				want, known = body, true
			}
		case postText:
			req, _ = json.Marshal(map[string]string{"zonefile": string(body)})
			ctype = "application/json" + contentType
			want, known = body, utf8.Valid(body)
		case postB64:
			req, _ = json.Marshal(map[string]string{"zonefile_b64": base64.StdEncoding.EncodeToString(body)})
			ctype = "application/json" + contentType
			want, known = body, true
		case postJSON:
			ctype = "application/json" + contentType
		}
		if mt, _, err := mime.ParseMediaType(ctype); mode&3 != postRaw && (err != nil || mt != "application/json") {
			known = false
		}
		r, ok := rawRequest(http.MethodPost, "/v1/zonefile", ctype, req)
		if !ok {
			return
		}
		rec, alloc := serveMeasured(e.h, r)
		if alloc > maxAlloc+4*uint64(len(req)) {
			t.Fatalf("POST of %d bytes allocated %d bytes", len(req), alloc)
		}
		checkReply(t, r, rec, false)
		var reply struct {
			Status bool   `json:"status"`
			Hash   string `json:"zonefile_hash"`
		}
		if rec.Code == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil || !reply.Status {
				t.Fatalf("POST reply %s: %v", rec.Body.Bytes(), err)
			}
			checkHeld(t, e, reply.Hash, nil)
		}
		switch {
		case len(req) > api.MaxBody:
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%d-byte body: HTTP %d, want 413", len(req), rec.Code)
			}
		case !known:
		case len(want) == 0 || len(want) > api.MaxZonefile || !e.announced[inventory.HashOf(want)]:
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("%d-byte zonefile %s (announced %v): HTTP %d %s, want 400", len(want),
					inventory.HashOf(want), e.announced[inventory.HashOf(want)], rec.Code, rec.Body.Bytes())
			}
		default:
			if h := inventory.HashOf(want).String(); rec.Code != http.StatusOK || reply.Hash != h {
				t.Fatalf("announced zonefile %s: HTTP %d %s", h, rec.Code, rec.Body.Bytes())
			}
			checkHeld(t, e, reply.Hash, want)
		}
	})
}
