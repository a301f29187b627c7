package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

// TestConformance runs the contract suite in-process for each way to
// authenticate, then checks that the files sit where v1's layout puts them.
func TestConformance(t *testing.T) {
	const folder = "/Atlasd/Zonefiles"
	tests := []struct {
		name     string
		cfg      fakedropbox.Config
		settings func(*fakedropbox.Server) map[string]string
	}{
		{"refresh token", fakedropbox.Config{}, func(s *fakedropbox.Server) map[string]string { return refreshSettings(s, folder) }},
		{"pkce refresh token", fakedropbox.Config{AppKey: appKey, RefreshToken: refreshToken}, func(s *fakedropbox.Server) map[string]string {
			return with(refreshSettings(s, folder), map[string]string{"app_secret": "-"})
		}},
		{"access token", fakedropbox.Config{}, func(s *fakedropbox.Server) map[string]string { return accessSettings(s, folder) }},
	}
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startFake(t, tc.cfg)
			d := configured(t, tc.settings(s))
			drivertest.Conformance(t, d, blobs)

			var want []string
			for _, b := range blobs {
				p := storedPath(folder, b.Key)
				want = append(want, p)
				if data, ok := s.File(p); !ok || !bytes.Equal(data, b.Data) {
					t.Errorf("%s: stored %q, %v", p, data, ok)
				}
			}
			got := s.Files()
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("files on the server:\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestTokenExpiryMidRun expires every access token twice while blobs go in
// and come out, sequentially and concurrently: each expiry costs one
// refresh, and nothing is lost.
func TestTokenExpiryMidRun(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/zf"))
	ctx := ctxTimeout(t, time.Minute)
	blobs := drivertest.Zonefiles(t, "name_zonefiles-653759.txt")[:120]
	half := len(blobs) / 2

	for _, b := range blobs[:half] {
		if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
			t.Fatalf("Put %s: %v", b.Key, err)
		}
	}
	s.ExpireTokens()
	parallel(t, blobs[half:], func(b drivertest.Blob) error {
		return d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data})
	})
	s.ExpireTokens()
	parallel(t, blobs, func(b drivertest.Blob) error {
		got, err := d.Get(ctx, driver.GetRequest{Key: b.Key})
		if err == nil && !bytes.Equal(got.Data, b.Data) {
			t.Errorf("Get %s: wrong bytes", b.Key)
		}
		return err
	})
	drivertest.CheckList(ctx, t, d, blobs)

	// Configure's first call refreshed once, then one per expiry.
	if n := s.Answers("oauth2/token", http.StatusOK); n != 3 {
		t.Errorf("%d token refreshes, want 3", n)
	}
	if n := s.Answers("oauth2/token", 0); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
	if n := s.Answers("files/upload", http.StatusUnauthorized) + s.Answers("files/download", http.StatusUnauthorized); n < 2 {
		t.Errorf("%d calls met an expired token, want at least one per expiry", n)
	}
}

