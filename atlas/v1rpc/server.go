package v1rpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// Defaults for Config fields left zero; each is the v1 value.
const (
	// DefaultVersion is the server_version v1 nodes of the last release
	// reported; peers refuse versions older than 0.17.
	DefaultVersion = "22.0.0.0"
	// DefaultFirstBlock is FIRST_BLOCK_MAINNET, the first BNS block.
	DefaultFirstBlock = 373601
	// DefaultRPCPort is RPC_SERVER_PORT. v1 recorded every non-local peer
	// exchange caller at this port, whatever port it called from.
	DefaultRPCPort = 6264
	// DefaultMaxInFlight is MAX_RPC_THREADS: more concurrent requests get
	// the "overloaded" reply.
	DefaultMaxInFlight = 1000
	// StaleAfter is RPC_MAX_INDEXING_DELAY: a node that has not synced for
	// this long says so in every reply.
	StaleAfter = 2 * time.Hour
)

// Peers is what the peer-exchange methods need from the peer table.
type Peers interface {
	// LiveNeighbors returns the live peers ("host:port") other than
	// requester, shuffled; the server sends at most 80 of them.
	LiveNeighbors(requester string) []string
	// Enqueue offers hostport, the caller of a peer exchange, as a
	// candidate peer.
	Enqueue(hostport string)
}

// Config sets up a Server. Core is required; zero fields take the defaults
// above.
type Config struct {
	// Core is the node whose inventory, zonefiles and chain are served.
	Core *node.Core
	// Peers answers the peer-exchange methods; nil answers with no peers
	// and records nobody.
	Peers Peers
	// Version is reported by ping and getinfo.
	Version string
	// FirstBlock is getinfo's first_block and the lowest height the
	// consensus methods accept (v1's check_block).
	FirstBlock int64
	// RPCPort is the port recorded for non-local peer-exchange callers.
	RPCPort int
	// Testnet is getinfo's testnet flag: "" reports false, "true" reports
	// true, anything else ("hosted", or the network's magic bytes) is
	// reported as that string, as v1 did.
	Testnet string
	// BlockCount returns the Bitcoin node's block count for getinfo's
	// last_block_seen; nil reports the last processed block. An error gives
	// the exception reply v1 gave when bitcoind was unreachable.
	BlockCount func(ctx context.Context) (int64, error)
	// Indexing reports whether the chain is catching up, for the indexing
	// flag; nil reports false.
	Indexing func() bool
	// MaxInFlight bounds concurrent requests.
	MaxInFlight int
	// Limits bound each client address and the connections; zero fields
	// take their defaults.
	Limits Limits
	// XMLRPC tunes the transport; its zero value gives v1's limits. Its
	// NotFound hook is set by New.
	XMLRPC xmlrpc.ServerConfig
	// Now returns the current time, for staleness and the rate limit's
	// buckets; nil means time.Now.
	Now func() time.Time
	// Logger receives per-request debug lines.
	Logger zerolog.Logger
}

// Server serves the v1 Atlas methods. It is an http.Handler for the paths
// "/" and "/RPC2".
type Server struct {
	cfg      Config
	core     *node.Core
	rpc      *xmlrpc.Server
	stats    Stats
	inFlight atomic.Int64
	limits   *limiter
	// The canned replies the listener writes to refused connections.
	overloadedRaw, rateLimitedRaw []byte
}

// handler is one method's body: it gets parameters whose number has been
// checked and returns the reply object.
type handler func(ctx context.Context, params []xmlrpc.Value) obj

