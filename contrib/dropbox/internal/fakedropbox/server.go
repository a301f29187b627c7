package fakedropbox

import (
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config sets up a Server. The zero value is usable: it accepts no refresh
// token, so tokens come only from IssueAccessToken.
type Config struct {
	// AppKey, AppSecret and RefreshToken are the credentials the token
	// endpoint accepts for the refresh_token grant. An empty AppSecret
	// makes the app a PKCE app, which refreshes with its key alone.
	AppKey       string
	AppSecret    string
	RefreshToken string
	// TokenLifetime is the expires_in of refreshed access tokens; Dropbox
	// uses four hours, which is the default.
	TokenLifetime time.Duration
	// PageSize caps the entries of one list_folder answer below the
	// client's limit; default 2000, Dropbox's own cap on limit.
	PageSize int
	// Now is the server's clock; default time.Now.
	Now func() time.Time
}

// Server is a running fake. All methods are safe for concurrent use.
type Server struct {
	cfg     Config
	api     *http.Server
	content *http.Server
	apiURL  string
	ctURL   string

	mu      sync.Mutex
	tree    *tree
	tokens  map[string]time.Time // access token → expiry (zero: never)
	epoch   int                  // bumped by ResetCursors
	faults  faults
	answers map[answerKey]int
}

// faults are the pending injected failures.
type faults struct {
	rateLimited int    // API calls still to answer 429
	retryAfter  int    // seconds, for those answers
	rateReason  string // too_many_requests or too_many_write_operations
	failUploads int    // uploads still to answer 500
	corrupt     int    // downloads still to corrupt
	resets      int    // list_folder/continue calls still to answer reset
	quota       int64  // bytes; 0 is unlimited
	down        bool
}

type answerKey struct {
	route  string
	status int
}

// Start listens on two ephemeral ports of 127.0.0.1 and serves until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = 4 * time.Hour
	}
	if cfg.PageSize <= 0 || cfg.PageSize > maxListLimit {
		cfg.PageSize = maxListLimit
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:     cfg,
		tree:    newTree(),
		tokens:  make(map[string]time.Time),
		answers: make(map[answerKey]int),
	}
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakedropbox: %w", err)
	}
	ctLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		apiLn.Close()
		return nil, fmt.Errorf("fakedropbox: %w", err)
	}
	s.apiURL, s.ctURL = "http://"+apiLn.Addr().String(), "http://"+ctLn.Addr().String()
	s.api = &http.Server{Handler: s.host(apiRoutes(s)), ReadHeaderTimeout: 10 * time.Second}
	s.content = &http.Server{Handler: s.host(contentRoutes(s)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.api.Serve(apiLn) }()
	go func() { _ = s.content.Serve(ctLn) }()
	return s, nil
}

// Close stops both listeners and drops open connections.
func (s *Server) Close() {
	_ = s.api.Close()
	_ = s.content.Close()
}

// APIURL is the base URL of the RPC host, like https://api.dropboxapi.com.
func (s *Server) APIURL() string { return s.apiURL }

// ContentURL is the base URL of the content host, like
// https://content.dropboxapi.com.
func (s *Server) ContentURL() string { return s.ctURL }

// TokenURL is the OAuth2 token endpoint on the RPC host.
func (s *Server) TokenURL() string { return s.apiURL + "/oauth2/token" }

// IssueAccessToken makes a new access token that never expires on its own,
// like the long-lived tokens Dropbox used to hand out.
func (s *Server) IssueAccessToken() string {
	tok := "sl.fake-" + randomString()
	s.mu.Lock()
	s.tokens[tok] = time.Time{}
	s.mu.Unlock()
	return tok
}

// ExpireTokens makes every access token issued so far answer
// expired_access_token from now on; refreshing yields working ones.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.cfg.Now().Add(-time.Second)
	for tok := range s.tokens {
		s.tokens[tok] = past
	}
}

// RateLimit answers the next n API calls (not token refreshes) with 429,
// asking to retry after retryAfter seconds. reason is the RateLimitReason
// tag; empty means too_many_requests.
func (s *Server) RateLimit(n, retryAfter int, reason string) {
	if reason == "" {
		reason = "too_many_requests"
	}
	s.mu.Lock()
	s.faults.rateLimited, s.faults.retryAfter, s.faults.rateReason = n, retryAfter, reason
	s.mu.Unlock()
}

// FailUploads answers the next n uploads with 500 and stores nothing.
func (s *Server) FailUploads(n int) {
	s.mu.Lock()
	s.faults.failUploads = n
	s.mu.Unlock()
}

