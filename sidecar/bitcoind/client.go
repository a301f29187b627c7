package bitcoind

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/rpcclient"
)

// Config says how to reach the node.
type Config struct {
	// Host is the RPC address, host:port (bitcoind's rpcbind/rpcport).
	Host string
	// User and Pass are rpcuser/rpcpassword. When Pass is empty the cookie
	// file is used.
	User, Pass string
	// CookieFile is bitcoind's .cookie (datadir/.cookie, or
	// datadir/<chain>/.cookie off mainnet).
	CookieFile string
	// Timeout bounds each call (default 30 s; getblock of a large block
	// on a busy node can take seconds).
	Timeout time.Duration
	// Conns is how many calls may run at once (default 4). rpcclient's
	// HTTP POST mode sends one request at a time per client, so this is
	// also the number of rpcclient instances. Keep it at or below
	// bitcoind's rpcworkqueue (default 16) minus what other clients use.
	Conns int
	// Observe, if set, is told the method, duration and outcome of every
	// call (for latency and error metrics).
	Observe func(method string, took time.Duration, err error)
}

// Client is a pool of rpcclient connections to one node. It is safe for
// concurrent use.
type Client struct {
	cfg  Config
	pool chan *rpcclient.Client
	all  []*rpcclient.Client
}

// New checks cfg and builds the pool; it does not contact the node.
func New(cfg Config) (*Client, error) {
	if cfg.Host == "" {
		return nil, errors.New("bitcoind: no RPC host configured")
	}
	if _, _, err := net.SplitHostPort(cfg.Host); err != nil {
		return nil, fmt.Errorf("bitcoind: RPC host %q: want host:port", cfg.Host)
	}
	if cfg.Pass == "" && cfg.CookieFile == "" {
		return nil, errors.New("bitcoind: no credentials: set an RPC password or bitcoind's cookie file")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Conns <= 0 {
		cfg.Conns = 4
	}
	c := &Client{cfg: cfg, pool: make(chan *rpcclient.Client, cfg.Conns)}
	for i := 0; i < cfg.Conns; i++ {
		rc, err := rpcclient.New(&rpcclient.ConnConfig{
			Host:         cfg.Host,
			User:         cfg.User,
			Pass:         cfg.Pass,
			CookiePath:   cfg.CookieFile,
			HTTPPostMode: true,
			DisableTLS:   true,
		}, nil)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("bitcoind: %w", err)
		}
		c.all = append(c.all, rc)
		c.pool <- rc
	}
	return c, nil
}

// Close shuts every connection down. Calls still waiting on a hung node
// return when their deadline passes.
func (c *Client) Close() {
	for _, rc := range c.all {
		rc.Shutdown()
	}
}

// Conns is the number of calls that may run at once.
func (c *Client) Conns() int { return c.cfg.Conns }

// call runs one JSON-RPC method and returns its raw result.
func (c *Client) call(ctx context.Context, method string, params ...any) (res json.RawMessage, err error) {
	if c.cfg.Observe != nil {
		start := time.Now()
		defer func() { c.cfg.Observe(method, time.Since(start), err) }()
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	raw := make([]json.RawMessage, len(params))
	for i, p := range params {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("bitcoind: %s: %w", method, err)
		}
		raw[i] = b
	}
	rc, err := c.acquire(ctx, method)
	if err != nil {
		return nil, err
	}
	fut := rc.RawRequestAsync(method, raw)
	// rpcclient's future is a channel of one reply; relaying it lets the
	// wait below also probe the node without losing the reply.
	var r *rpcclient.Response
	done := make(chan struct{})
	go func() {
		r = <-fut
		close(done)
	}()
	if werr := c.await(ctx, done); werr != nil {
		// The request is still in rpcclient's hands; the connection
		// rejoins the pool when it completes, so a hung node holds at
		// most Conns goroutines.
		go func() {
			<-done
			c.pool <- rc
		}()
		if ctx.Err() != nil {
			return nil, &Error{Method: method, Kind: KindTimeout, Err: ctx.Err()}
		}
		return nil, &Error{Method: method, Kind: KindUnreachable, Msg: "nothing listens at " + c.cfg.Host, Err: werr}
	}
	c.pool <- rc
	res, err = rpcclient.FutureRawResult(singleResponse(r)).Receive()
	return res, classify(method, err)
}

// acquire takes a connection from the pool. When every connection is
// still waiting on a node that stopped, the probe reports that at once
// rather than after the call's whole deadline.
func (c *Client) acquire(ctx context.Context, method string) (*rpcclient.Client, error) {
	select {
	case rc := <-c.pool:
		return rc, nil
	default:
	}
	t := time.NewTimer(probeAfter)
	defer t.Stop()
	for {
		select {
		case rc := <-c.pool:
			return rc, nil
		case <-ctx.Done():
			return nil, &Error{Method: method, Kind: KindTimeout, Msg: "every RPC connection is waiting on the node", Err: ctx.Err()}
		case <-t.C:
			if gone, err := refused(ctx, c.cfg.Host); gone {
				return nil, &Error{Method: method, Kind: KindUnreachable, Msg: "nothing listens at " + c.cfg.Host, Err: err}
			}
			t.Reset(probeAfter)
		}
	}
}