// New returns a Server with every v1 Atlas method registered.
func New(cfg Config) (*Server, error) {
	if cfg.Core == nil {
		return nil, errors.New("v1rpc: Config.Core is required")
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.FirstBlock == 0 {
		cfg.FirstBlock = DefaultFirstBlock
	}
	if cfg.RPCPort == 0 {
		cfg.RPCPort = DefaultRPCPort
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lim, err := cfg.Limits.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Limits = lim
	s := &Server{cfg: cfg, core: cfg.Core, limits: newLimiter(lim, cfg.Now)}
	if s.overloadedRaw, err = cannedHTTP(overloadedReply); err != nil {
		return nil, err
	}
	if s.rateLimitedRaw, err = cannedHTTP(rateLimitedReply); err != nil {
		return nil, err
	}
	xc := cfg.XMLRPC
	xc.NotFound = s.notFound
	s.rpc = xmlrpc.NewServer(xc)
	methods := []struct {
		name   string
		params int
		fn     handler
	}{
		{"ping", 0, s.ping},
		{"getinfo", 0, s.getinfo},
		{"get_zonefile_inventory", 2, s.getZonefileInventory},
		{"atlas_peer_exchange", 1, s.atlasPeerExchange},
		{"get_atlas_peers", 0, s.getAtlasPeers},
		{"get_zonefiles", 1, s.getZonefiles},
		{"put_zonefiles", 1, s.putZonefiles},
		{"get_zonefiles_by_block", 4, s.getZonefilesByBlock},
		{"get_consensus_at", 1, s.getConsensusAt},
		{"get_consensus_hashes", 1, s.getConsensusHashes},
		{"get_block_from_consensus", 1, s.getBlockFromConsensus},
	}
	byName := map[string]*MethodStats{}
	for _, m := range s.stats.methods() {
		byName[m.name] = m.stats
	}
	for _, m := range methods {
		if err := s.rpc.Register(m.name, s.wrap(m.name, m.params, byName[m.name], m.fn)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Stats returns the server's counters.
func (s *Server) Stats() *Stats { return &s.stats }

// ServeHTTP implements http.Handler. The caller's address must have
// tokens left; the call's cost is taken when it is done.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, wait, ok := s.limits.begin(s.limits.clientOf(r.RemoteAddr))
	if !ok {
		s.stats.RateLimited.Add(1)
		s.rateLimited(w, r, wait)
		return
	}
	call := &callState{addr: a}
	defer func() { s.limits.end(a, s.cfg.Limits.CallCost+call.n.Load(), call.zonefileCall.Load()) }()
	if s.inFlight.Add(1) > int64(s.cfg.MaxInFlight) {
		s.inFlight.Add(-1)
		s.stats.Overloaded.Add(1)
		s.cannedReply(w, overloadedReply, true)
		return
	}
	defer s.inFlight.Add(-1)
	r.Body = countingBody{r.Body, call}
	s.rpc.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, call)))
}

// rateLimited answers a refused call after holding it for the time its
// address's bucket needs to refill by one call (at most maxRefusalDelay),
// so that a flooder on a few connections gets a few refusals a second
// instead of as many as it can read. The connection stays open: an honest
// client that met the limit once need not reconnect.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	if wait = min(wait, maxRefusalDelay); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	s.cannedReply(w, rateLimitedReply, false)
}