// CorruptDownloads flips a byte in the bodies of the next n downloads while
// their Dropbox-API-Result still describes the stored file.
func (s *Server) CorruptDownloads(n int) {
	s.mu.Lock()
	s.faults.corrupt = n
	s.mu.Unlock()
}

// SetQuota limits the bytes all files may hold; uploads beyond it fail with
// insufficient_space. Zero removes the limit.
func (s *Server) SetQuota(bytes int64) {
	s.mu.Lock()
	s.faults.quota = bytes
	s.mu.Unlock()
}

// SetDown makes both hosts drop every connection without an answer, as an
// unreachable server would, until called with false.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.faults.down = down
	s.mu.Unlock()
}

// ResetCursors invalidates every list_folder cursor handed out so far:
// list_folder/continue answers them with the reset error.
func (s *Server) ResetCursors() {
	s.mu.Lock()
	s.epoch++
	s.mu.Unlock()
}

// ResetContinues answers the next n list_folder/continue calls with the
// reset error, as Dropbox does when a cursor can no longer be served.
func (s *Server) ResetContinues(n int) {
	s.mu.Lock()
	s.faults.resets = n
	s.mu.Unlock()
}

// PutFile stores data at path as an upload in overwrite mode would, for
// tests that need files the client did not write. It returns the upload
// error's summary if the tree refuses the path.
func (s *Server) PutFile(path string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if _, aerr := s.tree.put(path, data, writeMode{tag: "overwrite"}, false, now, now, 0); aerr != nil {
		return fmt.Errorf("fakedropbox: put %s: %s", path, aerr.summary)
	}
	return nil
}

// File returns the content of the file at path (case-insensitive).
func (s *Server) File(path string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.tree.lookup(strings.ToLower(path))
	if n == nil || n.folder {
		return nil, false
	}
	return append([]byte(nil), n.data...), true
}

// Files returns the paths (lowercased) of all files, in no particular order.
func (s *Server) Files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for lower, n := range s.tree.nodes {
		if !n.folder {
			out = append(out, lower)
		}
	}
	return out
}

// Answers counts the answers given on route (such as "files/upload" or
// "oauth2/token") with the HTTP status; status 0 counts all of them.
func (s *Server) Answers(route string, status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status != 0 {
		return s.answers[answerKey{route, status}]
	}
	total := 0
	for k, v := range s.answers {
		if k.route == route {
			total += v
		}
	}
	return total
}

// host wraps one host's routes with what every request goes through: the
// down switch, route lookup and answer counting.
func (s *Server) host(routes map[string]http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.faults.down
		s.mu.Unlock()
		if down {
			hangUp(w)
			return
		}
		route := strings.TrimPrefix(r.URL.Path, "/2/")
		if r.URL.Path == "/oauth2/token" {
			route = "oauth2/token"
		}
		h, ok := routes[route]
		if !ok {
			http.Error(w, fmt.Sprintf("Unknown API function: %q", r.URL.Path), http.StatusNotFound)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r)
		s.mu.Lock()
		s.answers[answerKey{route, rec.status}]++
		s.mu.Unlock()
	})
}

// hangUp closes the connection without writing a response.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 cannot hand the connection over; an empty 503 is the
		// nearest thing.
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		_ = conn.Close()
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// authorize checks the bearer token of an API call and applies a pending
// rate limit. It writes the error answer and returns false when the call
// must stop.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, route string) bool {
	h := r.Header.Get("Authorization")
	if h == "" {
		h = r.URL.Query().Get("authorization")
	}
	if h == "" {
		badRequest(route, `Must provide HTTP header "Authorization" or URL parameter "authorization".`).write(w)
		return false
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		badRequest(route, `Invalid authorization value in HTTP header "Authorization": %q. Expecting "Bearer <oauth2-access-token>".`, redact(h)).write(w)
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	expiry, known := s.tokens[tok]
	switch {
	case !known:
		authError("invalid_access_token").write(w)
		return false
	case !expiry.IsZero() && !s.cfg.Now().Before(expiry):
		authError("expired_access_token").write(w)
		return false
	}
	if s.faults.rateLimited > 0 {
		s.faults.rateLimited--
		e := &apiError{
			status:     http.StatusTooManyRequests,
			summary:    s.faults.rateReason,
			err:        union{"reason": tag(s.faults.rateReason), "retry_after": s.faults.retryAfter},
			retryAfter: s.faults.retryAfter,
		}
		e.write(w)
		return false
	}
	return true
}

// redact keeps the first characters of a credential for error messages.
func redact(s string) string {
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}

// randomString returns a fresh token-like string; crypto/rand never fails.
func randomString() string { return rand.Text() }
