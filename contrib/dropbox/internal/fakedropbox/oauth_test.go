package fakedropbox_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
)

// tokenCall posts a form to the token endpoint, with HTTP Basic client
// authentication when user is not empty.
func tokenCall(t *testing.T, s *fakedropbox.Server, form url.Values, user, pass string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return send(t, req)
}

func refreshForm(rt string, extra ...string) url.Values {
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

func TestTokenEndpoint(t *testing.T) {
	confidential := start(t, fakedropbox.Config{AppKey: appKey, AppSecret: appSecret, RefreshToken: refreshToken})
	pkce := start(t, fakedropbox.Config{AppKey: appKey, RefreshToken: refreshToken, TokenLifetime: time.Hour})
	tests := []struct {
		name       string
		s          *fakedropbox.Server
		form       url.Values
		user, pass string
		wantErr    string // OAuth2 error code; "" for success
		lifetime   float64
	}{
		{"basic auth", confidential, refreshForm(refreshToken), appKey, appSecret, "", 14400},
		{"form credentials", confidential, refreshForm(refreshToken, "client_id", appKey, "client_secret", appSecret), "", "", "", 14400},
		{"pkce app, key only", pkce, refreshForm(refreshToken, "client_id", appKey), "", "", "", 3600},
		{"wrong secret", confidential, refreshForm(refreshToken), appKey, "nope", "invalid_client", 0},
		{"missing secret", confidential, refreshForm(refreshToken, "client_id", appKey), "", "", "invalid_client", 0},
		{"secret for a pkce app", pkce, refreshForm(refreshToken), appKey, appSecret, "invalid_client", 0},
		{"wrong key", confidential, refreshForm(refreshToken), "other", appSecret, "invalid_client", 0},
		{"wrong refresh token", confidential, refreshForm("revoked"), appKey, appSecret, "invalid_grant", 0},
		{"authorization code grant", confidential, url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, appKey, appSecret, "unsupported_grant_type", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tokenCall(t, tc.s, tc.form, tc.user, tc.pass)
			m := a.object(t)
			if tc.wantErr != "" {
				if a.status != http.StatusBadRequest || m["error"] != tc.wantErr {
					t.Fatalf("answer %d %s, want 400 %s", a.status, a.body, tc.wantErr)
				}
				return
			}
			if a.status != http.StatusOK || m["token_type"] != "bearer" || m["expires_in"] != tc.lifetime {
				t.Fatalf("answer %d %s", a.status, a.body)
			}
			tok, _ := m["access_token"].(string)
			if got := rpc(t, tc.s, tok, "files/list_folder", map[string]any{"path": ""}); got.status != http.StatusOK {
				t.Errorf("fresh token refused: %d %s", got.status, got.body)
			}
		})
	}
	if n := confidential.Answers("oauth2/token", http.StatusOK); n != 2 {
		t.Errorf("Answers counted %d refreshes, want 2", n)
	}
}

// TestTokenLifetime: refreshed tokens stop working when their lifetime
// ends on the server's clock.
func TestTokenLifetime(t *testing.T) {
	var now atomic.Int64 // the server's clock, in Unix nanoseconds
	now.Store(fixedClock().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	s := start(t, fakedropbox.Config{AppKey: appKey, RefreshToken: refreshToken, TokenLifetime: time.Minute, Now: clock})
	m := tokenCall(t, s, refreshForm(refreshToken, "client_id", appKey), "", "").object(t)
	tok, _ := m["access_token"].(string)
	arg := map[string]any{"path": ""}
	if a := rpc(t, s, tok, "files/list_folder", arg); a.status != http.StatusOK {
		t.Fatalf("fresh token: %d", a.status)
	}
	now.Add(int64(time.Minute))
	if a := rpc(t, s, tok, "files/list_folder", arg); a.status != http.StatusUnauthorized || a.errorJSON(t) != `{".tag":"expired_access_token"}` {
		t.Fatalf("token past its lifetime: %d %s", a.status, a.body)
	}
}
