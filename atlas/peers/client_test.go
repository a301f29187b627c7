package peers

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

func mustClient(t *testing.T, hostport string, cfg ClientConfig) *Client {
	t.Helper()
	c, err := NewClient(hostport, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClientAgainstV1Peer calls every method on the shared Python v1 peer,
// which answers with the original's reply shapes, serving the real 665750
// zonefile export.
func TestClientAgainstV1Peer(t *testing.T) {
	zfs := peertest.Zonefiles(t, "name_zonefiles-665750.txt")
	v1 := peertest.StartV1(t,
		"--zonefiles", peertest.SharedPath(t, "data", "zonefiles", "name_zonefiles-665750.txt"),
		"--neighbors", "node.example.org:6264,127.0.0.1:16264,10.0.0.7:6264")
	c := mustClient(t, v1.HostPort, ClientConfig{})
	ctx := context.Background()

	t.Run("ping", func(t *testing.T) {
		v, err := c.Ping(ctx)
		if err != nil || v != "22.0.0.0" {
			t.Fatalf("ping = %q, %v", v, err)
		}
	})
	t.Run("getinfo", func(t *testing.T) {
		in, err := c.GetInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Info{LastBlockSeen: 653759, Consensus: "17e4af7e088cbd043625843b642e2b2d", ServerVersion: "22.0.0.0",
			LastBlockProcessed: 653759, ServerAlive: true, ZonefileCount: int64(len(zfs) + 1)}
		if in != want {
			t.Fatalf("getinfo = %+v, want %+v", in, want)
		}
	})
	t.Run("inventory", func(t *testing.T) {
		inv, err := c.GetZonefileInventory(ctx, 0, MaxInventoryLength)
		if err != nil {
			t.Fatal(err)
		}
		v := inventory.FromBytes(inv)
		if len(inv) != (len(zfs)+7)/8 || v.Count() != len(zfs) {
			t.Fatalf("inventory of %d bytes with %d bits set, want %d bytes all %d set", len(inv), v.Count(), (len(zfs)+7)/8, len(zfs))
		}
		tail, err := c.GetZonefileInventory(ctx, len(inv)-1, 10)
		if err != nil || len(tail) != 1 || tail[0] != inv[len(inv)-1] {
			t.Fatalf("tail = %x, %v", tail, err)
		}
		past, err := c.GetZonefileInventory(ctx, len(inv)+5, 10)
		if err != nil || len(past) != 0 {
			t.Fatalf("past the end = %x, %v", past, err)
		}
	})
	t.Run("peer exchange", func(t *testing.T) {
		got, err := c.PeerExchange(ctx, "localhost:6264")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("neighbours = %q", got)
		}
		older, err := c.GetAtlasPeers(ctx)
		if err != nil || len(older) != 3 {
			t.Fatalf("get_atlas_peers = %q, %v", older, err)
		}
	})
	t.Run("get zonefiles", func(t *testing.T) {
		var hashes []inventory.Hash
		for _, z := range zfs[:MaxGetZonefiles] {
			hashes = append(hashes, z.Hash)
		}
		got, err := c.GetZonefiles(ctx, hashes)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != MaxGetZonefiles {
			t.Fatalf("%d zonefiles, want %d", len(got), MaxGetZonefiles)
		}
		for _, z := range zfs[:MaxGetZonefiles] {
			if !bytes.Equal(got[z.Hash], z.Data) {
				t.Fatalf("zonefile %s differs", z.Hash)
			}
		}
		if _, err := c.GetZonefiles(ctx, append(hashes, hashes[0])); !errors.Is(err, ErrArgs) {
			t.Fatalf("101 hashes: %v, want ErrArgs", err)
		}
	})
	t.Run("put zonefiles", func(t *testing.T) {
		saved, err := c.PutZonefiles(ctx, [][]byte{zfs[0].Data, []byte("$ORIGIN never.announced\n")})
		if err != nil {
			t.Fatal(err)
		}
		if !saved[0] || saved[1] {
			t.Fatalf("saved = %v, want [true false]", saved)
		}
	})
	t.Run("consensus hashes", func(t *testing.T) {
		got, err := c.GetConsensusHashes(ctx, []int64{653759, 653758})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[653759] != "17e4af7e088cbd043625843b642e2b2d" {
			t.Fatalf("consensus hashes = %v", got)
		}
	})
	t.Run("remote error", func(t *testing.T) {
		_, err := c.GetConsensusHashes(ctx, []int64{5})
		var re *RemoteError
		if !errors.As(err, &re) || re.HTTPStatus != 400 || re.Message != "Invalid block height" {
			t.Fatalf("err = %v, want a 400 RemoteError", err)
		}
	})
}

// TestClientAgainstLyingV1Peer checks that corrupted bytes come back as
// sent (the client does not verify; its callers do) and differ from the
// real zonefile.
func TestClientAgainstLyingV1Peer(t *testing.T) {
	zfs := peertest.Zonefiles(t, "name_zonefiles-665750.txt")
	v1 := peertest.StartV1(t, "--lie", "--zonefiles", peertest.SharedPath(t, "data", "zonefiles", "name_zonefiles-665750.txt"))
	c := mustClient(t, v1.HostPort, ClientConfig{})
	got, err := c.GetZonefiles(context.Background(), []inventory.Hash{zfs[0].Hash, zfs[2].Hash})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[zfs[0].Hash], zfs[0].Data) {
		t.Errorf("honest entry differs")
	}
	if bytes.Equal(got[zfs[2].Hash], zfs[2].Data) || peertest.Hash160(got[zfs[2].Hash]) == zfs[2].Hash {
		t.Errorf("the lie (every third file) was not served corrupted")
	}
}

