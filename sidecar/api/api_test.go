package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/sidecar/api"
)

// decode unmarshals a JSON reply into a generic value.
func decode(t *testing.T, rec *httptest.ResponseRecorder) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("reply %q: %v", rec.Body.Bytes(), err)
	}
	return v
}

// TestRoutes reads every route of the fixture through the handler and
// compares the replies with the replay state and the Atlas peer.
func TestRoutes(t *testing.T) {
	e := newEnv(t)
	name := e.f.Name
	ns := name[strings.IndexByte(name, '.')+1:]
	held, heldHash := e.zonefile(0)
	_, missing := e.zonefile(announcedCount - 1)
	tip := e.f.Tip()
	tipCH, _ := e.f.M.ConsensusHash(uint64(tip))
	firstCH, _ := e.f.M.ConsensusHash(uint64(e.f.First))
	record, _, _ := e.f.M.Name(name)
	hist, err := e.f.M.History(name)
	if err != nil || len(hist) < 2 {
		t.Fatalf("history of %s: %d entries, %v", name, len(hist), err)
	}
	present, total := e.svc.Inventory()

	// field reads a top-level member of a JSON object reply.
	field := func(t *testing.T, rec *httptest.ResponseRecorder, k string) any {
		obj, _ := decode(t, rec).(map[string]any)
		return obj[k]
	}
	tests := []struct {
		target string
		off    bool // served without the Atlas peer
		code   int
		check  func(t *testing.T, rec *httptest.ResponseRecorder)
	}{
		{"/v1/info", false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			want := map[string]any{"last_block_processed": float64(tip), "consensus": tipCH, "node_tip": float64(tip + 3),
				"lag": 3.0, "zonefiles_present": float64(present), "zonefiles_total": float64(total), "network": "testnet"}
			for k, v := range want {
				if got := field(t, rec, k); got != v {
					t.Errorf("%s = %v, want %v", k, got, v)
				}
			}
		}},
		{"/v1/info", true, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			if got := field(t, rec, "zonefiles_total"); got != nil {
				t.Errorf("zonefiles_total = %v without Atlas", got)
			}
		}},
		{"/v1/names/" + name, false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			if got := field(t, rec, "value_hash"); got != e.f.Zonefiles[announcedCount-1].Hash.String() || got != record["value_hash"] {
				t.Errorf("value_hash %v", got)
			}
		}},
		{"/v1/names/" + name + "/history", false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			if got, _ := decode(t, rec).([]any); len(got) != len(hist) {
				t.Errorf("%d history entries, want %d", len(got), len(hist))
			}
		}},
		{"/v1/names/" + name + "/zonefile", false, 404, nil}, // zonefile 7 is announced, not held
		{"/v1/names/" + name + "/zonefile", true, 503, nil},
		{"/v1/names/nobody." + ns, false, 404, nil},
		{"/v1/names/nobody." + ns + "/history", false, 404, nil},
		{"/v1/names/NOT..valid", false, 400, nil},
		{"/v1/namespaces", false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			ids, _ := field(t, rec, "namespaces").([]any)
			if len(ids) != 1 || ids[0] != ns {
				t.Errorf("namespaces %v, want [%s]", ids, ns)
			}
		}},
		{"/v1/namespaces/" + ns, false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			if got := field(t, rec, "namespace_id"); got != ns {
				t.Errorf("namespace_id %v", got)
			}
		}},
		{"/v1/namespaces/" + strings.ToUpper(ns), false, 400, nil},
		{"/v1/namespaces/zzz", false, 404, nil},
		{"/v1/zonefiles/" + heldHash, false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			if !bytes.Equal(rec.Body.Bytes(), held) || rec.Header().Get("X-Zonefile-Hash") != heldHash {
				t.Errorf("served %d bytes as %s", rec.Body.Len(), rec.Header().Get("X-Zonefile-Hash"))
			}
		}},
		{"/v1/zonefiles/" + strings.ToUpper(heldHash), false, 200, nil},
		{"/v1/zonefiles/" + heldHash, true, 503, nil},
		{"/v1/zonefiles/" + missing, false, 404, nil},
		{"/v1/zonefiles/" + heldHash[:39], false, 400, nil},
		{"/v1/zonefiles/" + heldHash[:38] + "zz", false, 400, nil},
		{"/v1/blocks/" + strconv.FormatInt(e.f.First, 10) + "/consensus", false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			if got := field(t, rec, "consensus_hash"); got != firstCH {
				t.Errorf("consensus_hash %v, want %s", got, firstCH)
			}
		}},
		{"/v1/blocks/" + strconv.FormatInt(tip+1, 10) + "/consensus", false, 404, nil},
		{"/v1/blocks/-1/consensus", false, 400, nil},
		{"/v1/blocks/18446744073709551616/consensus", false, 400, nil},
		{"/v1/atlas/peers", false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			peers, _ := field(t, rec, "peers").([]any)
			if p, _ := firstOf(peers).(map[string]any); len(peers) != 1 || p["host_port"] != "192.0.2.1:6264" {
				t.Errorf("peers %v", peers)
			}
		}},
		{"/v1/atlas/peers", true, 503, nil},
		{"/v1/atlas/inventory", false, 200, func(t *testing.T, rec *httptest.ResponseRecorder) {
			inv, _ := field(t, rec, "inv").(string)
			got, err := base64.StdEncoding.DecodeString(inv)
			if err != nil || !bytes.Equal(got, e.svc.Core().Vector().Bytes()) || field(t, rec, "present") != float64(present) {
				t.Errorf("inventory %q: %v", inv, err)
			}
		}},
		{"/v1/atlas/inventory", true, 503, nil},
		{"/v1/zonefile", false, 404, nil}, // POST only
	}
	for _, tc := range tests {
		t.Run(strings.TrimPrefix(tc.target, "/v1/")+map[bool]string{true: "/atlas-off"}[tc.off], func(t *testing.T) {
			h := e.h
			if tc.off {
				h = e.off
			}
			r, _ := rawRequest(http.MethodGet, tc.target, "", nil)
			rec := serve(h, r)
			if rec.Code != tc.code {
				t.Fatalf("HTTP %d %s, want %d", rec.Code, rec.Body.Bytes(), tc.code)
			}
			checkReply(t, r, rec, tc.off)
			if tc.check != nil {
				tc.check(t, rec)
			}
		})
	}
}