// parallel runs f on every blob from 4 goroutines and fails on any error.
func parallel(t *testing.T, blobs []drivertest.Blob, f func(drivertest.Blob) error) {
	t.Helper()
	work := make(chan drivertest.Blob)
	errs := make(chan error, len(blobs))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for b := range work {
				if err := f(b); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, b := range blobs {
		work <- b
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestAccessTokenExpired: a long-lived token that stops working cannot be
// refreshed; the error says what to configure instead.
func TestAccessTokenExpired(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	settings := accessSettings(s, "/zf")
	d := configured(t, settings)
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	s.ExpireTokens()
	err := d.Put(ctxTimeout(t, 10*time.Second), driver.PutRequest{Key: b.Key, Data: b.Data})
	if err == nil || !strings.Contains(err.Error(), "expired_access_token") || !strings.Contains(err.Error(), "refresh_token") {
		t.Fatalf("Put error = %v, want the expiry and advice to use refresh_token", err)
	}
	if strings.Contains(err.Error(), settings["access_token"]) {
		t.Error("error leaks the access token")
	}
	if n := s.Answers("oauth2/token", 0); n != 0 {
		t.Errorf("%d refresh attempts without a refresh token", n)
	}
}

// TestRateLimit: 429 answers are retried after their Retry-After, up to
// max_retries and max_retry_wait.
func TestRateLimit(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	tests := []struct {
		name     string
		settings map[string]string
		n, after int
		reason   string
		ok       bool
		minWait  time.Duration
		maxWait  time.Duration
	}{
		{"two 429s", nil, 2, 1, "", true, 2 * time.Second, 10 * time.Second},
		{"write contention", nil, 1, 1, "too_many_write_operations", true, time.Second, 10 * time.Second},
		{"more than max_retries", map[string]string{"max_retries": "1"}, 3, 1, "", false, time.Second, 10 * time.Second},
		{"wait beyond max_retry_wait", map[string]string{"max_retry_wait": "2s"}, 1, 30, "", false, 0, 5 * time.Second},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := configured(t, with(refreshSettings(s, "/zf"), tc.settings))
			b := blobs[i]
			before := s.Answers("files/upload", http.StatusTooManyRequests)
			s.RateLimit(tc.n, tc.after, tc.reason)
			defer s.RateLimit(0, 0, "")
			start := time.Now()
			err := d.Put(ctxTimeout(t, 30*time.Second), driver.PutRequest{Key: b.Key, Data: b.Data})
			took := time.Since(start)
			if took < tc.minWait || took > tc.maxWait {
				t.Errorf("Put took %v, want %v to %v", took, tc.minWait, tc.maxWait)
			}
			_, stored := s.File(storedPath("/zf", b.Key))
			if tc.ok {
				if err != nil || !stored {
					t.Fatalf("Put = %v, stored %v", err, stored)
				}
				if got := s.Answers("files/upload", http.StatusTooManyRequests) - before; got != tc.n {
					t.Errorf("%d uploads answered 429, want %d", got, tc.n)
				}
				return
			}
			if err == nil || stored {
				t.Fatalf("Put succeeded (stored %v) through the rate limit", stored)
			}
			if !strings.Contains(err.Error(), "too_many_requests") || errors.Is(err, driver.ErrInvalidArgument) || errors.Is(err, driver.ErrNotFound) {
				t.Errorf("Put error = %v, want a plain rate-limit error", err)
			}
		})
	}
}

// TestPagination lists through list_folder/continue with a page size of
// 3, blobs uploaded out of key order, and cursors reset under the driver.
func TestPagination(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, with(refreshSettings(s, "/zf"), map[string]string{"list_page_size": "3"}))
	ctx := ctxTimeout(t, time.Minute)
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	shuffled := slices.Clone(blobs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, b := range shuffled {
		if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
			t.Fatal(err)
		}
	}
	drivertest.CheckList(ctx, t, d, blobs)
	if n := s.Answers("files/list_folder/continue", http.StatusOK); n < 10 {
		t.Errorf("%d list_folder/continue calls; a page size of 3 should need many", n)
	}
	t.Run("cursor reset", func(t *testing.T) {
		s.ResetContinues(2)
		drivertest.CheckList(ctx, t, d, blobs)
		if n := s.Answers("files/list_folder/continue", http.StatusConflict); n != 2 {
			t.Errorf("%d resets answered, want 2", n)
		}
	})
}

