package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"github.com/hashicorp/go-hclog"

	"github.com/atlasd/atlasd/plugin/driver"
)

// version is this driver's release, reported by Describe.
const version = "1.0.0"

// dropboxDriver implements driver.Driver on one Dropbox folder.
type dropboxDriver struct {
	log hclog.Logger

	mu   sync.RWMutex
	conn *conn // nil until configured
}

var _ driver.Driver = (*dropboxDriver)(nil)

func newDriver(log hclog.Logger) *dropboxDriver { return &dropboxDriver{log: log} }

// conn is one configuration's client: settings, tokens and the SDK.
type conn struct {
	cfg       settings
	api       files.ContextClient
	tokens    *tokens
	transport *http.Transport
}

func newConn(cfg settings) *conn {
	transport := &http.Transport{Proxy: http.ProxyFromEnvironment}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = def.Clone()
	}
	plain := &http.Client{Transport: transport, Timeout: cfg.timeout}
	tok := fixedTokens(cfg.accessToken)
	if cfg.refreshToken != "" {
		tok = refreshingTokens(cfg, plain)
	}
	api := files.NewContext(dropbox.Config{
		Client: &http.Client{Transport: &bearer{base: transport, tokens: tok}, Timeout: cfg.timeout},
		// The SDK retries 429 and 503 answers, honouring Retry-After (or
		// the body's retry_after) up to MaxRetryAfter and backing off
		// exponentially otherwise; longer waits fail the call at once so
		// the host can decide.
		RetryPolicy: &retry.Policy{
			MaxRetries:     cfg.maxRetries,
			InitialBackoff: 500 * time.Millisecond,
			MaxBackoff:     30 * time.Second,
			MaxRetryAfter:  cfg.maxRetryWait,
		},
		URLGenerator: func(host, namespace, route string) string {
			base := cfg.apiURL
			if host == "content" {
				base = cfg.contentURL
			}
			return base + "/2/" + namespace + "/" + route
		},
		// Debug logging would print request arguments; off it stays.
		LogLevel: dropbox.LogOff,
	})
	return &conn{cfg: cfg, api: api, tokens: tok, transport: transport}
}

func (c *conn) close() { c.transport.CloseIdleConnections() }

// do runs op, and once more after a refresh if Dropbox says the access
// token has expired: tokens can expire before their announced lifetime,
// and every call of the contract is safe to repeat.
func (c *conn) do(op func() error) error {
	gen := c.tokens.generation()
	err := op()
	if err == nil || authTag(err) != auth.AuthErrorExpiredAccessToken || !c.tokens.canRefresh() {
		return err
	}
	c.tokens.expire(gen)
	return op()
}

// Describe implements driver.Driver.
func (d *dropboxDriver) Describe(context.Context) (driver.Description, error) {
	return driver.Description{
		Name:    "dropbox",
		Version: version,
		Capabilities: driver.Capabilities{
			List:        true,
			MaxBlobSize: driver.MaxBlobSize,
		},
	}, nil
}

// Configure implements driver.Driver. It looks the folder up with the new
// credentials, so wrong settings fail here, once, rather than on every
// upload. A missing folder is fine: the first upload creates it.
func (d *dropboxDriver) Configure(ctx context.Context, req driver.ConfigureRequest) error {
	cfg, err := parseSettings(req.Settings)
	if err != nil {
		return err
	}
	c := newConn(cfg)
	exists, err := c.checkFolder(ctx)
	if err != nil {
		c.close()
		return fmt.Errorf("dropbox: configure: looking up folder %q: %w", cfg.folder, err)
	}
	d.mu.Lock()
	old := d.conn
	d.conn = c
	d.mu.Unlock()
	if old != nil {
		old.close()
	}
	d.log.Info("configured", "folder", cfg.folder, "folder_exists", exists, "auth", cfg.authMode(), "api_url", cfg.apiURL)
	return nil
}

// checkFolder reports whether the folder exists, and fails if the path
// holds a file or the credentials do not work.
func (c *conn) checkFolder(ctx context.Context) (bool, error) {
	var meta files.IsMetadata
	err := c.do(func() (err error) {
		meta, err = c.api.GetMetadataContext(ctx, files.NewGetMetadataArg(c.cfg.folder))
		return err
	})
	switch {
	case lookupTag(err) == files.LookupErrorNotFound:
		return false, nil
	case err != nil:
		return false, classifyConfig(err, c.cfg)
	}
	if _, ok := meta.(*files.FolderMetadata); !ok {
		return false, fmt.Errorf("%w: %s names something other than a folder", driver.ErrInvalidArgument, settingFolder)
	}
	return true, nil
}

// connection returns the configured client, or ErrNotConfigured.
func (d *dropboxDriver) connection() (*conn, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.conn == nil {
		return nil, fmt.Errorf("dropbox: %w", driver.ErrNotConfigured)
	}
	return d.conn, nil
}
