package config

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The example file sets every key away from its default; loading it must
// give exactly these values, all attributed to the file.
func TestLoadExampleFile(t *testing.T) {
	l, err := Load(LoadOptions{Args: []string{"--config", "testdata/atlasd.toml"}, Env: []string{"HOME=/home/op"}})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Network:   "regtest",
		DataDir:   "/home/op/atlasd-data",
		LogLevel:  "debug",
		LogFormat: "json",
		Bitcoind: Bitcoind{
			RPCHost:      "10.0.0.2:18443",
			RPCUser:      "atlasd",
			RPCPassword:  "file-password-0123",
			RPCTimeout:   45 * time.Second,
			RPCConns:     8,
			ZMQHashBlock: "tcp://10.0.0.2:28332",
			ZMQSequence:  "ipc:///run/bitcoind/sequence.sock",
			PollInterval: 2 * time.Second,
		},
		Replay: Replay{UndoWindow: 288, TokenGenesis: "/home/op/genesis.json", AutoRebuild: true},
		Atlas: Atlas{
			Listen:    "127.0.0.1:16264",
			Hostname:  "atlas.example.org:6264",
			Seeds:     []string{"node.blockstack.org:6264", "10.0.0.3:6264"},
			Blacklist: []string{"[2001:db8::1]:6264"},
			RateLimit: 1 << 20, RateBurst: 16 << 20, MaxConns: 256, MaxConnsPerIP: 4,
			RateExempt: []string{"10.0.0.0/24"},
		},
		API:     API{Listen: "127.0.0.1:16270"},
		Storage: Storage{MinFreeMiB: 512},
		Backup: []Backup{
			{Name: "local", Path: "builtin:dir", Settings: map[string]string{"dir": "/var/backups/atlasd"}},
			{
				Name:   "dropbox",
				Path:   "/home/op/plugins/atlasd-dropbox",
				SHA256: "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a",
				Settings: map[string]string{
					"app_key": "file-app-key-0123", "refresh_token": "file-refresh-token-0123", "folder": "/atlasd",
				},
			},
		},
	}
	if !reflect.DeepEqual(l.Config, want) {
		t.Errorf("got\n%+v\nwant\n%+v", l.Config, want)
	}
	if l.File != "testdata/atlasd.toml" {
		t.Errorf("file %q", l.File)
	}
	all, _ := settings()
	for _, s := range all {
		if s.key == "params_file" || s.key == "bitcoind.rpc_cookie" {
			continue // set to "" in the file, which still counts
		}
		if got := l.Sources.Of(s.key); got != SourceFile {
			t.Errorf("%s from %s", s.key, got)
		}
	}
	if l.Sources.Of(backupKey) != SourceFile {
		t.Errorf("backup from %s", l.Sources.Of(backupKey))
	}
}

// Each of four keys of different kinds is set in every combination of
// file, environment and flag; the highest layer present must win.
func TestPrecedence(t *testing.T) {
	keys := []struct {
		key              string
		file, env, flag  string // file as a TOML literal
		get              func(Config) any
		def, fv, ev, flv any
	}{
		{"bitcoind.rpc_conns", "5", "6", "7",
			func(c Config) any { return c.Bitcoind.RPCConns }, 8, 5, 6, 7},
		{"bitcoind.rpc_timeout", `"5s"`, "6s", "7s",
			func(c Config) any { return c.Bitcoind.RPCTimeout }, 30 * time.Second, 5 * time.Second, 6 * time.Second, 7 * time.Second},
		{"atlas.seeds", `["f:1"]`, "e:1, e:2", "g:1",
			func(c Config) any { return c.Atlas.Seeds }, []string(nil), []string{"f:1"}, []string{"e:1", "e:2"}, []string{"g:1"}},
		{"atlas.enabled", "false", "true", "false",
			func(c Config) any { return c.Atlas.Enabled }, true, false, true, false},
		{"log_level", `"warn"`, "error", "trace",
			func(c Config) any { return c.LogLevel }, "info", "warn", "error", "trace"},
	}
	all, _ := settings()
	env := map[string]string{}
	flg := map[string]string{}
	for _, s := range all {
		env[s.key], flg[s.key] = s.env, s.flag
	}
	for _, k := range keys {
		for mask := range 8 {
			inFile, inEnv, inFlag := mask&1 != 0, mask&2 != 0, mask&4 != 0
			name := k.key + "/" + strings.Join(filterNames(inFile, inEnv, inFlag), "+")
			t.Run(name, func(t *testing.T) {
				args := []string{"--config", ""}
				var envs []string
				want, wantSrc := k.def, SourceDefault
				if inFile {
					args = []string{"--config", writeConfig(t, tomlFor(k.key, k.file))}
					want, wantSrc = k.fv, SourceFile
				}
				if inEnv {
					envs = append(envs, env[k.key]+"="+k.env)
					want, wantSrc = k.ev, SourceEnv
				}
				if inFlag {
					args = append(args, "--"+flg[k.key]+"="+k.flag)
					want, wantSrc = k.flv, SourceFlag
				}
				l, err := Load(LoadOptions{Args: args, Env: withHome(t.TempDir(), envs)})
				if err != nil {
					t.Fatal(err)
				}
				if got := k.get(l.Config); !reflect.DeepEqual(got, want) {
					t.Errorf("value %v, want %v", got, want)
				}
				if got := l.Sources.Of(k.key); got != wantSrc {
					t.Errorf("source %s, want %s", got, wantSrc)
				}
			})
		}
	}
}

