package peertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// DefaultConsensus and DefaultBlock are a published mainnet pair (the
// stacks-core fast-sync snapshot at 653759), what Peer's getinfo reports
// unless told otherwise.
const (
	DefaultConsensus = "17e4af7e088cbd043625843b642e2b2d"
	DefaultBlock     = 653759
)

// Config describes a Peer.
type Config struct {
	// Version is the ping/getinfo version; empty means "22.2.0.0".
	Version string
	// Consensus and Block are what getinfo reports; zero values mean
	// DefaultConsensus and DefaultBlock.
	Consensus string
	Block     int64
	// Testnet is getinfo's "testnet" value; nil means false.
	Testnet any
	// Stale adds "stale": true to getinfo.
	Stale bool
	// Order is the inventory: one slot per entry, in this order.
	Order []inventory.Hash
	// Files are the zonefiles held, by the hash they are served under.
	Files map[inventory.Hash][]byte
	// Corrupt names held zonefiles served with their last byte flipped
	// under their true hash.
	Corrupt map[inventory.Hash]bool
	// Withhold names hashes advertised in the inventory but never served.
	Withhold map[inventory.Hash]bool
	// Neighbors is the neighbour list served by peer exchange.
	Neighbors []string
	// NoExchange makes atlas_peer_exchange fail the way a node without the
	// method does (an exception object), so callers fall back.
	NoExchange bool
	// Delay is added to every call.
	Delay time.Duration
	// Log, if set, records every get_zonefiles and put_zonefiles call, so
	// that tests can see the order of calls across several peers.
	Log *CallLog
}

// Call is one logged call.
type Call struct {
	// Peer is the HostPort of the peer called.
	Peer string
	// Method is the XML-RPC method.
	Method string
	// Hashes are the hashes asked for (get_zonefiles) or pushed
	// (put_zonefiles, as computed from the data).
	Hashes []string
}

// CallLog is a log shared by several peers. The zero value is ready.
type CallLog struct {
	mu    sync.Mutex
	calls []Call
}

// Calls returns the calls so far, in order.
func (l *CallLog) Calls() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}

func (l *CallLog) add(c Call) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

// Peer is a running v1-shaped Atlas node on 127.0.0.1.
type Peer struct {
	srv      *httptest.Server
	hostport string
	cfg      Config

	mu        sync.Mutex
	present   map[inventory.Hash]bool
	announced map[inventory.Hash]bool
	calls     map[string]int
	batches   [][]string
	received  [][]byte
	exchanged []string
}

// Start runs a Peer until the test ends.
func Start(tb testing.TB, cfg Config) *Peer {
	tb.Helper()
	if cfg.Version == "" {
		cfg.Version = "22.2.0.0"
	}
	if cfg.Consensus == "" {
		cfg.Consensus = DefaultConsensus
	}
	if cfg.Block == 0 {
		cfg.Block = DefaultBlock
	}
	if cfg.Testnet == nil {
		cfg.Testnet = false
	}
	p := &Peer{
		cfg:       cfg,
		present:   make(map[inventory.Hash]bool),
		announced: make(map[inventory.Hash]bool),
		calls:     make(map[string]int),
	}
	files := make(map[inventory.Hash][]byte, len(cfg.Files))
	for h, d := range cfg.Files {
		files[h] = d
	}
	p.cfg.Files = files
	for _, h := range cfg.Order {
		p.announced[h] = true
		if _, held := files[h]; held || cfg.Withhold[h] {
			p.present[h] = true
		}
	}
	s := xmlrpc.NewServer(xmlrpc.ServerConfig{NotFound: p.notFound})
	for name, m := range map[string]func(context.Context, []xmlrpc.Value) any{
		"ping":                   p.ping,
		"getinfo":                p.getinfo,
		"get_zonefile_inventory": p.inventory,
		"atlas_peer_exchange":    p.exchange,
		"get_atlas_peers":        p.getAtlasPeers,
		"get_zonefiles":          p.getZonefiles,
		"put_zonefiles":          p.putZonefiles,
		"get_consensus_hashes":   p.consensusHashes,
	} {
		if err := s.Register(name, p.wrap(name, m)); err != nil {
			tb.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}}
	p.srv.Start()
	tb.Cleanup(p.srv.Close)
	p.hostport = ln.Addr().String()
	return p
}

