package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

// Credentials the fake accepts. Tests check that none of them, and no
// access token (all start with tokenPrefix), ever appears in errors or logs.
const (
	appKey       = "atlasdtestappkey"
	appSecret    = "atlasd-test-app-secret-31d7"
	refreshToken = "atlasd-test-refresh-token-8e2c"
	tokenPrefix  = "sl.fake-"
)

func TestMain(m *testing.M) {
	code := m.Run()
	drivertest.RemoveSharedPlugins()
	os.Exit(code)
}

// startFake runs a fake Dropbox that accepts the test app's credentials.
func startFake(t *testing.T, cfg fakedropbox.Config) *fakedropbox.Server {
	t.Helper()
	if cfg.AppKey == "" {
		cfg.AppKey, cfg.AppSecret, cfg.RefreshToken = appKey, appSecret, refreshToken
	}
	s, err := fakedropbox.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// refreshSettings are the driver settings for the refresh-token flow
// against s.
func refreshSettings(s *fakedropbox.Server, folder string) map[string]string {
	return map[string]string{
		"folder":        folder,
		"app_key":       appKey,
		"app_secret":    appSecret,
		"refresh_token": refreshToken,
		"api_url":       s.APIURL(),
		"content_url":   s.ContentURL(),
		"token_url":     s.TokenURL(),
	}
}

// accessSettings use a long-lived access token issued by s.
func accessSettings(s *fakedropbox.Server, folder string) map[string]string {
	return map[string]string{
		"folder":       folder,
		"access_token": s.IssueAccessToken(),
		"api_url":      s.APIURL(),
		"content_url":  s.ContentURL(),
	}
}

// with returns a copy of m with changes applied; "-" deletes a key.
func with(m map[string]string, changes map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	for k, v := range changes {
		if v == "-" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func configured(t *testing.T, settings map[string]string) *dropboxDriver {
	t.Helper()
	d := newDriver(hclog.NewNullLogger())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Configure(ctx, driver.ConfigureRequest{Settings: settings}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return d
}

// storedPath is where the driver keeps a key under folder, as the fake
// reports it (lowercased).
func storedPath(folder, key string) string {
	return strings.ToLower(folder) + "/" + key[:2] + "/" + key[2:4] + "/" + key + ".txt"
}

// tampered returns the entry of the shared negative fixture whose bytes do
// not hash to its key, with the key.
func tampered(t *testing.T) drivertest.Blob {
	t.Helper()
	path := filepath.Join(drivertest.ModuleRoot(t), "..", "shared", "data", "zonefiles", "name_zonefiles-tampered.txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		key := strings.TrimSpace(sc.Text())
		if !sc.Scan() {
			break
		}
		data := []byte(strings.ReplaceAll(sc.Text(), `\n`, "\n"))
		if drivertest.Hash160(data) != key {
			return drivertest.Blob{Key: key, Data: data}
		}
	}
	t.Fatalf("no tampered entry in %s: %v", path, sc.Err())
	return drivertest.Blob{}
}

// original returns the untampered blob for key from the shared exports.
func original(t *testing.T, key string) drivertest.Blob {
	t.Helper()
	for _, b := range drivertest.Zonefiles(t, "name_zonefiles-665750.txt") {
		if b.Key == key {
			return b
		}
	}
	t.Fatalf("%s is not in the export", key)
	return drivertest.Blob{}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
