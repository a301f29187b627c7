package drivertest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/plugin/driver"
)

// Conformance checks the contract on d, which must be configured and empty,
// using blobs as content (sorted by key, distinct keys, at least 3). It puts
// every blob, so later checks by the caller can rely on them being stored.
func Conformance(t *testing.T, d driver.Driver, blobs []Blob) {
	t.Helper()
	if len(blobs) < 3 {
		t.Fatalf("drivertest: conformance needs at least 3 blobs, got %d", len(blobs))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("describe", func(t *testing.T) {
		desc, err := d.Describe(ctx)
		if err != nil {
			t.Fatalf("Describe: %v", err)
		}
		if desc.Name == "" || desc.Version == "" {
			t.Errorf("Describe = %+v, want a name and a version", desc)
		}
		if desc.Capabilities.MaxBlobSize <= 0 || desc.Capabilities.MaxBlobSize > driver.MaxBlobSize {
			t.Errorf("MaxBlobSize = %d, want 1..%d", desc.Capabilities.MaxBlobSize, driver.MaxBlobSize)
		}
	})
	t.Run("absent", func(t *testing.T) { checkAbsent(ctx, t, d, blobs[0].Key) })
	t.Run("bad input", func(t *testing.T) { checkBadInput(ctx, t, d, blobs[0]) })
	t.Run("round trip", func(t *testing.T) { checkRoundTrip(ctx, t, d, blobs) })
	t.Run("list", func(t *testing.T) { CheckList(ctx, t, d, blobs) })
}

func checkAbsent(ctx context.Context, t *testing.T, d driver.Driver, key string) {
	if _, err := d.Get(ctx, driver.GetRequest{Key: key}); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Get(absent) error = %v, want ErrNotFound", err)
	}
	if _, err := d.Stat(ctx, driver.StatRequest{Key: key}); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("Stat(absent) error = %v, want ErrNotFound", err)
	}
	page, err := d.List(ctx, driver.ListRequest{})
	if err != nil || len(page.Entries) != 0 || page.NextPageToken != "" {
		t.Errorf("List(empty store) = %+v, %v; want no entries, no token", page, err)
	}
}

func checkBadInput(ctx context.Context, t *testing.T, d driver.Driver, b Blob) {
	tests := []struct {
		name string
		key  string
		data []byte
		want error
	}{
		{"uppercase key", strings.ToUpper(b.Key), b.Data, driver.ErrInvalidKey},
		{"short key", b.Key[:driver.MinKeyLen-2], b.Data, driver.ErrInvalidKey},
		{"odd key", b.Key[:len(b.Key)-1], b.Data, driver.ErrInvalidKey},
		{"path in key", "../" + b.Key, b.Data, driver.ErrInvalidKey},
		{"empty key", "", b.Data, driver.ErrInvalidKey},
		{"oversized blob", b.Key, bytes.Repeat(b.Data, driver.MaxBlobSize/len(b.Data)+1), driver.ErrBlobTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := d.Put(ctx, driver.PutRequest{Key: tc.key, Data: tc.data}); !errors.Is(err, tc.want) {
				t.Errorf("Put error = %v, want %v", err, tc.want)
			}
			if tc.want != driver.ErrInvalidKey {
				return
			}
			if _, err := d.Get(ctx, driver.GetRequest{Key: tc.key}); !errors.Is(err, tc.want) {
				t.Errorf("Get error = %v, want %v", err, tc.want)
			}
			if _, err := d.Stat(ctx, driver.StatRequest{Key: tc.key}); !errors.Is(err, tc.want) {
				t.Errorf("Stat error = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := d.List(ctx, driver.ListRequest{Limit: -1}); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("List(limit -1) error = %v, want ErrInvalidArgument", err)
	}
	if _, err := d.List(ctx, driver.ListRequest{PageToken: strings.Repeat("x", driver.MaxPageTokenLen+1)}); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("List(huge token) error = %v, want ErrInvalidArgument", err)
	}
}

func checkRoundTrip(ctx context.Context, t *testing.T, d driver.Driver, blobs []Blob) {
	for _, b := range blobs {
		if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
			t.Fatalf("Put %s: %v", b.Key, err)
		}
	}
	// Blobs are immutable, so a second Put of the same key must succeed.
	if err := d.Put(ctx, driver.PutRequest{Key: blobs[0].Key, Data: blobs[0].Data}); err != nil {
		t.Fatalf("Put again %s: %v", blobs[0].Key, err)
	}
	for _, b := range blobs {
		got, err := d.Get(ctx, driver.GetRequest{Key: b.Key})
		if err != nil {
			t.Fatalf("Get %s: %v", b.Key, err)
		}
		if !bytes.Equal(got.Data, b.Data) {
			t.Fatalf("Get %s returned %d bytes differing from the %d put", b.Key, len(got.Data), len(b.Data))
		}
		st, err := d.Stat(ctx, driver.StatRequest{Key: b.Key})
		if err != nil {
			t.Fatalf("Stat %s: %v", b.Key, err)
		}
		if st.Size != int64(len(b.Data)) {
			t.Fatalf("Stat %s size = %d, want %d", b.Key, st.Size, len(b.Data))
		}
	}
}

// CheckList pages through d with several page sizes and checks that the
// pages, joined, are exactly blobs (keys and sizes) in ascending order, that
// no page exceeds its limit, and that only the last page has no token.
func CheckList(ctx context.Context, t *testing.T, d driver.Driver, blobs []Blob) {
	t.Helper()
	for _, limit := range []int{1, 7, 100, 0, driver.MaxListLimit + 1} {
		pageMax := limit
		switch {
		case limit == 0:
			pageMax = driver.DefaultListLimit
		case limit > driver.MaxListLimit:
			pageMax = driver.MaxListLimit
		}
		if limit == 1 && len(blobs) > 50 {
			// One RPC per blob is slow against a real server and
			// proves nothing that 7 does not.
			continue
		}
		var got []driver.ListEntry
		token, pages := "", 0
		for {
			page, err := d.List(ctx, driver.ListRequest{PageToken: token, Limit: limit})
			if err != nil {
				t.Fatalf("limit %d: List page %d: %v", limit, pages, err)
			}
			pages++
			if len(page.Entries) > pageMax {
				t.Fatalf("limit %d: page %d has %d entries", limit, pages, len(page.Entries))
			}
			got = append(got, page.Entries...)
			if page.NextPageToken == "" {
				break
			}
			if pages > len(blobs)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			token = page.NextPageToken
		}
		if len(got) != len(blobs) {
			t.Fatalf("limit %d: listed %d blobs in %d pages, want %d", limit, len(got), pages, len(blobs))
		}
		for i, e := range got {
			if e.Key != blobs[i].Key || e.Size != int64(len(blobs[i].Data)) {
				t.Fatalf("limit %d: entry %d = %s/%d, want %s/%d", limit, i, e.Key, e.Size, blobs[i].Key, len(blobs[i].Data))
			}
		}
		if minPages := (len(blobs) + pageMax - 1) / pageMax; pages < minPages {
			t.Fatalf("limit %d: %d pages, at least %d needed", limit, pages, minPages)
		}
	}
}
