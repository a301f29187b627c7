package config

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeFile feeds arbitrary bytes to the file decoder. It must never
// panic; what it accepts must print and decode back to the masked config;
// and its errors must not quote the value of a secret it was given.
func FuzzDecodeFile(f *testing.F) {
	example, err := os.ReadFile("testdata/atlasd.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	var b strings.Builder
	if err := Print(&b, Default(), Sources{}); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(b.String()))
	for _, seed := range []string{
		"",
		"network = \"regtest\"\n[bitcoind]\nrpc_password = \"\"\"\nsecretvalue\\x\"\"\"\n",
		"[[backup]]\nname = \"a\"\n[backup.settings]\n\"odd key\" = \"\\u0000\"\n[[backup]]\n",
		"backup = [{name = \"x\", settings = {token = \"t\"}}]\n",
		"[atlas]\nseeds = [\"a:1\", \"\"]\nlisten = 1\n",
		"[bitcoind]\nrpc_timeout = \"-1h2m3.000000004s\"\nrpc_conns = 9223372036854775807\n",
		"a.b.c = 1\n[x.y]\n",
	} {
		f.Add([]byte(seed))
	}
	all, err := settings()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := Default()
		err := decodeFile(&cfg, data, "fuzz", all, Sources{})
		if err != nil {
			return
		}
		// Swapping every secret for another of the same shape must not
		// change a word of Print's output or of validation's errors.
		other := withOtherSecrets(cfg)
		var out, outOther strings.Builder
		if err := Print(&out, cfg, Sources{}); err != nil {
			t.Fatal(err)
		}
		if err := Print(&outOther, other, Sources{}); err != nil {
			t.Fatal(err)
		}
		if out.String() != outOther.String() {
			t.Fatalf("Print depends on a secret:\n%s\n%s", out.String(), outOther.String())
		}
		_, e1 := cfg.validate("/home/fuzz")
		_, e2 := other.validate("/home/fuzz")
		if fmt.Sprint(e1) != fmt.Sprint(e2) {
			t.Fatalf("validation errors depend on a secret:\n%v\n%v", e1, e2)
		}
		var back Config
		if err := decodeFile(&back, []byte(out.String()), "printed", all, Sources{}); err != nil {
			t.Fatalf("printed config does not decode: %v\n%s", err, out.String())
		}
		if want := Masked(cfg); !reflect.DeepEqual(back, want) {
			t.Fatalf("round trip:\ngot  %#v\nwant %#v\n%s", back, want, out.String())
		}
	})
}

// withOtherSecrets replaces every secret of cfg with one of the same
// number of characters and the same NUL bytes, which is all validation
// may look at.
func withOtherSecrets(cfg Config) Config {
	swap := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == 0 {
				return 0
			}
			if r == 'x' {
				return 'y'
			}
			return 'x'
		}, s)
	}
	cfg.Bitcoind.RPCPassword = swap(cfg.Bitcoind.RPCPassword)
	backups := make([]Backup, len(cfg.Backup))
	for i, b := range cfg.Backup {
		if b.Settings != nil {
			m := make(map[string]string, len(b.Settings))
			for k, v := range b.Settings {
				if secretName(k) {
					v = swap(v)
				}
				m[k] = v
			}
			b.Settings = m
		}
		backups[i] = b
	}
	if cfg.Backup != nil {
		cfg.Backup = backups
	}
	return cfg
}
