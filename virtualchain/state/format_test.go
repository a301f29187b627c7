package state

import (
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/virtualchain/params"
)

// TestFormatVersionRefused: a data directory written in an older or newer
// storage format, or before the format was recorded, is refused with an
// error that names the directory; the current format reopens.
func TestFormatVersionRefused(t *testing.T) {
	ptr := func(s string) *string { return &s }
	cases := []struct {
		name   string
		stored *string // nil: delete the key
		ok     bool
	}{
		{"current", ptr(formatVersion), true},
		{"older", ptr("1"), false},
		{"newer", ptr("3"), false},
		{"unrecorded", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := params.Mainnet()
			m, err := Open(dir, p, Options{Logger: zerolog.Nop()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.ApplyBlock(p.FirstBlock, "", nil); err != nil {
				t.Fatal(err)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatNewest})
			if err != nil {
				t.Fatal(err)
			}
			if c.stored == nil {
				err = db.Delete(strKey(pfxMeta, metaFormat), pebble.Sync)
			} else {
				err = db.Set(strKey(pfxMeta, metaFormat), []byte(*c.stored), pebble.Sync)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			m, err = Open(dir, p, Options{Logger: zerolog.Nop()})
			if c.ok {
				if err != nil {
					t.Fatalf("reopen: %v", err)
				}
				if tip, _ := m.Tip(); tip != int64(p.FirstBlock) {
					t.Fatalf("tip %d after reopen", tip)
				}
				m.Close()
				return
			}
			if err == nil {
				m.Close()
				t.Fatal("opened a database of another format")
			}
			if !errors.Is(err, ErrFormatVersion) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("error %q: want ErrFormatVersion naming %s", err, dir)
			}
		})
	}
}