func filterNames(file, env, flag bool) []string {
	out := []string{"default"}
	for _, l := range []struct {
		on   bool
		name string
	}{{file, "file"}, {env, "env"}, {flag, "flag"}} {
		if l.on {
			out = append(out, l.name)
		}
	}
	return out
}

func TestConfigFileChoice(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, home string) ([]string, []string) // args, env
		conns int                                                  // rpc_conns: which file was read; 4 = none
		err   error
	}{
		{"default datadir file", func(t *testing.T, home string) ([]string, []string) {
			put(t, filepath.Join(home, ".atlasd", DefaultFileName), "11")
			return nil, nil
		}, 11, nil},
		{"no file in default datadir", func(t *testing.T, home string) ([]string, []string) {
			return nil, nil
		}, defaultConns, nil},
		{"datadir from env", func(t *testing.T, home string) ([]string, []string) {
			put(t, filepath.Join(home, ".atlasd", DefaultFileName), "11")
			put(t, filepath.Join(home, "env", DefaultFileName), "12")
			return nil, []string{"ATLASD_DATADIR=~/env"}
		}, 12, nil},
		{"datadir flag beats env", func(t *testing.T, home string) ([]string, []string) {
			put(t, filepath.Join(home, "env", DefaultFileName), "12")
			put(t, filepath.Join(home, "flag", DefaultFileName), "13")
			return []string{"--datadir", home + "/flag"}, []string{"ATLASD_DATADIR=~/env"}
		}, 13, nil},
		{"ATLASD_CONFIG", func(t *testing.T, home string) ([]string, []string) {
			put(t, filepath.Join(home, ".atlasd", DefaultFileName), "11")
			put(t, filepath.Join(home, "a.toml"), "14")
			return nil, []string{"ATLASD_CONFIG=~/a.toml"}
		}, 14, nil},
		{"--config beats ATLASD_CONFIG", func(t *testing.T, home string) ([]string, []string) {
			put(t, filepath.Join(home, "a.toml"), "14")
			put(t, filepath.Join(home, "b.toml"), "15")
			return []string{"--config=" + home + "/b.toml"}, []string{"ATLASD_CONFIG=~/a.toml"}
		}, 15, nil},
		{"empty --config means none", func(t *testing.T, home string) ([]string, []string) {
			put(t, filepath.Join(home, ".atlasd", DefaultFileName), "11")
			return []string{"--config="}, nil
		}, defaultConns, nil},
		{"empty ATLASD_CONFIG means none", func(t *testing.T, home string) ([]string, []string) {
			put(t, filepath.Join(home, ".atlasd", DefaultFileName), "11")
			return nil, []string{"ATLASD_CONFIG="}
		}, defaultConns, nil},
		{"named file missing", func(t *testing.T, home string) ([]string, []string) {
			return []string{"--config", home + "/missing.toml"}, nil
		}, 0, fs.ErrNotExist},
		{"directory is not a file", func(t *testing.T, home string) ([]string, []string) {
			return []string{"--config", home}, nil
		}, 0, errAny},
		{"the file cannot move itself", func(t *testing.T, home string) ([]string, []string) {
			put(t, filepath.Join(home, ".atlasd", DefaultFileName), "11\n[replay]\n[atlas]\n")
			put(t, filepath.Join(home, "other", DefaultFileName), "16")
			path := filepath.Join(home, ".atlasd", DefaultFileName)
			body, _ := os.ReadFile(path)
			if err := os.WriteFile(path, append([]byte("datadir = \"~/other\"\n"), body...), 0o600); err != nil {
				t.Fatal(err)
			}
			return nil, nil
		}, 11, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			args, env := tc.setup(t, home)
			l, err := Load(LoadOptions{Args: args, Env: withHome(home, env)})
			switch {
			case tc.err == errAny && err != nil:
				return
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if l.Config.Bitcoind.RPCConns != tc.conns {
				t.Errorf("rpc_conns %d, want %d (file %q)", l.Config.Bitcoind.RPCConns, tc.conns, l.File)
			}
			if (tc.conns == defaultConns) != (l.File == "") {
				t.Errorf("file %q", l.File)
			}
		})
	}
}

var errAny = errors.New("any error")

