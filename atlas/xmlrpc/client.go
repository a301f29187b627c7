package xmlrpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// DefaultTimeout is the v1 client's generic RPC timeout
// (config.py RPC_DEFAULT_TIMEOUT).
const DefaultTimeout = 30 * time.Second

// DefaultMaxResponseBytes is the v1 client's reply cap (config.py
// MAX_RPC_LEN = 150 × 40960): room for a get_zonefiles reply of 100
// zonefiles at the 40 KiB maximum, base64-encoded, plus envelope.
const DefaultMaxResponseBytes = 150 * 40960

// ClientConfig tunes a Client. The zero value gives the v1 client's limits.
type ClientConfig struct {
	// Transport makes the HTTP requests; nil means http.DefaultTransport,
	// which also asks for and transparently undoes gzip replies.
	Transport http.RoundTripper
	// Timeout bounds each call on top of the caller's context. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes caps the (decompressed) reply body. Zero means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Limits bound the decoder; zero fields take DefaultLimits.
	Limits Limits
	// UserAgent is sent with every request; empty means "atlasd-xmlrpc".
	UserAgent string
}

// Client calls methods on one XML-RPC endpoint. It is safe for concurrent
// use.
type Client struct {
	endpoint string
	cfg      ClientConfig
	http     *http.Client
}

// NewClient returns a client for endpoint, an http or https URL. As with
// Python's ServerProxy, a URL with no path posts to /RPC2.
func NewClient(endpoint string, cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: endpoint: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("xmlrpc: endpoint %q is not an http(s) URL", endpoint)
	}
	if u.Path == "" {
		u.Path = "/RPC2"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	cfg.Limits = cfg.Limits.orDefault()
	if cfg.UserAgent == "" {
		cfg.UserAgent = "atlasd-xmlrpc"
	}
	hc := &http.Client{
		Transport: cfg.Transport,
		// xmlrpc.client does not follow redirects; a redirect is a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Client{endpoint: u.String(), cfg: cfg, http: hc}, nil
}

// Endpoint returns the URL the client posts to.
func (c *Client) Endpoint() string { return c.endpoint }

// Call invokes method with params and returns its result. A fault reply is
// returned as a *Fault error, a non-200 status as *HTTPError, an oversize
// reply as ErrTooLarge and a malformed one as *ParseError.
func (c *Client) Call(ctx context.Context, method string, params ...Value) (Value, error) {
	body, err := AppendCall(nil, method, params...)
	if err != nil {
		return Value{}, fmt.Errorf("xmlrpc: call %s: %w", method, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return Value{}, fmt.Errorf("xmlrpc: call %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return Value{}, fmt.Errorf("xmlrpc: call %s: %w", method, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Value{}, &HTTPError{StatusCode: resp.StatusCode, Status: resp.Status}
	}
	data, err := readCapped(resp, c.cfg.MaxResponseBytes)
	if err != nil {
		return Value{}, fmt.Errorf("xmlrpc: call %s: %w", method, err)
	}
	v, err := ParseResponse(data, c.cfg.Limits)
	if err != nil {
		var f *Fault
		if errors.As(err, &f) {
			return Value{}, f
		}
		return Value{}, fmt.Errorf("xmlrpc: call %s: %w", method, err)
	}
	return v, nil
}

// readCapped reads at most max bytes of body, failing with ErrTooLarge as
// soon as the declared length or the bytes read exceed it. Reading stops at
// max+1 bytes, so a gzip bomb costs no more than an honest large reply.
func readCapped(resp *http.Response, max int64) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, fmt.Errorf("%w: reply declares %d bytes, cap %d", ErrTooLarge, resp.ContentLength, max)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: reply over %d bytes", ErrTooLarge, max)
	}
	return data, nil
}