// cannedServer answers every method with the JSON string reply[method].
func cannedServer(t *testing.T, reply map[string]string) string {
	t.Helper()
	s := xmlrpc.NewServer(xmlrpc.ServerConfig{NotFound: func(_ context.Context, m string, _ []xmlrpc.Value) (xmlrpc.Value, error) {
		r, ok := reply[m]
		if !ok {
			return xmlrpc.String(`{"error": "KeyError: 'rpc_` + m + `'", "traceback": ["KeyError"]}`), nil
		}
		if r == "<int>" {
			return xmlrpc.Int(7), nil
		}
		return xmlrpc.String(r), nil
	}})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

const envelope = `"status": true, "indexing": false, "lastblock": 653759`

func TestClientSchema(t *testing.T) {
	h := strings.Repeat("ab", 20)
	hash, _ := inventory.ParseHash(h)
	calls := map[string]func(*Client) error{
		"ping":    func(c *Client) error { _, err := c.Ping(context.Background()); return err },
		"getinfo": func(c *Client) error { _, err := c.GetInfo(context.Background()); return err },
		"get_zonefile_inventory": func(c *Client) error {
			_, err := c.GetZonefileInventory(context.Background(), 0, 2)
			return err
		},
		"atlas_peer_exchange": func(c *Client) error { _, err := c.PeerExchange(context.Background(), "localhost:6264"); return err },
		"get_zonefiles": func(c *Client) error {
			_, err := c.GetZonefiles(context.Background(), []inventory.Hash{hash})
			return err
		},
		"put_zonefiles": func(c *Client) error {
			_, err := c.PutZonefiles(context.Background(), [][]byte{[]byte("a"), []byte("b")})
			return err
		},
		"get_consensus_hashes": func(c *Client) error {
			_, err := c.GetConsensusHashes(context.Background(), []int64{653759})
			return err
		},
	}
	info := `"last_block_seen": 1, "consensus": "x", "server_version": "22.2.0.0", "last_block_processed": 1, "server_alive": true, "indexing": false`
	tests := []struct {
		name, method, reply string
		want                error // nil: must succeed
	}{
		{"ping alive", "ping", `{"status": "alive", "version": "22.2.0.0"}`, nil},
		{"ping stale", "ping", `{"status": "stale"}`, ErrNotAlive},
		{"ping status not a string", "ping", `{"status": true}`, ErrSchema},
		{"result not a string", "ping", "<int>", ErrSchema},
		{"result not JSON", "ping", `alive`, ErrSchema},
		{"result a JSON array", "ping", `["alive"]`, ErrSchema},
		{"getinfo ok", "getinfo", `{` + info + `}`, nil},
		{"getinfo missing consensus", "getinfo", `{"last_block_seen": 1, "server_version": "v", "last_block_processed": 1, "server_alive": true, "indexing": false}`, ErrSchema},
		{"getinfo float height", "getinfo", `{"last_block_seen": 1.0, "consensus": "x", "server_version": "v", "last_block_processed": 1, "server_alive": true, "indexing": false}`, ErrSchema},
		{"getinfo negative height", "getinfo", `{"last_block_seen": -1, "consensus": "x", "server_version": "v", "last_block_processed": 1, "server_alive": true, "indexing": false}`, ErrSchema},
		{"getinfo null indexing", "getinfo", `{"last_block_seen": 1, "consensus": "x", "server_version": "v", "last_block_processed": 1, "server_alive": true, "indexing": null}`, ErrSchema},
		{"getinfo stale typed", "getinfo", `{` + info + `, "stale": "yes"}`, ErrSchema},
		{"inventory ok", "get_zonefile_inventory", `{"inv": "/w==", ` + envelope + `}`, nil},
		{"inventory longer than asked", "get_zonefile_inventory", `{"inv": "////", ` + envelope + `}`, ErrSchema},
		{"inventory with newline", "get_zonefile_inventory", `{"inv": "/w==\n", ` + envelope + `}`, ErrSchema},
		{"inventory bad base64", "get_zonefile_inventory", `{"inv": "/w=", ` + envelope + `}`, ErrSchema},
		{"inventory no envelope", "get_zonefile_inventory", `{"inv": "/w=="}`, ErrSchema},
		{"inventory status false", "get_zonefile_inventory", `{"inv": "/w==", "status": false, "indexing": false, "lastblock": 1}`, ErrSchema},
		{"inventory lastblock null", "get_zonefile_inventory", `{"inv": "", "status": true, "indexing": false, "lastblock": null}`, nil},
		{"exchange ok", "atlas_peer_exchange", `{"peers": ["a.example:6264", "10.0.0.1:16264"], ` + envelope + `}`, nil},
		{"exchange port 0-led", "atlas_peer_exchange", `{"peers": ["a.example:06264"], ` + envelope + `}`, ErrSchema},
		{"exchange port 65535", "atlas_peer_exchange", `{"peers": ["a.example:65535"], ` + envelope + `}`, ErrSchema},
		{"exchange no port", "atlas_peer_exchange", `{"peers": ["a.example"], ` + envelope + `}`, ErrSchema},
		{"exchange null entry", "atlas_peer_exchange", `{"peers": [null], ` + envelope + `}`, ErrSchema},
		{"exchange ipv6", "atlas_peer_exchange", `{"peers": ["::1:6264"], ` + envelope + `}`, ErrSchema},
		{"exchange not a list", "atlas_peer_exchange", `{"peers": "a.example:6264", ` + envelope + `}`, ErrSchema},
		{"zonefiles ok", "get_zonefiles", `{"zonefiles": {"` + h + `": "YQ=="}, ` + envelope + `}`, nil},
		{"zonefiles unsolicited dropped", "get_zonefiles", `{"zonefiles": {"` + strings.Repeat("cd", 20) + `": "!!"}, ` + envelope + `}`, nil},
		{"zonefiles bad base64", "get_zonefiles", `{"zonefiles": {"` + h + `": "YQ="}, ` + envelope + `}`, ErrSchema},
		{"zonefiles value not string", "get_zonefiles", `{"zonefiles": {"` + h + `": 5}, ` + envelope + `}`, ErrSchema},
		{"zonefiles not an object", "get_zonefiles", `{"zonefiles": [], ` + envelope + `}`, ErrSchema},
		{"zonefiles oversize", "get_zonefiles", `{"zonefiles": {"` + h + `": "` + strings.Repeat("AAAA", 13655) + `"}, ` + envelope + `}`, ErrSchema},
		{"put ok", "put_zonefiles", `{"saved": [1, 0], ` + envelope + `}`, nil},
		{"put short", "put_zonefiles", `{"saved": [1], ` + envelope + `}`, ErrSchema},
		{"put not 0/1", "put_zonefiles", `{"saved": [1, 2], ` + envelope + `}`, ErrSchema},
		{"put bool", "put_zonefiles", `{"saved": [true, false], ` + envelope + `}`, ErrSchema},
		{"consensus ok", "get_consensus_hashes", `{"consensus_hashes": {"653759": "17e4af7e088cbd043625843b642e2b2d", "1": null}, ` + envelope + `}`, nil},
		{"consensus bad key", "get_consensus_hashes", `{"consensus_hashes": {"x": "17e4af7e088cbd043625843b642e2b2d"}, ` + envelope + `}`, ErrSchema},
		{"consensus bad hash", "get_consensus_hashes", `{"consensus_hashes": {"653759": "17e4"}, ` + envelope + `}`, ErrSchema},
		{"error object", "getinfo", `{"error": "overloaded", "http_status": 429}`, &RemoteError{}},
		{"traceback only", "getinfo", `{"traceback": ["x"]}`, &RemoteError{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustClient(t, cannedServer(t, map[string]string{tc.method: tc.reply}), ClientConfig{})
			err := calls[tc.method](c)
			var re *RemoteError
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tc.want == nil:
			case errors.As(tc.want, &re):
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want a RemoteError", err)
				}
			case !errors.Is(err, tc.want):
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestClientValues(t *testing.T) {
	ctx := context.Background()
	t.Run("testnet truthiness", func(t *testing.T) {
		for raw, want := range map[string]bool{`false`: false, `true`: true, `"hosted"`: true, `""`: false, `0`: false, `null`: false, `"f9beb4d9"`: true} {
			c := mustClient(t, cannedServer(t, map[string]string{"getinfo": `{"last_block_seen": 1, "consensus": "x", "server_version": "v", "last_block_processed": 1, "server_alive": true, "indexing": false, "testnet": ` + raw + `}`}), ClientConfig{})
			in, err := c.GetInfo(ctx)
			if err != nil || in.Testnet != want {
				t.Errorf("testnet %s: %v, %v; want %v", raw, in.Testnet, err, want)
			}
		}
	})
	t.Run("inventory bytes", func(t *testing.T) {
		c := mustClient(t, cannedServer(t, map[string]string{"get_zonefile_inventory": `{"inv": "gAE=", ` + envelope + `}`}), ClientConfig{})
		inv, err := c.GetZonefileInventory(ctx, 0, 2)
		if err != nil || !bytes.Equal(inv, []byte{0x80, 0x01}) {
			t.Fatalf("inv = %x, %v", inv, err)
		}
	})
	t.Run("remote error fields", func(t *testing.T) {
		c := mustClient(t, cannedServer(t, map[string]string{"getinfo": `{"error": "overloaded", "http_status": 429}`}), ClientConfig{})
		_, err := c.GetInfo(ctx)
		var re *RemoteError
		if !errors.As(err, &re) || re.Message != "overloaded" || re.HTTPStatus != 429 || re.Exception || re.Method != "getinfo" {
			t.Fatalf("err = %#v", err)
		}
	})
}

func TestClientExchangeFallback(t *testing.T) {
	tests := []struct {
		name       string
		noExchange bool
		wantCalls  map[string]int
	}{
		{"new node", false, map[string]int{"atlas_peer_exchange": 1, "get_atlas_peers": 0}},
		{"old node", true, map[string]int{"atlas_peer_exchange": 1, "get_atlas_peers": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := peertest.Start(t, peertest.Config{NoExchange: tc.noExchange, Neighbors: []string{"a.example:6264", "b.example:6264"}})
			got, err := mustClient(t, p.HostPort(), ClientConfig{}).PeerExchange(context.Background(), "localhost:6264")
			if err != nil || len(got) != 2 {
				t.Fatalf("peers = %q, %v", got, err)
			}
			for m, n := range tc.wantCalls {
				if p.Calls(m) != n {
					t.Errorf("%s called %d times, want %d", m, p.Calls(m), n)
				}
			}
		})
	}
}

func TestClientTimeouts(t *testing.T) {
	p := peertest.Start(t, peertest.Config{Delay: 300 * time.Millisecond})
	c := mustClient(t, p.HostPort(), ClientConfig{Timeouts: Timeouts{Ping: 50 * time.Millisecond}})
	ctx := context.Background()
	start := time.Now()
	if _, err := c.GetInfo(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("getinfo err = %v, want a deadline", err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Fatalf("getinfo took %v with a 50ms timeout", d)
	}
	// The inventory keeps its own (default 10 s) deadline.
	if _, err := c.GetZonefileInventory(ctx, 0, 10); err != nil {
		t.Fatalf("inventory: %v", err)
	}
}

func TestClientArgs(t *testing.T) {
	// Nothing listens here: argument errors must come before any I/O.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := mustClient(t, addr, ClientConfig{Transport: http.DefaultTransport})
	ctx := context.Background()
	six := make([][]byte, 6)
	tests := []struct {
		name string
		call func() error
	}{
		{"inventory too long", func() error { _, err := c.GetZonefileInventory(ctx, 0, MaxInventoryLength+1); return err }},
		{"inventory negative offset", func() error { _, err := c.GetZonefileInventory(ctx, -1, 1); return err }},
		{"no hashes", func() error { _, err := c.GetZonefiles(ctx, nil); return err }},
		{"six zonefiles", func() error { _, err := c.PutZonefiles(ctx, six); return err }},
		{"zonefile too big", func() error { _, err := c.PutZonefiles(ctx, [][]byte{make([]byte, MaxZonefileLen+1)}); return err }},
		{"33 heights", func() error { _, err := c.GetConsensusHashes(ctx, make([]int64, 33)); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, ErrArgs) {
				t.Fatalf("err = %v, want ErrArgs", err)
			}
		})
	}
	if _, err := NewClient("no-port.example", ClientConfig{}); !errors.Is(err, ErrHostPort) {
		t.Fatalf("NewClient without port: %v", err)
	}
}