// TestListSkipsForeignFiles: files the driver did not write, or not in the
// place their name calls for, stay out of List.
func TestListSkipsForeignFiles(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/zf"))
	ctx := ctxTimeout(t, time.Minute)
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	for _, b := range blobs {
		if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
			t.Fatal(err)
		}
	}
	k0, k1, k2, k3 := blobs[0].Key, blobs[1].Key, blobs[2].Key, blobs[3].Key
	foreign := []string{
		"/zf/README.txt",
		"/zf/" + k0[:2] + "/notes.txt",
		"/zf/" + k1[:2] + "/" + k1[2:4] + "/" + k1 + ".txt.bak",
		"/zf/" + k2[:2] + "/" + k2[2:4] + "/" + k2,                                 // no suffix
		"/zf/00/00/" + k3 + ".txt",                                                 // wrong shard
		"/zf/" + k0[:2] + "/" + k0[2:4] + "/deeper/" + k0 + ".txt",                 // too deep
		"/zf/zz/" + k0[2:4] + "/zz" + k0[2:] + ".txt",                              // not hex
		"/elsewhere/" + k3[:2] + "/" + k3[2:4] + "/" + k3 + ".txt",                 // outside the folder
		"/zf/" + k3[:2] + "/" + k3[2:4] + "/" + strings.Repeat("ab", 64) + "x.txt", // not a key
	}
	for _, p := range foreign {
		if err := s.PutFile(p, []byte("foreign")); err != nil {
			t.Fatal(err)
		}
	}
	drivertest.CheckList(ctx, t, d, blobs)
}

// TestPutRefusesWrongBytes: bytes that do not hash to a 40-digit key are
// refused before anything is sent.
func TestPutRefusesWrongBytes(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/zf"))
	bad := tampered(t)
	err := d.Put(ctxTimeout(t, 10*time.Second), driver.PutRequest{Key: bad.Key, Data: bad.Data})
	if !errors.Is(err, driver.ErrInvalidArgument) {
		t.Fatalf("Put of tampered bytes = %v, want ErrInvalidArgument", err)
	}
	if n := s.Answers("files/upload", 0); n != 0 {
		t.Errorf("%d uploads of refused bytes", n)
	}
}

// TestWrongStoredFile: a file at a blob's path that does not hold the
// blob fails Get's hash check, and Put replaces it.
func TestWrongStoredFile(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/zf"))
	ctx := ctxTimeout(t, 10*time.Second)
	bad := tampered(t)
	good := original(t, bad.Key)
	if err := s.PutFile(storedPath("/zf", bad.Key), bad.Data); err != nil {
		t.Fatal(err)
	}
	_, err := d.Get(ctx, driver.GetRequest{Key: bad.Key})
	if err == nil || errors.Is(err, driver.ErrNotFound) || !strings.Contains(err.Error(), "not to their key") {
		t.Fatalf("Get of a wrong file = %v, want a hash mismatch", err)
	}
	if err := d.Put(ctx, driver.PutRequest{Key: good.Key, Data: good.Data}); err != nil {
		t.Fatalf("Put over the wrong file: %v", err)
	}
	got, err := d.Get(ctx, driver.GetRequest{Key: good.Key})
	if err != nil || !bytes.Equal(got.Data, good.Data) {
		t.Fatalf("Get after repair = %v", err)
	}
	if c, ok := s.Answers("files/upload", http.StatusConflict), s.Answers("files/upload", http.StatusOK); c != 1 || ok != 1 {
		t.Errorf("uploads: %d conflicts and %d successes, want 1 and 1 (add, then overwrite)", c, ok)
	}
}

// TestTransferChecks: damage in transfer and failed uploads surface as
// errors and leave nothing wrong behind; the next call succeeds.
func TestTransferChecks(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/zf"))
	ctx := ctxTimeout(t, 10*time.Second)
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]

	s.FailUploads(1)
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err == nil {
		t.Fatal("Put succeeded through a failed upload")
	}
	if _, ok := s.File(storedPath("/zf", b.Key)); ok {
		t.Fatal("failed upload stored a file")
	}
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatalf("second Put: %v", err)
	}
	s.CorruptDownloads(1)
	if _, err := d.Get(ctx, driver.GetRequest{Key: b.Key}); err == nil || !strings.Contains(err.Error(), "damaged in transfer") {
		t.Fatalf("Get of damaged bytes = %v", err)
	}
	if got, err := d.Get(ctx, driver.GetRequest{Key: b.Key}); err != nil || !bytes.Equal(got.Data, b.Data) {
		t.Fatalf("Get after damage = %v", err)
	}
}

