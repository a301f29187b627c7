package config

import (
	"reflect"
	"testing"
)

func TestSettingNames(t *testing.T) {
	all, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]setting{}
	for _, s := range all {
		byKey[s.key] = s
	}
	tests := []struct {
		key, env, flag string
		secret         bool
		kind           kind
	}{
		{"network", "ATLASD_NETWORK", "network", false, kindString},
		{"params_file", "ATLASD_PARAMS_FILE", "params-file", false, kindString},
		{"bitcoind.rpc_host", "ATLASD_BITCOIND_RPC_HOST", "bitcoind.rpc-host", false, kindString},
		{"bitcoind.rpc_password", "ATLASD_BITCOIND_RPC_PASSWORD", "bitcoind.rpc-password", true, kindString},
		{"bitcoind.rpc_timeout", "ATLASD_BITCOIND_RPC_TIMEOUT", "bitcoind.rpc-timeout", false, kindDuration},
		{"bitcoind.rpc_conns", "ATLASD_BITCOIND_RPC_CONNS", "bitcoind.rpc-conns", false, kindInt},
		{"replay.undo_window", "ATLASD_REPLAY_UNDO_WINDOW", "replay.undo-window", false, kindUint},
		{"replay.auto_rebuild", "ATLASD_REPLAY_AUTO_REBUILD", "replay.auto-rebuild", false, kindBool},
		{"atlas.seeds", "ATLASD_ATLAS_SEEDS", "atlas.seeds", false, kindList},
		{"api.listen", "ATLASD_API_LISTEN", "api.listen", false, kindString},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			s, ok := byKey[tc.key]
			if !ok {
				t.Fatalf("no setting %s", tc.key)
			}
			if s.env != tc.env || s.flag != tc.flag || s.secret != tc.secret || s.kind != tc.kind {
				t.Errorf("got env %s flag %s secret %v kind %d, want %s %s %v %d", s.env, s.flag, s.secret, s.kind, tc.env, tc.flag, tc.secret, tc.kind)
			}
			if s.help == "" {
				t.Error("no help text")
			}
		})
	}
	if _, ok := byKey[backupKey]; ok {
		t.Errorf("%s must be file-only", backupKey)
	}
}

// Every name a layer can use must map back to exactly one setting.
func TestSettingNamesUnique(t *testing.T) {
	all, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	for _, layer := range []struct {
		name string
		of   func(setting) string
	}{
		{"key", func(s setting) string { return s.key }},
		{"env", func(s setting) string { return s.env }},
		{"flag", func(s setting) string { return s.flag }},
	} {
		t.Run(layer.name, func(t *testing.T) {
			seen := map[string]bool{layer.of(setting{key: configFlag, env: configEnv, flag: configFlag}): true}
			for _, s := range all {
				n := layer.of(s)
				if seen[n] {
					t.Errorf("%s %q is used twice", layer.name, n)
				}
				seen[n] = true
			}
		})
	}
}

// The table must reach every scalar and list field of Config, so a field
// added later cannot silently lose its env variable and flag.
func TestSettingsCoverConfig(t *testing.T) {
	all, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	var count func(reflect.Type) int
	count = func(t reflect.Type) int {
		n := 0
		for i := range t.NumField() {
			f := t.Field(i)
			switch {
			case f.Type.Kind() == reflect.Struct && f.Type != durationType:
				n += count(f.Type)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			default:
				n++
			}
		}
		return n
	}
	if want := count(reflect.TypeOf(Config{})); len(all) != want {
		t.Errorf("%d settings for %d fields", len(all), want)
	}
}

func TestSettingsRefuseUnsupportedTypes(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
	}{
		{"float", reflect.TypeOf(struct {
			X float64 `toml:"x"`
		}{})},
		{"int list", reflect.TypeOf(struct {
			X []int `toml:"x"`
		}{})},
		{"pointer", reflect.TypeOf(struct {
			X *string `toml:"x"`
		}{})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := collect(tc.typ, nil, nil); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestDefaultValidates(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cfg, err := Default().Validate()
	if err != nil {
		t.Fatal(err)
	}
	if want := home + "/.atlasd"; cfg.DataDir != want {
		t.Errorf("datadir %s, want %s", cfg.DataDir, want)
	}
	if want := home + "/.bitcoin/.cookie"; cfg.Bitcoind.RPCCookie != want {
		t.Errorf("rpc_cookie %s, want %s", cfg.Bitcoind.RPCCookie, want)
	}
	if Default().DataDir != "~/.atlasd" {
		t.Error("Validate changed the defaults")
	}
}

func TestNearest(t *testing.T) {
	known := []string{"network", "datadir", "bitcoind.rpc_password", "ATLASD_DATADIR"}
	tests := []struct{ name, want string }{
		{"netwrk", "network"},
		{"NETWORK", "network"},
		{"data_dir", "datadir"},
		{"bitcoind.rpc_pasword", "bitcoind.rpc_password"},
		{"ATLASD_DATA_DIR", "ATLASD_DATADIR"},
		{"ATLASD_BTCD", ""},
		{"somethingelse", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nearest(tc.name, known); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
