package fakedropbox

import (
	"crypto/subtle"
	"encoding/json"
	"mime"
	"net/http"
)

// oauthError is an OAuth2 error answer (RFC 6749 section 5.2), which the
// token endpoint uses instead of the API's error_summary form.
func oauthError(w http.ResponseWriter, code, desc string) {
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(body)
}

// token answers oauth2/token for the refresh_token grant, the only one a
// server-side program needs once it holds a refresh token. The client
// authenticates with HTTP Basic (app key and secret) or with client_id and
// client_secret in the form; PKCE apps send client_id alone.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		oauthError(w, "invalid_request", "expected a form-encoded body")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRPCBody)
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "unreadable form")
		return
	}
	form := r.PostForm
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if grant := form.Get("grant_type"); grant != "refresh_token" {
		oauthError(w, "unsupported_grant_type", "grant_type must be refresh_token here, got "+grant)
		return
	}
	if s.cfg.AppKey == "" || !same(id, s.cfg.AppKey) || !same(secret, s.cfg.AppSecret) {
		oauthError(w, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	if rt := form.Get("refresh_token"); s.cfg.RefreshToken == "" || !same(rt, s.cfg.RefreshToken) {
		oauthError(w, "invalid_grant", "refresh token is invalid or revoked")
		return
	}
	tok := "sl.fake-" + randomString()
	s.mu.Lock()
	s.tokens[tok] = s.cfg.Now().Add(s.cfg.TokenLifetime)
	s.mu.Unlock()
	writeJSON(w, map[string]any{
		"access_token": tok,
		"token_type":   "bearer",
		"expires_in":   int64(s.cfg.TokenLifetime.Seconds()),
	})
}

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