// HostPort returns the peer's address, "127.0.0.1:<port>".
func (p *Peer) HostPort() string { return p.hostport }

// wrap counts the call, sleeps Delay and returns the method's result as
// the JSON string v1 sends.
func (p *Peer) wrap(name string, m func(context.Context, []xmlrpc.Value) any) xmlrpc.Method {
	return func(ctx context.Context, params []xmlrpc.Value) (xmlrpc.Value, error) {
		p.mu.Lock()
		p.calls[name]++
		p.mu.Unlock()
		if p.cfg.Delay > 0 {
			select {
			case <-time.After(p.cfg.Delay):
			case <-ctx.Done():
				return xmlrpc.Value{}, ctx.Err()
			}
		}
		b, err := json.Marshal(m(ctx, params))
		if err != nil {
			return xmlrpc.Value{}, err
		}
		return xmlrpc.String(string(b)), nil
	}
}

func (p *Peer) notFound(ctx context.Context, method string, params []xmlrpc.Value) (xmlrpc.Value, error) {
	return exceptionReply("KeyError: 'rpc_" + method + "'"), nil
}

func exceptionReply(msg string) xmlrpc.Value {
	b, _ := json.Marshal(map[string]any{"error": msg, "traceback": []string{"Traceback (most recent call last):", msg}})
	return xmlrpc.String(string(b))
}

// Calls returns how often method was called.
func (p *Peer) Calls(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[method]
}

// Batches returns the hash lists of every get_zonefiles call, in order.
func (p *Peer) Batches() [][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]string(nil), p.batches...)
}

// Received returns every zonefile pushed with put_zonefiles, in order.
func (p *Peer) Received() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.received...)
}

// Exchanged returns the remote_peer arguments of atlas_peer_exchange calls.
func (p *Peer) Exchanged() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.exchanged...)
}

// Has reports whether the peer holds a zonefile under h (from the start or
// pushed to it).
func (p *Peer) Has(h inventory.Hash) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.cfg.Files[h]
	return ok
}

// SetNeighbors replaces the neighbour list.
func (p *Peer) SetNeighbors(n []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg.Neighbors = append([]string(nil), n...)
}

func (p *Peer) envelope(fields map[string]any) map[string]any {
	out := map[string]any{"status": true, "indexing": false, "lastblock": p.cfg.Block}
	for k, v := range fields {
		out[k] = v
	}
	return out
}

func badRequest(msg string) map[string]any {
	return map[string]any{"error": msg, "http_status": 400}
}

func (p *Peer) ping(context.Context, []xmlrpc.Value) any {
	return map[string]any{"status": "alive", "version": p.cfg.Version}
}

func (p *Peer) getinfo(context.Context, []xmlrpc.Value) any {
	out := map[string]any{
		"last_block_seen":      p.cfg.Block,
		"consensus":            p.cfg.Consensus,
		"server_version":       p.cfg.Version,
		"last_block_processed": p.cfg.Block,
		"server_alive":         true,
		"indexing":             false,
		"testnet":              p.cfg.Testnet,
		"first_block":          373601,
		"zonefile_count":       len(p.cfg.Order) + 1,
	}
	if p.cfg.Stale {
		out["stale"] = true
		out["warning"] = "Daemon has not reindexed since 7200 seconds"
	}
	return out
}

// inventoryBytes is the MSB-first vector of the slots whose hash is held
// or withheld (advertised).
func (p *Peer) inventoryBytes() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var v inventory.Vector
	_ = v.Resize(len(p.cfg.Order))
	for i, h := range p.cfg.Order {
		if p.present[h] {
			v.Set(i)
		}
	}
	return v.Bytes()
}

func (p *Peer) inventory(_ context.Context, params []xmlrpc.Value) any {
	if len(params) != 2 {
		return badRequest("invalid arguments")
	}
	off, ok1 := params[0].AsInt()
	n, ok2 := params[1].AsInt()
	if !ok1 || off < 0 {
		return badRequest("invalid offset")
	}
	if !ok2 || n < 0 || n > 524288 {
		return badRequest("invalid length")
	}
	inv := p.inventoryBytes()
	var out []byte
	if off < int64(len(inv)) {
		out = inv[off:min(int64(len(inv)), off+n)]
	}
	return p.envelope(map[string]any{"inv": base64.StdEncoding.EncodeToString(out)})
}

