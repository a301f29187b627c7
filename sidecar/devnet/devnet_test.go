package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// A short devnet: the scripted history plus two blocks of activity, every
// operation accepted by the replay.
func TestDevnetShort(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Run(ctx, Options{DataDir: t.TempDir(), Interval: 50 * time.Millisecond, Blocks: 2, APIListen: "127.0.0.1:0", AtlasListen: "127.0.0.1:0", Out: &out, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatalf("devnet: %v\n%s", err, out.String())
	}
	t.Log(out.String())
	// alice, bob (now dave's), user0; carol was revoked.
	if s.Names != 3 {
		t.Errorf("%d live names, want 3", s.Names)
	}
	// Three scripted updates, alice's renewal re-announcing her hash
	// (spec §3.2), and one more update in the second activity block.
	if s.Zonefiles != 5 {
		t.Errorf("%d zonefiles announced, want 5", s.Zonefiles)
	}
	if len(s.ConsensusHash) != 32 {
		t.Errorf("consensus hash %q", s.ConsensusHash)
	}
	// Every zonefile the script put is held (four distinct updates).
	if s.Present != 4 {
		t.Errorf("%d zonefiles held by the Atlas peer, want 4", s.Present)
	}
}

// The API must be checked while the devnet runs, so this one stops it from
// a goroutine once the answers are in.
func TestDevnetAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type result struct {
		s   *Summary
		err error
	}
	done := make(chan result, 1)
	var out syncBuffer
	go func() {
		s, err := Run(ctx, Options{DataDir: t.TempDir(), Interval: time.Hour, APIListen: "127.0.0.1:0", AtlasListen: "127.0.0.1:0", Out: &out, Logger: zerolog.Nop()})
		done <- result{s, err}
	}()
	base := ""
	for base == "" {
		select {
		case r := <-done:
			t.Fatalf("devnet ended early: %v\n%s", r.err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if i := strings.Index(out.String(), "REST API  http://"); i >= 0 {
			rest := out.String()[i+len("REST API  "):]
			base = strings.TrimSuffix(strings.Fields(rest)[0], "/v1/info")
		}
	}
	get := func(path string, status int) map[string]any {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		if resp.StatusCode != status {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, v)
		}
		return v
	}
	alice := get("/v1/names/alice.devnet", 200)
	if alice["name"] != "alice.devnet" || alice["value_hash"] == nil || alice["last_renewed"] == alice["first_registered"] {
		t.Errorf("alice = %v (want a zonefile hash and a renewal)", alice)
	}
	if carol := get("/v1/names/carol.devnet", 200); carol["revoked"] != true {
		t.Errorf("carol not revoked: %v", carol)
	}
	bob := get("/v1/names/bob.devnet", 200)
	if bob["value_hash"] == nil || bob["op"] != ">>" {
		t.Errorf("bob after transfer keeping data = %v", bob)
	}
	if ns := get("/v1/namespaces/devnet", 200); ns["ready_block"] == float64(0) {
		t.Errorf("namespace not ready: %v", ns)
	}
	// alice's zonefile comes back through the API, byte for byte hashed.
	resp, err := http.Get(base + "/v1/names/alice.devnet/zonefile")
	if err != nil {
		t.Fatal(err)
	}
	zf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(zf, []byte("$ORIGIN alice.devnet")) {
		t.Errorf("alice's zonefile: %d %q", resp.StatusCode, zf)
	}
	if inv := get("/v1/atlas/inventory", 200); inv["present"] != float64(4) {
		t.Errorf("inventory %v", inv)
	}
	info := get("/v1/info", 200)
	cancel()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if info["consensus"] != r.s.ConsensusHash {
		t.Errorf("API consensus %v, devnet summary %s", info["consensus"], r.s.ConsensusHash)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// devnet --peers: extra atlasd peers follow the same node and end up
// holding every zonefile put into the first one.
func TestDevnetPeers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Options{DataDir: t.TempDir(), Interval: time.Hour, Peers: 2, APIListen: "127.0.0.1:0",
			AtlasListen: "127.0.0.1:0", Out: &out, Logger: zerolog.Nop()})
		done <- err
	}()
	var apis []string
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("devnet ended early: %v\n%s", err, out.String())
		default:
		}
		if strings.Contains(out.String(), "scripted history played") {
			for _, l := range strings.Split(out.String(), "\n") {
				if i := strings.Index(l, "REST API http://"); i >= 0 && strings.Contains(l, "peer ") {
					apis = append(apis, strings.TrimSuffix(strings.Fields(l[i+len("REST API "):])[0], "/v1/info"))
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scripted history after a minute:\n%s", out.String())
		}
	}
	if len(apis) != 2 {
		t.Fatalf("peer API lines: %v\n%s", apis, out.String())
	}
	for _, api := range apis {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			resp, err := http.Get(api + "/v1/atlas/inventory")
			var inv struct{ Present, Total int }
			if err == nil {
				json.NewDecoder(resp.Body).Decode(&inv)
				resp.Body.Close()
			}
			if inv.Total == 4 && inv.Present == 4 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("peer %s holds %d of %d slots after 30 s", api, inv.Present, inv.Total)
			}
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
