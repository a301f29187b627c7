package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
	"github.com/atlasd/atlasd/plugin/driver"
)

// TestConfigureErrors: bad settings, and credentials or a folder the
// server refuses, fail Configure with ErrInvalidArgument and an error that
// names the setting to fix, without repeating any secret.
func TestConfigureErrors(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	if err := s.PutFile("/a-file.txt", []byte("x")); err != nil {
		t.Fatal(err)
	}
	base := refreshSettings(s, "/zf")
	access := accessSettings(s, "/zf")
	tests := []struct {
		name     string
		settings map[string]string
		mention  string
	}{
		{"unknown setting", with(base, map[string]string{"foldr": "/zf"}), "foldr"},
		{"no folder", with(base, map[string]string{"folder": "-"}), "folder"},
		{"relative folder", with(base, map[string]string{"folder": "zf"}), "folder"},
		{"root folder", with(base, map[string]string{"folder": "/"}), "folder"},
		{"trailing slash", with(base, map[string]string{"folder": "/zf/"}), "folder"},
		{"dot dot", with(base, map[string]string{"folder": "/zf/../x"}), "folder"},
		{"huge folder", with(base, map[string]string{"folder": "/" + strings.Repeat("x", 600)}), "folder"},
		{"folder is a file", with(base, map[string]string{"folder": "/a-file.txt"}), "folder"},
		{"no credentials", with(base, map[string]string{"app_key": "-", "app_secret": "-", "refresh_token": "-"}), "refresh_token"},
		{"app key without refresh token", with(base, map[string]string{"refresh_token": "-"}), "refresh_token"},
		{"refresh token without app key", with(base, map[string]string{"app_key": "-"}), "app_key"},
		{"both token kinds", with(base, map[string]string{"access_token": "sl.x"}), "access_token"},
		{"bad timeout", with(base, map[string]string{"timeout": "soon"}), "timeout"},
		{"tiny timeout", with(base, map[string]string{"timeout": "1ms"}), "timeout"},
		{"negative retries", with(base, map[string]string{"max_retries": "-1"}), "max_retries"},
		{"retry wait not a duration", with(base, map[string]string{"max_retry_wait": "60"}), "max_retry_wait"},
		{"page size zero", with(base, map[string]string{"list_page_size": "0"}), "list_page_size"},
		{"page size too big", with(base, map[string]string{"list_page_size": "2001"}), "list_page_size"},
		{"plain http off loopback", with(base, map[string]string{"api_url": "http://dropbox.example"}), "api_url"},
		{"ftp content url", with(base, map[string]string{"content_url": "ftp://127.0.0.1"}), "content_url"},
		{"url with credentials", with(base, map[string]string{"api_url": "https://u:p@api.example"}), "api_url"},
		{"token url without path", with(base, map[string]string{"token_url": s.APIURL()}), "token_url"},
		{"refresh token refused", with(base, map[string]string{"refresh_token": "revoked-token"}), "refresh_token"},
		{"app secret refused", with(base, map[string]string{"app_secret": "not-the-secret"}), "app_secret"},
		{"app key refused", with(base, map[string]string{"app_key": "otherapp"}), "app_key"},
		{"access token refused", with(access, map[string]string{"access_token": "sl.unknown-token"}), "access_token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := newDriver(hclog.NewNullLogger()).Configure(ctxTimeout(t, 10*time.Second), driver.ConfigureRequest{Settings: tc.settings})
			if !errors.Is(err, driver.ErrInvalidArgument) {
				t.Fatalf("Configure = %v, want ErrInvalidArgument", err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			for _, k := range []string{"app_secret", "refresh_token", "access_token"} {
				if v := tc.settings[k]; v != "" && strings.Contains(err.Error(), v) {
					t.Errorf("error %q leaks %s", err, k)
				}
			}
		})
	}
}

// TestConfigureAbsentFolder: a folder that does not exist yet is fine; it
// lists empty and the first Put creates it.
func TestConfigureAbsentFolder(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/new/folder"))
	ctx := ctxTimeout(t, 10*time.Second)
	page, err := d.List(ctx, driver.ListRequest{})
	if err != nil || len(page.Entries) != 0 || page.NextPageToken != "" {
		t.Fatalf("List of an absent folder = %+v, %v", page, err)
	}
	b := tampered(t)
	good := original(t, b.Key)
	if err := d.Put(ctx, driver.PutRequest{Key: good.Key, Data: good.Data}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.File(storedPath("/new/folder", good.Key)); !ok {
		t.Error("Put did not create the folder and file")
	}
}

// TestSettingsDefaults: an operator's minimal settings get Dropbox's real
// endpoints and the documented defaults.
func TestSettingsDefaults(t *testing.T) {
	got, err := parseSettings(map[string]string{"folder": "/Z", "refresh_token": "r", "app_key": "k"})
	if err != nil {
		t.Fatal(err)
	}
	want := settings{
		folder: "/Z", folderLower: "/z", refreshToken: "r", appKey: "k",
		timeout: time.Minute, maxRetries: 5, maxRetryWait: time.Minute, pageSize: 2000,
		apiURL:     "https://api.dropboxapi.com",
		contentURL: "https://content.dropboxapi.com",
		tokenURL:   "https://api.dropboxapi.com/oauth2/token",
	}
	if got != want {
		t.Errorf("parseSettings = %+v\nwant %+v", got, want)
	}
}
