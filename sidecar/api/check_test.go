package api_test

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"runtime"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
)

// maxReply bounds any reply of the fixture: its largest, a name's
// history, is a few KiB; a zonefile is at most 40 KiB.
const maxReply = 256 << 10

// maxAlloc bounds what one request may allocate. The body limit allows
// 241 KiB and the largest reply is far smaller, so a parameter that sized
// a buffer or a page would show as many times this.
const maxAlloc = 8 << 20

// serveMeasured serves r and reports the bytes allocated meanwhile (by the
// whole process, so background work can only make it larger).
func serveMeasured(h http.Handler, r *http.Request) (*httptest.ResponseRecorder, uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rec := serve(h, r)
	runtime.ReadMemStats(&after)
	return rec, after.TotalAlloc - before.TotalAlloc
}

// checkReply asserts what holds for every reply to any request: no server
// error (but 503 where the Atlas peer is off), errors as JSON objects in
// v1's shape, successes as valid JSON or a zonefile that hashes to its
// X-Zonefile-Hash, and redirects only where the router cleans a path.
func checkReply(t *testing.T, r *http.Request, rec *httptest.ResponseRecorder, atlasOff bool) {
	t.Helper()
	code, body := rec.Code, rec.Body.Bytes()
	if len(body) > maxReply {
		t.Fatalf("%s %q: %d-byte reply", r.Method, r.RequestURI, len(body))
	}
	switch {
	case code == http.StatusServiceUnavailable && atlasOff:
		checkError(t, r, rec)
	case code >= 500:
		t.Fatalf("%s %q: HTTP %d %s", r.Method, r.RequestURI, code, body)
	case code >= 400:
		checkError(t, r, rec)
	case code >= 300:
		checkRedirect(t, r, rec)
	case code >= 200:
		checkSuccess(t, r, rec)
	default:
		t.Fatalf("%s %q: HTTP %d", r.Method, r.RequestURI, code)
	}
}

func checkError(t *testing.T, r *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); mt != "application/json" {
		t.Fatalf("%s %q: HTTP %d as %q: %q", r.Method, r.RequestURI, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	}
	var e struct {
		Error  *string `json:"error"`
		Status *int    `json:"http_status"`
	}
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error == nil || *e.Error == "" || e.Status == nil || *e.Status != rec.Code || dec.More() {
		t.Fatalf("%s %q: HTTP %d with error body %v (decode: %v)", r.Method, r.RequestURI, rec.Code, e, err)
	}
}

func checkSuccess(t *testing.T, r *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	switch mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); mt {
	case "application/json":
		if !json.Valid(body) {
			t.Fatalf("%s %q: HTTP %d with invalid JSON %q", r.Method, r.RequestURI, rec.Code, body)
		}
	case "text/plain":
		h := rec.Header().Get("X-Zonefile-Hash")
		if got := inventory.HashOf(body).String(); got != h {
			t.Fatalf("%s %q: zonefile hashes to %s, served as %q", r.Method, r.RequestURI, got, h)
		}
	default:
		t.Fatalf("%s %q: HTTP %d as %q", r.Method, r.RequestURI, rec.Code, rec.Header().Get("Content-Type"))
	}
}

// checkRedirect allows the router's own redirect of an unclean path to its
// clean form on the same host, and nothing else.
func checkRedirect(t *testing.T, r *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	loc := rec.Header().Get("Location")
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || u.Path[0] != '/' {
		t.Fatalf("%s %q: HTTP %d to %q", r.Method, r.RequestURI, rec.Code, loc)
	}
	if p := path.Clean(u.Path); p != u.Path && p+"/" != u.Path {
		t.Fatalf("%s %q: redirected to unclean %q", r.Method, r.RequestURI, loc)
	}
	if u.Path == r.URL.Path {
		t.Fatalf("%s %q: redirected to itself", r.Method, r.RequestURI)
	}
}
