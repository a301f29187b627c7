package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/sidecar/api"
)

// busyAtlas is an Atlas peer that cannot answer yet, or whose disk is full.
type busyAtlas struct {
	atlasView
	err error
}

func (b busyAtlas) Zonefile(string) ([]byte, bool, error) { return nil, false, b.err }

func (b busyAtlas) Put(context.Context, [][]byte) ([]bool, []string, error) {
	return nil, nil, b.err
}

// A passing condition is a 503 with Retry-After, so clients try again; any
// other failure stays a 500.
func TestUnavailableIs503(t *testing.T) {
	e := newEnv(t)
	data, hash := e.zonefile(0)
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"starting", fmt.Errorf("%w: the Atlas peer is starting", api.ErrUnavailable), http.StatusServiceUnavailable},
		{"disk full", fmt.Errorf("%w: %w", api.ErrUnavailable, errors.New("free space below the reserve")), http.StatusServiceUnavailable},
		{"fault", errors.New("zonestore: read failed"), http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := api.New(e.f.M, busyAtlas{atlasView{e.svc}, tc.err}, api.Info{Network: "testnet"})
			for _, r := range []*http.Request{
				mustRequest(t, http.MethodGet, "/v1/zonefiles/"+hash, nil),
				mustRequest(t, http.MethodPost, "/v1/zonefile", data),
			} {
				rec := serve(h, r)
				if rec.Code != tc.code {
					t.Fatalf("%s %s: HTTP %d %s, want %d", r.Method, r.URL.Path, rec.Code, rec.Body.Bytes(), tc.code)
				}
				body := decode(t, rec).(map[string]any)
				if msg, _ := body["error"].(string); !strings.Contains(msg, tc.err.Error()) {
					t.Fatalf("error %q does not say %q", msg, tc.err)
				}
				if got := rec.Header().Get("Retry-After"); (tc.code == http.StatusServiceUnavailable) != (got != "") {
					t.Fatalf("Retry-After %q with HTTP %d", got, rec.Code)
				}
			}
		})
	}
}

func mustRequest(t *testing.T, method, target string, body []byte) *http.Request {
	t.Helper()
	r, ok := rawRequest(method, target, "application/octet-stream", body)
	if !ok {
		t.Fatalf("cannot build %s %s", method, target)
	}
	return r
}