func firstOf(s []any) any {
	if len(s) == 0 {
		return nil
	}
	return s[0]
}

// TestUnroutedIsJSON is the regression test for FuzzRoutes' first finding:
// paths outside /v1/ (and /v1 itself, which the router redirected) got the
// router's plain-text 404 instead of a JSON error.
func TestUnroutedIsJSON(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ method, target string }{
		{"GET", "/"},
		{"GET", "/metrics"},
		{"GET", "/v1"},
		{"GET", "/favicon.ico"},
		{"POST", "/v1/info"},
		{"DELETE", "/v1/names/" + e.f.Name},
		{"PUT", "/v1/zonefile"},
		{"GET", "/v1/names/" + e.f.Name + "/"},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.target, func(t *testing.T) {
			r, ok := rawRequest(tc.method, tc.target, "", nil)
			if !ok {
				t.Fatal("not a request")
			}
			rec := serve(e.h, r)
			if rec.Code != http.StatusNotFound {
				t.Fatalf("HTTP %d %q, want 404", rec.Code, rec.Body.Bytes())
			}
			checkError(t, r, rec)
		})
	}
}

// TestAsteriskTarget is the regression test for FuzzRoutes' second finding
// (testdata/fuzz/FuzzRoutes/78e8887e1e21caa0): a request for "*" with any
// method but OPTIONS got the router's empty 400, not a JSON error.
func TestAsteriskTarget(t *testing.T) {
	e := newEnv(t)
	for _, method := range []string{"GET", "POST", "HEAD", "DELETE", "0"} {
		t.Run(method, func(t *testing.T) {
			r, ok := rawRequest(method, "*", "", nil)
			if !ok {
				t.Fatal("not a request")
			}
			for _, h := range []http.Handler{e.h, e.off} {
				rec := serve(h, r)
				if rec.Code != http.StatusBadRequest {
					t.Fatalf("HTTP %d %q, want 400", rec.Code, rec.Body.Bytes())
				}
				checkError(t, r, rec)
			}
		})
	}
}

// TestMountedRoutesStillWin checks that the catch-all does not shadow the
// endpoints the daemon mounts beside the API.
func TestMountedRoutesStillWin(t *testing.T) {
	e := newEnv(t)
	h := api.New(e.f.M, nil, api.Info{})
	h.Mux().HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK || rec.Body.String() != "ok" {
		t.Fatalf("/healthz: HTTP %d %q", rec.Code, rec.Body.Bytes())
	}
}

// TestEmptyPeerTable is the regression test for a peer table with no
// members, which was listed as "peers": null.
func TestEmptyPeerTable(t *testing.T) {
	tests := []struct {
		seeds []string
		want  int
	}{
		{nil, 0},
		{[]string{"192.0.2.1:6264", "192.0.2.2:6264"}, 2},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(len(tc.seeds)), func(t *testing.T) {
			e := newEnvSeeds(t, tc.seeds)
			rec := get(t, e.h, "/v1/atlas/peers")
			var reply struct {
				Peers *[]any `json:"peers"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil || reply.Peers == nil || len(*reply.Peers) != tc.want {
				t.Fatalf("HTTP %d %s, want %d peers", rec.Code, rec.Body.Bytes(), tc.want)
			}
		})
	}
}
