package peers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// Timeouts are the per-method deadlines of the v1 Atlas client (atlas.py
// PEER_*_TIMEOUT). A zero field takes its default.
type Timeouts struct {
	// Ping covers ping and getinfo (PEER_PING_TIMEOUT, 3 s).
	Ping time.Duration
	// Inventory covers get_zonefile_inventory (PEER_INV_TIMEOUT, 10 s).
	Inventory time.Duration
	// Neighbors covers atlas_peer_exchange and get_atlas_peers
	// (PEER_NEIGHBORS_TIMEOUT, 10 s).
	Neighbors time.Duration
	// GetZonefiles covers get_zonefiles (PEER_ZONEFILES_TIMEOUT, 30 s).
	GetZonefiles time.Duration
	// PutZonefiles covers put_zonefiles (PEER_PUSH_ZONEFILES_TIMEOUT, 10 s).
	PutZonefiles time.Duration
	// Other covers the remaining methods (the generic RPC timeout, 30 s).
	Other time.Duration
}

// DefaultTimeouts returns v1's values.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		Ping:         3 * time.Second,
		Inventory:    10 * time.Second,
		Neighbors:    10 * time.Second,
		GetZonefiles: 30 * time.Second,
		PutZonefiles: 10 * time.Second,
		Other:        xmlrpc.DefaultTimeout,
	}
}

func (t Timeouts) orDefault() Timeouts {
	d := DefaultTimeouts()
	for _, f := range []struct{ v, def *time.Duration }{
		{&t.Ping, &d.Ping}, {&t.Inventory, &d.Inventory}, {&t.Neighbors, &d.Neighbors},
		{&t.GetZonefiles, &d.GetZonefiles}, {&t.PutZonefiles, &d.PutZonefiles}, {&t.Other, &d.Other},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return t
}

// longest is the XML-RPC transport's own cap; the per-method context
// deadlines are always tighter or equal.
func (t Timeouts) longest() time.Duration {
	m := t.Ping
	for _, d := range []time.Duration{t.Inventory, t.Neighbors, t.GetZonefiles, t.PutZonefiles, t.Other} {
		m = max(m, d)
	}
	return m
}

// ClientConfig tunes the clients a Dialer makes. The zero value gives v1's
// behaviour over http.DefaultTransport.
type ClientConfig struct {
	// Transport makes the HTTP requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Timeouts are the per-method deadlines.
	Timeouts Timeouts
	// UserAgent is sent with every request; empty means the xmlrpc default.
	UserAgent string
}

// Errors of the typed calls. Transport failures come wrapped from package
// xmlrpc; a peer that answers with an error object gives a *RemoteError.
var (
	// ErrSchema reports a reply that is not what the method promises: not a
	// JSON object in a string, a missing or mistyped field, a bad peer
	// string, an inventory longer than asked.
	ErrSchema = errors.New("peers: reply does not match the v1 schema")
	// ErrNotAlive reports a ping reply whose status is not "alive".
	ErrNotAlive = errors.New("peers: peer is not alive")
	// ErrArgs reports call arguments the v1 server would refuse, caught
	// before sending.
	ErrArgs = errors.New("peers: bad call arguments")
)

// RemoteError is a JSON error object a peer sent instead of a result.
type RemoteError struct {
	// Method is the XML-RPC method called.
	Method string
	// Message is the peer's "error" text.
	Message string
	// HTTPStatus is the peer's "http_status", or 0 when absent.
	HTTPStatus int
	// Exception is set when the reply carried a traceback: v1's shape for
	// an exception in the server, which for an unknown method is how an
	// older node says it does not have it.
	Exception bool
}

// Error implements error.
func (e *RemoteError) Error() string {
	return fmt.Sprintf("peers: %s: remote error: %s", e.Method, e.Message)
}

// Client makes typed v1 Atlas calls to one peer. It is safe for concurrent
// use.
type Client struct {
	hostport string
	rpc      *xmlrpc.Client
	to       Timeouts
}

// NewClient returns a client for a peer at hostport (host:port, as peers
// gossip them). Atlas nodes always talk plain HTTP to each other: v1's
// crawler builds its RPC client with no scheme, which defaults to http.
func NewClient(hostport string, cfg ClientConfig) (*Client, error) {
	if !ValidPeerString(hostport) {
		return nil, fmt.Errorf("%w: %q", ErrHostPort, hostport)
	}
	to := cfg.Timeouts.orDefault()
	rpc, err := xmlrpc.NewClient("http://"+hostport, xmlrpc.ClientConfig{
		Transport: cfg.Transport,
		Timeout:   to.longest(),
		UserAgent: cfg.UserAgent,
	})
	if err != nil {
		return nil, fmt.Errorf("peers: client for %s: %w", hostport, err)
	}
	return &Client{hostport: hostport, rpc: rpc, to: to}, nil
}

// HostPort returns the peer address the client talks to.
func (c *Client) HostPort() string { return c.hostport }

// call invokes method and returns its reply: the JSON object inside the
// XML-RPC string, split into raw fields. An object with "error" or
// "traceback" is returned as a *RemoteError, as v1's json_is_error decides.
func (c *Client) call(ctx context.Context, timeout time.Duration, method string, params ...xmlrpc.Value) (object, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := c.rpc.Call(ctx, method, params...)
	if err != nil {
		return nil, fmt.Errorf("peers: %s %s: %w", c.hostport, method, err)
	}
	s, ok := v.AsString()
	if !ok {
		return nil, fmt.Errorf("%w: %s: result is %s, not a JSON string", ErrSchema, method, v.Kind())
	}
	var obj object
	if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("%w: %s: result is not a JSON object", ErrSchema, method)
	}
	_, hasErr := obj["error"]
	_, hasTB := obj["traceback"]
	if hasErr || hasTB {
		re := &RemoteError{Method: method, Exception: hasErr && hasTB}
		if m, err := obj.optString("error"); err == nil {
			re.Message = m
		}
		if st, ok, err := obj.optInt("http_status", 0); err == nil && ok {
			re.HTTPStatus = int(st)
		}
		return nil, re
	}
	return obj, nil
}

// callStandard is call for the methods whose replies go through v1's
// success_response: they must carry status (true), indexing and lastblock
// (json_response_schema).
func (c *Client) callStandard(ctx context.Context, timeout time.Duration, method string, params ...xmlrpc.Value) (object, error) {
	obj, err := c.call(ctx, timeout, method, params...)
	if err != nil {
		return nil, err
	}
	st, err := obj.reqBool("status")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	if !st {
		// v1 counts a reply without a true status as a failed request.
		return nil, fmt.Errorf("%w: %s: status is false", ErrSchema, method)
	}
	if _, err := obj.reqBool("indexing"); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	if _, err := obj.reqIntOrNull("lastblock", 0); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return obj, nil
}
