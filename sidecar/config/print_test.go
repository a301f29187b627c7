package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// loadExample loads testdata/atlasd.toml with HOME=/home/op plus env and
// args.
func loadExample(t *testing.T, env []string, args ...string) *Loaded {
	t.Helper()
	l, err := Load(LoadOptions{Args: append([]string{"--config", "testdata/atlasd.toml"}, args...), Env: withHome("/home/op", env)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPrintMasks(t *testing.T) {
	l := loadExample(t, []string{"ATLASD_BITCOIND_RPC_PASSWORD=env-password-4567"})
	var b strings.Builder
	if err := l.Print(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"env-password-4567", "file-password-0123", "file-app-key-0123", "file-refresh-token-0123"} {
		if strings.Contains(out, secret) {
			t.Errorf("Print shows %s", secret)
		}
	}
	for _, line := range []string{
		`rpc_password = "` + Mask + `"  # env ATLASD_BITCOIND_RPC_PASSWORD`,
		`app_key = "` + Mask + `"`,
		`refresh_token = "` + Mask + `"`,
		`folder = "/atlasd"`,
		`dir = "/var/backups/atlasd"`,
		`rpc_user = "atlasd"  # file`,
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("no line %q in\n%s", line, out)
		}
	}
	if l.Config.Bitcoind.RPCPassword != "env-password-4567" || l.Config.Backup[1].Settings["app_key"] != "file-app-key-0123" {
		t.Error("Print masked the caller's config")
	}
}

func TestPrintSources(t *testing.T) {
	l := loadExample(t, []string{"ATLASD_BITCOIND_RPC_TIMEOUT=1m"}, "--atlas.seeds=a:1,b:2", "--api.listen=127.0.0.1:7000")
	var b strings.Builder
	if err := l.Print(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	tests := []string{
		"# config file: testdata/atlasd.toml",
		`network = "regtest"  # file`,
		`rpc_timeout = "1m0s"  # env ATLASD_BITCOIND_RPC_TIMEOUT`,
		`seeds = ["a:1", "b:2"]  # flag --atlas.seeds`,
		`listen = "127.0.0.1:7000"  # flag --api.listen`,
		`undo_window = 288  # file`,
		`enabled = false  # file`,
		`[[backup]]  # file`,
	}
	for _, line := range tests {
		t.Run(line, func(t *testing.T) {
			if !strings.Contains(out, line+"\n") {
				t.Errorf("missing in\n%s", out)
			}
		})
	}
	b.Reset()
	l, err := Load(LoadOptions{Args: []string{"--config="}, Env: []string{"HOME=/h"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Print(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"# config file: none", `rpc_conns = 8  # default`, "# no [[backup]] entries"} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("no %q in\n%s", line, b.String())
		}
	}
}

// Print's output decoded over an empty Config gives back the masked
// config: every key is printed, and every value survives quoting.
func TestPrintRoundTrip(t *testing.T) {
	odd := Default()
	odd.Network = "quote\" backslash\\ tab\t newline\n bell\a del\x7f é ✓ 🚀"
	odd.ParamsFile = `C:\params.json`
	odd.Bitcoind.RPCPassword = "pw"
	odd.Bitcoind.RPCTimeout = 1500*time.Millisecond + time.Nanosecond
	odd.Bitcoind.PollInterval = -time.Hour
	odd.Bitcoind.RPCConns = -3
	odd.Replay.UndoWindow = 1<<63 - 1
	odd.Atlas.Seeds = []string{"a:1", `b"c`, ""}
	odd.Backup = []Backup{
		{Name: "x", Path: "/p", SHA256: strings.Repeat("ab", 32), Settings: map[string]string{
			"plain": "v", "api_key": "k", "odd key": "w", "": "empty key", "ünï": "ü", "PASSWORD": "",
		}},
		{Name: "y", Path: builtinDir},
	}
	example := loadExample(t, nil).Config
	tests := []struct {
		name string
		cfg  Config
	}{
		{"default", Default()},
		{"zero", Config{}},
		{"example", example},
		{"odd values", odd},
	}
	all, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := Print(&b, tc.cfg, nil); err != nil {
				t.Fatal(err)
			}
			var back Config
			if err := decodeFile(&back, []byte(b.String()), "printed", all, Sources{}); err != nil {
				t.Fatalf("%v in\n%s", err, b.String())
			}
			if want := Masked(tc.cfg); !reflect.DeepEqual(back, want) {
				t.Errorf("got\n%#v\nwant\n%#v\nfrom\n%s", back, want, b.String())
			}
		})
	}
}

// A printed config is a usable config file: loading it gives the same
// settings, now all from the file.
func TestPrintLoadsBack(t *testing.T) {
	l := loadExample(t, []string{"ATLASD_LOG_LEVEL=warn"}, "--replay.undo-window=10")
	var b strings.Builder
	if err := l.Print(&b); err != nil {
		t.Fatal(err)
	}
	back, err := Load(LoadOptions{Args: []string{"--config", writeConfig(t, b.String())}, Env: []string{"HOME=/elsewhere"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := Masked(l.Config); !reflect.DeepEqual(back.Config, want) {
		t.Errorf("got\n%+v\nwant\n%+v", back.Config, want)
	}
	all, _ := settings()
	for _, s := range all {
		if back.Sources.Of(s.key) != SourceFile {
			t.Errorf("%s from %s", s.key, back.Sources.Of(s.key))
		}
	}
}

func TestMaskedLeavesInputAlone(t *testing.T) {
	cfg := loadExample(t, nil).Config
	m := Masked(cfg)
	tests := []struct {
		name      string
		orig, got string
		want      string
	}{
		{"rpc_password", cfg.Bitcoind.RPCPassword, m.Bitcoind.RPCPassword, Mask},
		{"app_key", cfg.Backup[1].Settings["app_key"], m.Backup[1].Settings["app_key"], Mask},
		{"folder", cfg.Backup[1].Settings["folder"], m.Backup[1].Settings["folder"], "/atlasd"},
		{"rpc_user", cfg.Bitcoind.RPCUser, m.Bitcoind.RPCUser, "atlasd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("masked %q, want %q", tc.got, tc.want)
			}
			if tc.orig == Mask {
				t.Error("the input was masked")
			}
		})
	}
	var empty Config
	if Masked(empty).Bitcoind.RPCPassword != "" {
		t.Error("an empty secret must print as empty")
	}
}

func TestUsage(t *testing.T) {
	var b strings.Builder
	if err := Usage(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--config FILE  (ATLASD_CONFIG)",
		`--bitcoind.rpc-timeout  (ATLASD_BITCOIND_RPC_TIMEOUT, default "30s")`,
		"--bitcoind.rpc-password  (ATLASD_BITCOIND_RPC_PASSWORD)\n",
		"deadline of one RPC call",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
}