// zonefileCallSlot takes a get_zonefiles slot for the call in ctx (see
// Limits.MaxZonefileCalls). Refused, it waits maxRefusalDelay, as a refused
// call does, and returns the reply to send instead.
func (s *Server) zonefileCallSlot(ctx context.Context) (obj, bool) {
	c, ok := ctx.Value(callKey{}).(*callState)
	if !ok {
		return nil, true // not through ServeHTTP: nothing to limit
	}
	var reply obj
	switch s.limits.takeZonefileCall(c.addr) {
	case connOK:
		c.zonefileCall.Store(true)
		return nil, true
	case connOverloaded:
		s.stats.Overloaded.Add(1)
		reply = overloadedReply
	default:
		s.stats.RateLimited.Add(1)
		reply = rateLimitedReply
	}
	t := time.NewTimer(maxRefusalDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return reply, false
}

// overloadedReply is v1's refusal for a server with too many requests.
// rateLimitedReply has the same shape for one address over its limit: it
// is an error object with an http_status, which v1's client validates as an
// error (json_validate_error) and its Atlas code treats as a failed call,
// lowering the peer's health and not asking it for those zonefiles again
// until its inventory is next read, as it treats "overloaded".
var (
	overloadedReply = obj{{"status", false}, {"indexing", false}, {"lastblock", -1},
		{"error", "overloaded"}, {"http_status", 429}}
	rateLimitedReply = obj{{"status", false}, {"indexing", false}, {"lastblock", -1},
		{"error", "rate limited"}, {"http_status", 429}}
)

// cannedReply sends one of the canned replies. v1 wrote "overloaded" raw
// and got its Content-Length wrong (it counted only the JSON); this one is
// well-formed. closeConn closes the connection afterwards, as v1 did.
func (s *Server) cannedReply(w http.ResponseWriter, reply obj, closeConn bool) {
	body, err := cannedXML(reply)
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if closeConn {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// cannedXML is reply as the XML-RPC response v1 sent it in.
func cannedXML(reply obj) ([]byte, error) {
	body, err := appendJSON(nil, reply)
	if err != nil {
		return nil, err
	}
	return xmlrpc.AppendResponse(nil, xmlrpc.String(string(body)))
}

// cannedHTTP is reply as a whole HTTP/1.0 response, for a connection
// refused before a request was read.
func cannedHTTP(reply obj) ([]byte, error) {
	body, err := cannedXML(reply)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	return append([]byte(head), body...), nil
}

// Tracked returns how many client addresses the rate limiter remembers.
func (s *Server) Tracked() int { return s.limits.tracked() }

// OpenConns returns how many connections of wrapped listeners are open.
func (s *Server) OpenConns() int { return s.limits.openConns() }

// wrap turns a handler into an XML-RPC method doing what v1's dispatcher
// did around every call: log formatting (which failed on non-ASCII string
// parameters), the arity check Python applies, and json.dumps of the reply.
func (s *Server) wrap(name string, params int, st *MethodStats, fn handler) xmlrpc.Method {
	return func(ctx context.Context, args []xmlrpc.Value) (result xmlrpc.Value, err error) {
		st.Requests.Add(1)
		defer func() {
			// v1's dispatcher caught every exception and answered with its
			// traceback; a panic here (a bug, or a Peers implementation
			// failing) gets the same shape instead of a dropped connection.
			if p := recover(); p != nil {
				s.cfg.Logger.Error().Str("method", name).Interface("panic", p).Msg("rpc method panicked")
				result, err = s.finish(ctx, name, st, exception(fmt.Sprintf("Exception: %v", p))), nil
			}
		}()
		var reply obj
		if exc, bad := nonASCIIParam(args); bad {
			reply = exc
		} else if len(args) != params {
			reply = arityError(name, params, len(args))
		} else {
			reply = fn(ctx, args)
		}
		return s.finish(ctx, name, st, reply), nil
	}
}

// notFound answers a method v1 did not have.
func (s *Server) notFound(ctx context.Context, method string, args []xmlrpc.Value) (xmlrpc.Value, error) {
	st := &s.stats.Unknown
	st.Requests.Add(1)
	reply, bad := nonASCIIParam(args)
	if !bad {
		if msg, nonASCII := asciiEncodeError(method); nonASCII {
			reply = exception("UnicodeEncodeError: " + msg)
		} else {
			reply = unknownMethod(method)
		}
	}
	return s.finish(ctx, method, st, reply), nil
}

// finish encodes a reply, counts it and adds it to the call's cost.
func (s *Server) finish(ctx context.Context, name string, st *MethodStats, reply obj) xmlrpc.Value {
	out, err := appendJSON(nil, reply)
	if err != nil {
		// A reply this package built but cannot encode is a bug here; the
		// peer sees what v1 showed for an exception inside json.dumps.
		reply = exception("TypeError: " + err.Error())
		out, _ = appendJSON(nil, reply)
	}
	if isErrorReply(reply) {
		st.Errors.Add(1)
	}
	st.Bytes.Add(uint64(len(out)))
	if c, ok := ctx.Value(callKey{}).(*callState); ok {
		c.n.Add(int64(len(out)))
	}
	s.cfg.Logger.Debug().Str("method", name).Int("bytes", len(out)).Bool("error", isErrorReply(reply)).Msg("rpc")
	return xmlrpc.String(string(out))
}

// success is v1's success_response: the status fields, then the method's
// own, then the staleness warning if the node has stopped syncing.
func (s *Server) success(fields ...member) obj {
	o := obj{{"status", true}, {"indexing", s.indexing()}, {"lastblock", s.core.Chain().LastBlock()}}
	o = append(o, fields...)
	if last, stale := s.stale(); stale {
		o = append(o, member{"stale", true}, member{"warning", "Daemon has not reindexed since " + pyFloatStr(last)})
	}
	return o
}

func (s *Server) indexing() bool {
	return s.cfg.Indexing != nil && s.cfg.Indexing()
}

// stale reports whether the node has not synced for StaleAfter, and when it
// last did, in Unix seconds.
func (s *Server) stale() (float64, bool) {
	last := s.core.LastSync()
	return float64(last.UnixNano()) / 1e9, s.cfg.Now().Sub(last) > StaleAfter
}

// pyFloatStr is Python 2's str() of a float: 12 significant digits, with
// ".0" added to an integral value.
func pyFloatStr(f float64) string {
	out := strconv.FormatFloat(f, 'g', 12, 64)
	for i := 0; i < len(out); i++ {
		if c := out[i]; c == '.' || c == 'e' || c == 'n' || c == 'N' {
			return out
		}
	}
	return out + ".0"
}