func (p *Peer) neighborsFor(exclude string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, n := range p.cfg.Neighbors {
		if n != exclude {
			out = append(out, n)
		}
	}
	return out
}

func (p *Peer) exchange(ctx context.Context, params []xmlrpc.Value) any {
	if p.cfg.NoExchange {
		return map[string]any{"error": "KeyError: 'rpc_atlas_peer_exchange'", "traceback": []string{"KeyError"}}
	}
	remote := ""
	if len(params) == 1 {
		remote, _ = params[0].AsString()
	}
	p.mu.Lock()
	p.exchanged = append(p.exchanged, remote)
	p.mu.Unlock()
	return p.envelope(map[string]any{"peers": p.neighborsFor(remote)})
}

func (p *Peer) getAtlasPeers(ctx context.Context, _ []xmlrpc.Value) any {
	host, _ := xmlrpc.RemoteHost(ctx)
	return p.envelope(map[string]any{"peers": p.neighborsFor(host + ":6264")})
}

func (p *Peer) getZonefiles(_ context.Context, params []xmlrpc.Value) any {
	if len(params) != 1 {
		return badRequest("Invalid zonefile hashes")
	}
	items, ok := params[0].AsArray()
	if !ok {
		return badRequest("Invalid zonefile hashes")
	}
	if len(items) > 100 {
		return badRequest("Too many requests (no more than 100 allowed)")
	}
	var asked []string
	for _, it := range items {
		s, ok := it.AsString()
		if !ok || len(s) != 40 {
			return badRequest("Invalid zone file hash")
		}
		asked = append(asked, s)
	}
	p.mu.Lock()
	p.batches = append(p.batches, asked)
	p.mu.Unlock()
	p.cfg.Log.add(Call{Peer: p.hostport, Method: "get_zonefiles", Hashes: asked})
	out := map[string]string{}
	for _, s := range asked {
		h, err := inventory.ParseHash(s)
		if err != nil || p.cfg.Withhold[h] {
			continue
		}
		p.mu.Lock()
		data, held := p.cfg.Files[h]
		p.mu.Unlock()
		if !held || len(data) == 0 {
			continue
		}
		if p.cfg.Corrupt[h] {
			data = append([]byte(nil), data...)
			data[len(data)-1] ^= 0x01
		}
		out[s] = base64.StdEncoding.EncodeToString(data)
	}
	return p.envelope(map[string]any{"zonefiles": out})
}

func (p *Peer) putZonefiles(_ context.Context, params []xmlrpc.Value) any {
	if len(params) != 1 {
		return map[string]any{"error": "Invalid data", "http_status": 400}
	}
	items, ok := params[0].AsArray()
	if !ok {
		return map[string]any{"error": "Invalid data", "http_status": 400}
	}
	if len(items) > 5 {
		return map[string]any{"error": "Too many zonefiles", "http_status": 400}
	}
	saved := make([]int, 0, len(items))
	var pushed []string
	defer func() { p.cfg.Log.add(Call{Peer: p.hostport, Method: "put_zonefiles", Hashes: pushed}) }()
	for _, it := range items {
		s, _ := it.AsString()
		data, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(data) > 40960 {
			saved = append(saved, 0)
			continue
		}
		h := Hash160(data)
		pushed = append(pushed, h.String())
		p.mu.Lock()
		p.received = append(p.received, data)
		ok := p.announced[h]
		if ok {
			p.cfg.Files[h] = data
			p.present[h] = true
		}
		p.mu.Unlock()
		if ok {
			saved = append(saved, 1)
		} else {
			saved = append(saved, 0)
		}
	}
	return p.envelope(map[string]any{"saved": saved})
}

func (p *Peer) consensusHashes(_ context.Context, params []xmlrpc.Value) any {
	if len(params) != 1 {
		return badRequest("Invalid block heights")
	}
	items, ok := params[0].AsArray()
	if !ok || len(items) > 32 {
		return badRequest("Invalid block heights")
	}
	out := map[string]any{}
	for _, it := range items {
		h, ok := it.AsInt()
		if !ok {
			return badRequest("Invalid block height")
		}
		if h == p.cfg.Block {
			out[strconv.FormatInt(h, 10)] = p.cfg.Consensus
		} else {
			out[strconv.FormatInt(h, 10)] = nil
		}
	}
	return p.envelope(map[string]any{"consensus_hashes": out})
}
