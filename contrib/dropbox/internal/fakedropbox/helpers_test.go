package fakedropbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
)

const (
	appKey       = "fakeappkey"
	appSecret    = "fakeappsecret"
	refreshToken = "fake-refresh-token"
)

func start(t *testing.T, cfg fakedropbox.Config) *fakedropbox.Server {
	t.Helper()
	s, err := fakedropbox.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// answer is one HTTP answer, read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// object decodes the body as a JSON object.
func (a answer) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", a.body, err)
	}
	return m
}

// errorJSON returns the "error" member of an error body, re-encoded
// compactly with sorted keys for comparison.
func (a answer) errorJSON(t *testing.T) string {
	t.Helper()
	raw, err := json.Marshal(a.object(t)["error"])
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

var client = &http.Client{Timeout: 10 * time.Second}

func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// rpc calls an RPC route on the API host with a JSON argument.
func rpc(t *testing.T, s *fakedropbox.Server, token, route string, arg any) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.APIURL()+"/2/"+route, bytes.NewReader(mustJSON(t, arg)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

// content calls a content route with the argument in Dropbox-API-Arg.
func content(t *testing.T, s *fakedropbox.Server, token, route string, arg any, data []byte) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.ContentURL()+"/2/"+route, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Dropbox-API-Arg", string(mustJSON(t, arg)))
	if route == "files/upload" {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}
