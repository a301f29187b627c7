package api_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/atlas/zonestore"
	"github.com/atlasd/atlasd/internal/chainfixture"
	"github.com/atlasd/atlasd/sidecar/api"
)

// env is the API as the daemon serves it, over a real replay and a real
// Atlas peer: chainfixture's scenario extended by two blocks,
//
//	b1: NAME_UPDATE to zonefiles 0 1 2 3 4 5   b2: to 6 7
//
// of which 0, 1 and 2 are stored, 3 to 7 are announced but not held (a
// POST may store them), and 8 onwards are never announced. The name's
// value hash ends at zonefile 7.
type env struct {
	f   *chainfixture.Fixture
	svc *service.Service
	// h serves with the Atlas peer, off without it (atlas disabled).
	h, off *api.Handler
	// announced holds every hash with a slot, scenario test values included.
	announced map[inventory.Hash]bool
}

// Zonefile indexes of the fixture, by role in env.
const (
	heldCount      = 3 // 0..2 stored before any request
	announcedCount = 8 // 0..7 announced
)

func newEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnvSeeds(tb, []string{"192.0.2.1:6264"})
}

// newEnvSeeds is newEnv with the Atlas peer's seeds, which are the only
// members of its peer table.
func newEnvSeeds(tb testing.TB, seeds []string) *env {
	tb.Helper()
	f := chainfixture.New(tb, chainfixture.Options{})
	if len(f.Zonefiles) <= announcedCount+2 {
		tb.Fatalf("fixture has only %d zonefiles", len(f.Zonefiles))
	}
	f.ApplyUpdates(tb, f.Hashes(0, 1, 2, 3, 4, 5)...)
	f.ApplyUpdates(tb, f.Hashes(6, 7)...)
	ctx := context.Background()
	svc, err := service.Open(ctx, f.Chain, filepath.Join(tb.TempDir(), "atlas"), service.Config{
		Listen: "127.0.0.1:0",
		// Seeds are members at once; nothing is dialled because the
		// service never runs.
		Seeds:      seeds,
		Testnet:    true,
		FirstBlock: f.First,
		Logger:     zerolog.Nop(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = svc.Close() })
	var held [][]byte
	for _, z := range f.Zonefiles[:heldCount] {
		held = append(held, z.Data)
	}
	st, err := svc.Put(ctx, held)
	if err != nil {
		tb.Fatal(err)
	}
	for i, s := range st {
		if !s.Saved() {
			tb.Fatalf("zonefile %d not stored: %s", i, s)
		}
	}
	e := &env{f: f, svc: svc, announced: map[inventory.Hash]bool{}}
	anns, err := f.Chain.Announcements(0, f.Chain.Slots())
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range anns {
		e.announced[a.Hash] = true
	}
	info := api.Info{Network: "testnet", Version: "atlasd test", FirstBlock: uint64(f.First),
		NodeTip: func() int64 { return f.Tip() + 3 }}
	e.h = api.New(f.M, atlasView{svc}, info)
	e.off = api.New(f.M, nil, info)
	return e
}

// atlasView is the Atlas peer as the API sees it, as the daemon adapts it.
type atlasView struct{ s *service.Service }

func (a atlasView) Zonefile(hash string) ([]byte, bool, error) {
	h, err := inventory.ParseHash(hash)
	if err != nil {
		return nil, false, err
	}
	data, err := a.s.Core().Get(h)
	if errors.Is(err, zonestore.ErrNotFound) || errors.Is(err, zonestore.ErrCorrupt) {
		return nil, false, nil
	}
	return data, err == nil, err
}

func (a atlasView) Put(ctx context.Context, zfs [][]byte) ([]bool, []string, error) {
	st, err := a.s.Put(ctx, zfs)
	if err != nil {
		return nil, nil, err
	}
	saved, why := make([]bool, len(st)), make([]string, len(st))
	for i, x := range st {
		saved[i] = x.Saved()
		if !saved[i] {
			why[i] = x.String()
		}
	}
	return saved, why, nil
}

func (a atlasView) Peers() any { return a.s.Status().Peers }

func (a atlasView) Inventory() (int, int, []byte) {
	p, t := a.s.Inventory()
	return p, t, a.s.Core().Vector().Bytes()
}

// zonefile returns fixture zonefile i's data and hash.
func (e *env) zonefile(i int) ([]byte, string) {
	z := e.f.Zonefiles[i]
	return z.Data, z.Hash.String()
}

// rawRequest parses the request as the server would from the wire, so that
// only requests a client can actually get to the handler are made; ok is
// false for those net/http itself refuses (or answers, as OPTIONS *).
func rawRequest(method, target, contentType string, body []byte) (*http.Request, bool) {
	var b bytes.Buffer
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: atlasd\r\n")
	if contentType != "" {
		b.WriteString("Content-Type: " + contentType + "\r\n")
	}
	if body != nil {
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	r, err := http.ReadRequest(bufio.NewReader(&b))
	if err != nil || (r.Method == http.MethodOptions && r.RequestURI == "*") {
		return nil, false
	}
	// The header may have declared more body, or another length, than was
	// sent; the server would wait for it or refuse the request.
	if r.ContentLength != int64(len(body)) && !(body == nil && r.ContentLength <= 0) {
		return nil, false
	}
	return r, true
}

// serve runs one request through h.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// get serves a well-formed GET of target.
func get(t testing.TB, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	r, ok := rawRequest(http.MethodGet, target, "", nil)
	if !ok {
		t.Fatalf("GET %q is not a request", target)
	}
	return serve(h, r)
}