// TestInsufficientSpace: a full account fails Put with an error saying so,
// and not one of the contract's kinds a caller would act on wrongly.
func TestInsufficientSpace(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/zf"))
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	s.SetQuota(int64(len(b.Data) - 1))
	err := d.Put(ctxTimeout(t, 10*time.Second), driver.PutRequest{Key: b.Key, Data: b.Data})
	if err == nil || !strings.Contains(err.Error(), "insufficient_space") || !strings.Contains(err.Error(), "full") {
		t.Fatalf("Put = %v, want insufficient_space", err)
	}
	for _, kind := range []error{driver.ErrNotFound, driver.ErrInvalidArgument, driver.ErrBlobTooLarge} {
		if errors.Is(err, kind) {
			t.Errorf("Put error matches %v", kind)
		}
	}
}

// TestServerDown: an unreachable server is a plain error everywhere, so
// the host keeps retrying, and calls work again once it is back.
func TestServerDown(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	settings := refreshSettings(s, "/zf")
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	ctx := ctxTimeout(t, 20*time.Second)

	s.SetDown(true)
	err := newDriver(hclog.NewNullLogger()).Configure(ctx, driver.ConfigureRequest{Settings: settings})
	if err == nil || errors.Is(err, driver.ErrInvalidArgument) {
		t.Fatalf("Configure with the server down = %v, want a plain error", err)
	}
	s.SetDown(false)
	d := configured(t, settings)
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatal(err)
	}
	s.SetDown(true)
	if _, err := d.Get(ctx, driver.GetRequest{Key: b.Key}); err == nil || errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("Get with the server down = %v, want a plain error", err)
	}
	s.SetDown(false)
	if got, err := d.Get(ctx, driver.GetRequest{Key: b.Key}); err != nil || !bytes.Equal(got.Data, b.Data) {
		t.Fatalf("Get after the server came back = %v", err)
	}
}

// TestOversizedFile: a file too large to be a blob is refused by Get and
// Stat rather than truncated.
func TestOversizedFile(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/zf"))
	key := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0].Key
	if err := s.PutFile(storedPath("/zf", key), make([]byte, driver.MaxBlobSize+1)); err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := d.Get(ctx, driver.GetRequest{Key: key}); !errors.Is(err, driver.ErrBlobTooLarge) {
		t.Errorf("Get = %v, want ErrBlobTooLarge", err)
	}
	if _, err := d.Stat(ctx, driver.StatRequest{Key: key}); !errors.Is(err, driver.ErrBlobTooLarge) {
		t.Errorf("Stat = %v, want ErrBlobTooLarge", err)
	}
}

// TestFolderAtBlobPath: a folder where a blob belongs is no blob.
func TestFolderAtBlobPath(t *testing.T) {
	s := startFake(t, fakedropbox.Config{})
	d := configured(t, refreshSettings(s, "/zf"))
	key := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0].Key
	if err := s.PutFile(storedPath("/zf", key)+"/inside", []byte("x")); err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := d.Get(ctx, driver.GetRequest{Key: key}); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Get = %v, want ErrNotFound", err)
	}
	if _, err := d.Stat(ctx, driver.StatRequest{Key: key}); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Stat = %v, want ErrNotFound", err)
	}
}

func TestNotConfigured(t *testing.T) {
	d := newDriver(hclog.NewNullLogger())
	key := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0].Key
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := d.Get(ctx, driver.GetRequest{Key: key}); !errors.Is(err, driver.ErrNotConfigured) {
		t.Errorf("Get before Configure = %v, want ErrNotConfigured", err)
	}
	if err := d.Put(ctx, driver.PutRequest{Key: key, Data: []byte("x")}); !errors.Is(err, driver.ErrNotConfigured) {
		t.Errorf("Put before Configure = %v, want ErrNotConfigured", err)
	}
	if _, err := d.List(ctx, driver.ListRequest{}); !errors.Is(err, driver.ErrNotConfigured) {
		t.Errorf("List before Configure = %v, want ErrNotConfigured", err)
	}
}