// put writes a config file setting rpc_conns, creating its directory.
func put(t *testing.T, path, conns string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("[bitcoind]\nrpc_conns = "+conns+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFlags(t *testing.T) {
	t.Run("help", func(t *testing.T) {
		for _, arg := range []string{"-h", "--help"} {
			if _, err := Load(LoadOptions{Args: []string{arg}}); !errors.Is(err, flag.ErrHelp) {
				t.Errorf("%s: %v", arg, err)
			}
		}
	})
	t.Run("unknown flag", func(t *testing.T) {
		_, err := Load(LoadOptions{Args: []string{"--config=", "--bitcoind.rpc-hots=x:1"}, Env: []string{"HOME=/h"}})
		if err == nil || !strings.Contains(err.Error(), "bitcoind.rpc-hots") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("positional args are kept", func(t *testing.T) {
		l, err := Load(LoadOptions{Args: []string{"--config=", "--atlas.enabled", "--network", "regtest", "print", "x"}, Env: []string{"HOME=/h"}})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(l.Args, []string{"print", "x"}) || !l.Config.Atlas.Enabled || l.Config.Network != "regtest" {
			t.Errorf("args %q enabled %v network %s", l.Args, l.Config.Atlas.Enabled, l.Config.Network)
		}
	})
	t.Run("caller's flag set", func(t *testing.T) {
		fs := flag.NewFlagSet("print", flag.ContinueOnError)
		own := fs.Bool("sources", false, "")
		l, err := Load(LoadOptions{Args: []string{"--config=", "--sources", "--api.listen=127.0.0.1:1"}, Env: []string{"HOME=/h"}, Flags: fs})
		if err != nil {
			t.Fatal(err)
		}
		if !*own || l.Config.API.Listen != "127.0.0.1:1" || fs.Lookup("bitcoind.rpc-host") == nil {
			t.Errorf("own %v listen %s", *own, l.Config.API.Listen)
		}
	})
}

func TestUnknownEnv(t *testing.T) {
	tests := []struct {
		name   string
		refuse bool
		hint   string
	}{
		{"ATLASD_BITCOIND_RPC_PASWORD", true, "ATLASD_BITCOIND_RPC_PASSWORD"},
		{"ATLASD_DATA_DIR", true, "ATLASD_DATADIR"},
		{"ATLASD_ATLAS_PEERS", true, "ATLASD_ATLAS_SEEDS"},
		{"ATLASD_ATLAS_MAX_PEER_COUNT", true, "section"},
		{"ATLASD_BITCOIND_HOST", true, "section"},
		{"ATLASD_BACKUP_0_NAME", true, "only be configured in the file"},
		{"ATLASD_BTCD", false, ""},
		{"ATLASD_BENCH_BLOCKS", false, ""},
		{"ATLASD_REORG_SEED", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Load(LoadOptions{Args: []string{"--config="}, Env: []string{"HOME=/h", tc.name + "=hunter2-value"}})
			if tc.refuse {
				ke := findKey(err, tc.name)
				if ke == nil {
					t.Fatalf("not refused: %v", err)
				}
				if !strings.Contains(ke.Reason, tc.hint) {
					t.Errorf("reason %q lacks %q", ke.Reason, tc.hint)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error quotes the value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], tc.name) {
				t.Errorf("warnings %q", l.Warnings)
			}
		})
	}
	t.Run("other variables are ignored", func(t *testing.T) {
		l, err := Load(LoadOptions{Args: []string{"--config="}, Env: []string{"HOME=/h", "PATH=/bin", "ATLAS_X=1", "atlasd_network=x"}})
		if err != nil || len(l.Warnings) != 0 {
			t.Errorf("err %v warnings %q", err, l.Warnings)
		}
	})
	t.Run("later entry wins", func(t *testing.T) {
		l, err := Load(LoadOptions{Args: []string{"--config="}, Env: []string{"HOME=/h", "ATLASD_NETWORK=mainnet", "ATLASD_NETWORK=regtest"}})
		if err != nil || l.Config.Network != "regtest" {
			t.Errorf("err %v network %s", err, l.Config.Network)
		}
	})
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode
		file string
		args []string
		want string // substring of a warning, "" for none
	}{
		{"secret file readable by others", 0o644, "[bitcoind]\nrpc_user = \"u\"\nrpc_password = \"p\"\n", nil, "chmod 600"},
		{"secret file private", 0o600, "[bitcoind]\nrpc_user = \"u\"\nrpc_password = \"p\"\n", nil, ""},
		{"backup token readable by group", 0o640, "[[backup]]\nname = \"d\"\npath = \"builtin:dir\"\n[backup.settings]\nauth_token = \"t\"\n", nil, "chmod 600"},
		{"no secrets, readable", 0o644, "log_level = \"warn\"\n", nil, ""},
		{"password flag", 0o600, "", []string{"--bitcoind.rpc-user=u", "--bitcoind.rpc-password=p"}, "process list"},
		{"public api", 0o600, "[api]\nlisten = \"0.0.0.0:6270\"\n", nil, "reachable from other hosts"},
		{"loopback api", 0o600, "[api]\nlisten = \"[::1]:6270\"\n", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.file)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			l, err := Load(LoadOptions{Args: append([]string{"--config", path}, tc.args...), Env: []string{"HOME=/h"}})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(l.Warnings, "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("warnings %q, want %q", got, tc.want)
			}
		})
	}
}

// defaultConns is Default()'s rpc_conns, which the file-choice cases read
// to tell "no file was read" from "the file's value".
var defaultConns = Default().Bitcoind.RPCConns