// singleResponse re-wraps one received response as a future so rpcclient's
// own decoding (including its error type) applies.
func singleResponse(r *rpcclient.Response) chan *rpcclient.Response {
	ch := make(chan *rpcclient.Response, 1)
	ch <- r
	return ch
}

func (c *Client) decode(ctx context.Context, out any, method string, params ...any) error {
	raw, err := c.call(ctx, method, params...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{Method: method, Kind: KindProtocol, Msg: err.Error()}
	}
	return nil
}

// ChainInfo is the part of getblockchaininfo the follower uses.
type ChainInfo struct {
	Chain         string  `json:"chain"`
	Blocks        int64   `json:"blocks"`
	Headers       int64   `json:"headers"`
	BestBlockHash string  `json:"bestblockhash"`
	IBD           bool    `json:"initialblockdownload"`
	Progress      float64 `json:"verificationprogress"`
	Pruned        bool    `json:"pruned"`
}

// ChainInfo returns the node's view of its best chain.
func (c *Client) ChainInfo(ctx context.Context) (*ChainInfo, error) {
	var ci ChainInfo
	if err := c.decode(ctx, &ci, "getblockchaininfo"); err != nil {
		return nil, err
	}
	return &ci, nil
}

// Tip returns the height and hash of the node's best block, read in one
// call so the two agree.
func (c *Client) Tip(ctx context.Context) (int64, chainhash.Hash, error) {
	ci, err := c.ChainInfo(ctx)
	if err != nil {
		return 0, chainhash.Hash{}, err
	}
	h, err := chainhash.NewHashFromStr(ci.BestBlockHash)
	if err != nil {
		return 0, chainhash.Hash{}, &Error{Method: "getblockchaininfo", Kind: KindProtocol, Msg: "bestblockhash: " + err.Error()}
	}
	return ci.Blocks, *h, nil
}

// BlockHash returns the hash of the best-chain block at height. A height
// above the node's tip is an RPC error with CodeInvalidParameter.
func (c *Client) BlockHash(ctx context.Context, height int64) (chainhash.Hash, error) {
	var s string
	if err := c.decode(ctx, &s, "getblockhash", height); err != nil {
		return chainhash.Hash{}, err
	}
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return chainhash.Hash{}, &Error{Method: "getblockhash", Kind: KindProtocol, Msg: err.Error()}
	}
	return *h, nil
}

// RawBlock returns the serialized block (getblock verbosity 0). Stale
// blocks are served too, which is what lets a follower read a block it is
// about to roll back.
func (c *Client) RawBlock(ctx context.Context, hash chainhash.Hash) ([]byte, error) {
	return c.hexCall(ctx, "getblock", hash.String(), 0)
}

// RawTx returns a serialized transaction (getrawtransaction, not verbose).
// Confirmed transactions need the node's txindex.
func (c *Client) RawTx(ctx context.Context, txid chainhash.Hash) ([]byte, error) {
	return c.hexCall(ctx, "getrawtransaction", txid.String(), 0)
}

func (c *Client) hexCall(ctx context.Context, method string, params ...any) ([]byte, error) {
	raw, err := c.call(ctx, method, params...)
	if err != nil {
		return nil, err
	}
	// A hex string has nothing JSON would escape, so the bytes between
	// the quotes are the hex itself: decoding them directly saves a
	// second pass over a reply that is twice the size of the block.
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, &Error{Method: method, Kind: KindProtocol, Msg: "result is not a hex string"}
	}
	b := make([]byte, hex.DecodedLen(len(raw)-2))
	if _, err := hex.Decode(b, raw[1:len(raw)-1]); err != nil {
		return nil, &Error{Method: method, Kind: KindProtocol, Msg: "hex: " + err.Error()}
	}
	return b, nil
}

// NetworkInfo is the part of getnetworkinfo used to recognise the node.
type NetworkInfo struct {
	Version    int64  `json:"version"`
	Subversion string `json:"subversion"`
}

// NetworkInfo returns the node's version strings.
func (c *Client) NetworkInfo(ctx context.Context) (*NetworkInfo, error) {
	var ni NetworkInfo
	if err := c.decode(ctx, &ni, "getnetworkinfo"); err != nil {
		return nil, err
	}
	return &ni, nil
}

// IsBitcoinCore reports whether the node says it is Bitcoin Core
// ("/Satoshi:x.y.z/"); btcd and others answer the same RPC with their own
// subversion and version numbering.
func (ni *NetworkInfo) IsBitcoinCore() bool { return strings.HasPrefix(ni.Subversion, "/Satoshi:") }
