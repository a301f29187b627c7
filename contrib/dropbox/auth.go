package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
)

// tokens hands out the bearer token for API calls. With a refresh token it
// gets short-lived access tokens from Dropbox's token endpoint when the
// current one nears its expires_in, and on demand when Dropbox says a token
// has expired earlier than announced.
type tokens struct {
	conf   *oauth2.Config // nil for a fixed access token
	client *http.Client   // for refresh requests: no bearer, same timeouts

	// refreshing serializes refreshes, so that calls finding an expired
	// token wait for one refresh instead of each making their own; it is
	// a channel so that waiting respects the caller's context.
	refreshing chan struct{}

	mu      sync.Mutex
	current *oauth2.Token
	refresh string
	// gen counts refreshes; expire uses it to tell whether the token a
	// failed call used is still the current one.
	gen uint64
}

// fixedTokens serves one long-lived access token.
func fixedTokens(access string) *tokens {
	return &tokens{current: &oauth2.Token{AccessToken: access, TokenType: "bearer"}, refreshing: make(chan struct{}, 1)}
}

// refreshingTokens obtains access tokens with the refresh_token grant.
func refreshingTokens(s settings, client *http.Client) *tokens {
	style := oauth2.AuthStyleInHeader
	if s.appSecret == "" {
		// A PKCE app has no secret and names itself in the form.
		style = oauth2.AuthStyleInParams
	}
	return &tokens{
		conf: &oauth2.Config{
			ClientID:     s.appKey,
			ClientSecret: s.appSecret,
			Endpoint:     oauth2.Endpoint{TokenURL: s.tokenURL, AuthStyle: style},
		},
		client:     client,
		refresh:    s.refreshToken,
		refreshing: make(chan struct{}, 1),
	}
}

// canRefresh reports whether an expired token can be replaced.
func (t *tokens) canRefresh() bool { return t.conf != nil }

// generation returns the refresh count, to be passed to expire later.
func (t *tokens) generation() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.gen
}

// expire drops the current token if no refresh has happened since gen, so
// the next call refreshes. Calls that failed together on one expired token
// thus cause a single refresh.
func (t *tokens) expire(gen uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conf != nil && t.gen == gen {
		t.current = nil
	}
}

// token returns a usable access token, refreshing it if needed.
func (t *tokens) token(ctx context.Context) (string, error) {
	if tok, ok := t.valid(); ok {
		return tok, nil
	}
	select {
	case t.refreshing <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("dropbox: waiting for a token refresh: %w", ctx.Err())
	}
	defer func() { <-t.refreshing }()
	// Another call may have refreshed while this one waited.
	if tok, ok := t.valid(); ok {
		return tok, nil
	}
	t.mu.Lock()
	rt := t.refresh
	t.mu.Unlock()
	// oauth2 finds its HTTP client in the context.
	ctx = context.WithValue(ctx, oauth2.HTTPClient, t.client)
	fresh, err := t.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		return "", fmt.Errorf("dropbox: refresh access token: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.current = fresh
	if fresh.RefreshToken != "" {
		// Dropbox keeps refresh tokens, but a rotated one must be used.
		t.refresh = fresh.RefreshToken
	}
	t.gen++
	return fresh.AccessToken, nil
}

// valid returns the current token unless it is missing or near expiry.
// A fixed token has no expiry and is always returned.
func (t *tokens) valid() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.current.Valid() {
		return t.current.AccessToken, true
	}
	return "", false
}

// bearer is the HTTP transport of API calls: it adds the access token, so
// the SDK never holds credentials itself.
type bearer struct {
	base   http.RoundTripper
	tokens *tokens
}

// RoundTrip implements http.RoundTripper.
func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := b.tokens.token(req.Context())
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return b.base.RoundTrip(r)
}
