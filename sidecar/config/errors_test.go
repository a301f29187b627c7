package config

import (
	"errors"
	"strings"
	"testing"
)

// credentials is a valid rpc_user/rpc_password pair, so that cases about
// other keys are not also refused for missing credentials.
const credentials = "[bitcoind]\nrpc_user = \"u\"\nrpc_password = \"p\"\n"

func TestBadValues(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		env    []string
		args   []string
		key    string // the refused key
		origin string // prefix of its origin
		reason string // substring of the reason
	}{
		// Types and syntax, per layer.
		{"file duration as integer", tomlFor("bitcoind.rpc_timeout", "30"), nil, nil, "bitcoind.rpc_timeout", "file ", "duration string"},
		{"file bad duration", tomlFor("bitcoind.rpc_timeout", `"3x"`), nil, nil, "bitcoind.rpc_timeout", "file ", `got "3x"`},
		{"file integer as string", tomlFor("bitcoind.rpc_conns", `"4"`), nil, nil, "bitcoind.rpc_conns", "file ", "want an integer, got a string"},
		{"file negative uint", tomlFor("replay.undo_window", "-1"), nil, nil, "replay.undo_window", "file ", "non-negative"},
		{"file float", tomlFor("replay.undo_window", "1.5"), nil, nil, "replay.undo_window", "file ", "got a float"},
		{"file list as string", tomlFor("atlas.seeds", `"a:1"`), nil, nil, "atlas.seeds", "file ", "array of strings"},
		{"file list item", tomlFor("atlas.seeds", `["a:1", 2]`), nil, nil, "atlas.seeds", "file ", "item 1"},
		{"file bool as string", tomlFor("atlas.enabled", `"yes"`), nil, nil, "atlas.enabled", "file ", "true or false"},
		{"file datetime", tomlFor("network", "1979-05-27"), nil, nil, "network", "file ", "datetime"},
		{"file section as value", "atlas = 3\n", nil, nil, "atlas", "file ", "want a table"},
		{"file backup as value", "backup = 1\n", nil, nil, "backup", "file ", "[[backup]]"},
		{"file backup field type", "[[backup]]\nname = 1\n", nil, nil, "backup[0].name", "file ", "want a string"},
		{"file backup settings type", "[[backup]]\nname = \"a\"\nsettings = 1\n", nil, nil, "backup[0].settings", "file ", "want a table"},
		{"file backup setting value", "[[backup]]\nname = \"a\"\n[backup.settings]\nretries = 3\n", nil, nil, "backup[0].settings.retries", "file ", "want a string"},
		{"env integer", "", []string{"ATLASD_BITCOIND_RPC_CONNS=four"}, nil, "bitcoind.rpc_conns", "env ATLASD_BITCOIND_RPC_CONNS", `got "four"`},
		{"env bool", "", []string{"ATLASD_ATLAS_ENABLED=maybe"}, nil, "atlas.enabled", "env ATLASD_ATLAS_ENABLED", "true or false"},
		{"env negative uint", "", []string{"ATLASD_REPLAY_UNDO_WINDOW=-1"}, nil, "replay.undo_window", "env ", "non-negative"},
		{"env empty duration", "", []string{"ATLASD_BITCOIND_POLL_INTERVAL="}, nil, "bitcoind.poll_interval", "env ", "duration"},
		{"flag duration", "", nil, []string{"--bitcoind.poll-interval=soon"}, "bitcoind.poll_interval", "flag --bitcoind.poll-interval", "duration"},
		{"flag bool", "", nil, []string{"--replay.auto-rebuild=sometimes"}, "replay.auto_rebuild", "flag --replay.auto-rebuild", "true or false"},

		// Validation, with the origin of the refused value.
		{"network", "", []string{"ATLASD_NETWORK=testnet"}, nil, "network", "env ATLASD_NETWORK", `got "testnet"`},
		{"empty network", tomlFor("network", `""`), nil, nil, "network", "file ", "params_file"},
		{"log level", "", nil, []string{"--log-level=verbose"}, "log_level", "flag --log-level", "want one of trace, debug, info, warn, error"},
		{"log format", tomlFor("log_format", `"xml"`), nil, nil, "log_format", "file ", "auto, text, json"},
		{"datadir empty", tomlFor("datadir", `""`), nil, nil, "datadir", "file ", "must be set"},
		{"datadir ~user", "", []string{"ATLASD_DATADIR=~bob/atlasd"}, nil, "datadir", "env ", "~user"},
		{"rpc_host without port", tomlFor("bitcoind.rpc_host", `"localhost"`), nil, nil, "bitcoind.rpc_host", "file ", "host:port"},
		{"rpc_host without host", tomlFor("bitcoind.rpc_host", `":8332"`), nil, nil, "bitcoind.rpc_host", "file ", "with a host"},
		{"rpc_host port range", tomlFor("bitcoind.rpc_host", `"h:65536"`), nil, nil, "bitcoind.rpc_host", "file ", "port from 1 to 65535"},
		{"rpc_host port zero", tomlFor("bitcoind.rpc_host", `"h:0"`), nil, nil, "bitcoind.rpc_host", "file ", "port from 1 to 65535"},
		{"rpc_host url", tomlFor("bitcoind.rpc_host", `"http://h:8332"`), nil, nil, "bitcoind.rpc_host", "file ", "host:port"},
		{"atlas listen", "", nil, []string{"--atlas.listen=6264"}, "atlas.listen", "flag ", "host:port"},
		{"api listen", "", []string{"ATLASD_API_LISTEN=localhost"}, nil, "api.listen", "env ", "host:port"},
		{"hostname", tomlFor("atlas.hostname", `"example.org"`), nil, nil, "atlas.hostname", "file ", "host:port"},
		{"seed item", "", []string{"ATLASD_ATLAS_SEEDS=a:1,b"}, nil, "atlas.seeds", "env ", "item 1"},
		{"blacklist item", tomlFor("atlas.blacklist", `["x:0"]`), nil, nil, "atlas.blacklist", "file ", "item 0"},
		{"rate_exempt not a network", tomlFor("atlas.rate_exempt", `["127.0.0.1/32", "10.0.0.1"]`), nil, nil, "atlas.rate_exempt", "file ", "item 1"},
		{"rate_limit zero", "", []string{"ATLASD_ATLAS_RATE_LIMIT=0"}, nil, "atlas.rate_limit", "env ", "greater than zero"},
		{"max_conns_per_ip huge", "", nil, []string{"--atlas.max-conns-per-ip=70000"}, "atlas.max_conns_per_ip", "flag ", "at most 65536"},
		{"rpc_conns zero", "", nil, []string{"--bitcoind.rpc-conns=0"}, "bitcoind.rpc_conns", "flag ", "greater than zero"},
		{"rpc_conns huge", "", nil, []string{"--bitcoind.rpc-conns=5000"}, "bitcoind.rpc_conns", "flag ", "at most 1024"},
		{"rpc_timeout zero", tomlFor("bitcoind.rpc_timeout", `"0s"`), nil, nil, "bitcoind.rpc_timeout", "file ", "greater than zero"},
		{"rpc_timeout negative", "", []string{"ATLASD_BITCOIND_RPC_TIMEOUT=-1s"}, nil, "bitcoind.rpc_timeout", "env ", "greater than zero"},
		{"poll_interval zero", tomlFor("bitcoind.poll_interval", `"0ms"`), nil, nil, "bitcoind.poll_interval", "file ", "greater than zero"},
		{"undo_window zero", tomlFor("replay.undo_window", "0"), nil, nil, "replay.undo_window", "file ", "greater than zero"},
		{"undo_window huge", "", nil, []string{"--replay.undo-window=18446744073709551615"}, "replay.undo_window", "flag ", "at most 1000000"},
		{"zmq scheme", tomlFor("bitcoind.zmq_hashblock", `"udp://h:1"`), nil, nil, "bitcoind.zmq_hashblock", "file ", "tcp://host:port or ipc://path"},
		{"zmq tcp port", "", []string{"ATLASD_BITCOIND_ZMQ_SEQUENCE=tcp://h"}, nil, "bitcoind.zmq_sequence", "env ", "tcp endpoint"},
		{"zmq empty ipc", tomlFor("bitcoind.zmq_sequence", `"ipc://"`), nil, nil, "bitcoind.zmq_sequence", "file ", "ipc://path"},
		{"user without password", tomlFor("bitcoind.rpc_user", `"u"`), nil, nil, "bitcoind.rpc_password", "default", "when bitcoind.rpc_user is"},
		{"password without user", "", []string{"ATLASD_BITCOIND_RPC_PASSWORD=p"}, nil, "bitcoind.rpc_user", "default", "when bitcoind.rpc_password is"},
		{"no way to log in", tomlFor("bitcoind.rpc_cookie", `""`), nil, nil, "bitcoind.rpc_cookie", "file ", "unless bitcoind.rpc_user"},
		{"not UTF-8", "", []string{"ATLASD_PARAMS_FILE=a\xffb"}, nil, "params_file", "env ", "UTF-8"},
		{"NUL", tomlFor("atlas.hostname", `"h\u0000:1"`), nil, nil, "atlas.hostname", "file ", "NUL"},

		// Backups.
		{"backup name missing", "[[backup]]\npath = \"builtin:dir\"\n", nil, nil, "backup[0].name", "file ", "letters, digits"},
		{"backup name chars", "[[backup]]\nname = \"my drive\"\npath = \"builtin:dir\"\n", nil, nil, "backup[0].name", "file ", `got "my drive"`},
		{"backup name twice", "[[backup]]\nname = \"a\"\npath = \"builtin:dir\"\n[[backup]]\nname = \"a\"\npath = \"builtin:dir\"\n", nil, nil, "backup[1].name", "file ", "backup[0]"},
		{"backup path missing", "[[backup]]\nname = \"a\"\n", nil, nil, "backup[0].path", "file ", "must be set"},
		{"backup unknown builtin", "[[backup]]\nname = \"a\"\npath = \"builtin:s3\"\n", nil, nil, "backup[0].path", "file ", "builtin:dir"},
		{"backup sha256 missing", "[[backup]]\nname = \"a\"\npath = \"/p\"\n", nil, nil, "backup[0].sha256", "file ", "64 hex digits"},
		{"backup sha256 short", "[[backup]]\nname = \"a\"\npath = \"/p\"\nsha256 = \"abcd\"\n", nil, nil, "backup[0].sha256", "file ", "64 hex digits"},
		{"backup sha256 not hex", "[[backup]]\nname = \"a\"\npath = \"/p\"\nsha256 = \"" + strings.Repeat("g", 64) + "\"\n", nil, nil, "backup[0].sha256", "file ", "64 hex digits"},
		{"backup builtin with sha256", "[[backup]]\nname = \"a\"\npath = \"builtin:dir\"\nsha256 = \"" + strings.Repeat("a", 64) + "\"\n", nil, nil, "backup[0].sha256", "file ", "no binary"},
		{"backup empty settings key", "[[backup]]\nname = \"a\"\npath = \"builtin:dir\"\n[backup.settings]\n\"\" = \"x\"\n", nil, nil, "backup[0].settings", "file ", "non-empty"},
		{"backup path ~user", "[[backup]]\nname = \"a\"\npath = \"~bob/p\"\nsha256 = \"" + strings.Repeat("a", 64) + "\"\n", nil, nil, "backup[0].path", "file ", "~user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if !strings.Contains(file, "[bitcoind]") && !strings.Contains(strings.Join(tc.env, " "), "RPC_PASSWORD") {
				file += "\n" + credentials
			}
			path := writeConfig(t, file)
			_, err := Load(LoadOptions{Args: append([]string{"--config", path}, tc.args...), Env: withHome(t.TempDir(), tc.env)})
			ke := findKey(err, tc.key)
			if ke == nil {
				t.Fatalf("%s not refused; error: %v", tc.key, err)
			}
			if !strings.HasPrefix(ke.Origin, tc.origin) {
				t.Errorf("origin %q, want %q…", ke.Origin, tc.origin)
			}
			if !strings.Contains(ke.Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", ke.Reason, tc.reason)
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Errorf("message %q does not name %s", err, tc.key)
			}
			if len(keyErrors(err)) != 1 {
				t.Errorf("%d refusals, want 1: %v", len(keyErrors(err)), err)
			}
		})
	}
}

// Everything wrong is reported in one go, not one per restart.
func TestAllErrorsAtOnce(t *testing.T) {
	path := writeConfig(t, "network = \"x\"\nnetwrk = 1\n[atlas]\nlisten = \"y\"\n"+credentials)
	_, err := Load(LoadOptions{Args: []string{"--config", path}, Env: []string{"HOME=/h"}})
	// The unknown key stops the load before validation.
	if got := keyErrors(err); len(got) != 1 || got[0].Key != "netwrk" {
		t.Fatalf("got %v", err)
	}
	path = writeConfig(t, "network = \"x\"\n[atlas]\nlisten = \"y\"\n"+credentials)
	_, err = Load(LoadOptions{Args: []string{"--config", path, "--log-level=loud"}, Env: []string{"HOME=/h"}})
	keys := map[string]bool{}
	for _, ke := range keyErrors(err) {
		keys[ke.Key] = true
	}
	for _, k := range []string{"network", "atlas.listen", "log_level"} {
		if !keys[k] {
			t.Errorf("%s not reported in %v", k, err)
		}
	}
}

func TestUnknownFileKeys(t *testing.T) {
	tests := []struct {
		name string
		file string
		keys []string // every key refused
		hint string   // suggestion for the first
	}{
		{"top level", "netwrk = \"regtest\"\n", []string{"netwrk"}, "did you mean network?"},
		{"in a section", "[bitcoind]\nrpc_pasword = \"x\"\n", []string{"bitcoind.rpc_pasword"}, "did you mean bitcoind.rpc_password?"},
		{"unknown section", "[bitcoin]\nrpc_host = \"h:1\"\n", []string{"bitcoin"}, "did you mean bitcoind?"},
		{"sub-table of a section", "[atlas.limits]\npeers = 3\n", []string{"atlas.limits"}, ""},
		{"dotted key", "atlas.max_peers = 3\n", []string{"atlas.max_peers"}, ""},
		{"in a backup", "[[backup]]\nname = \"a\"\npath = \"builtin:dir\"\nsha = \"x\"\n", []string{"backup[0].sha"}, ""},
		{"in the second backup", "[[backup]]\nname = \"a\"\npath = \"builtin:dir\"\n[[backup]]\nnmae = \"b\"\n", []string{"backup[1].nmae"}, "did you mean backup[1].name?"},
		{"several", "x = 1\n[api]\nlisten = \"127.0.0.1:1\"\nport = 2\n", []string{"api.port", "x"}, ""},
		{"far from anything", "completely_unrelated = true\n", []string{"completely_unrelated"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(LoadOptions{Args: []string{"--config", writeConfig(t, tc.file)}, Env: []string{"HOME=/h"}})
			got := keyErrors(err)
			if len(got) != len(tc.keys) {
				t.Fatalf("got %v, want refusals of %q", err, tc.keys)
			}
			for i, ke := range got {
				if ke.Key != tc.keys[i] || !strings.HasPrefix(ke.Reason, "unknown key") {
					t.Errorf("refusal %d: %v", i, ke)
				}
			}
			if tc.hint != "" && !strings.Contains(got[0].Reason, tc.hint) {
				t.Errorf("reason %q lacks %q", got[0].Reason, tc.hint)
			}
			if tc.hint == "" && strings.Contains(got[0].Reason, "did you mean") {
				t.Errorf("unexpected hint in %q", got[0].Reason)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, file string
		line       string // "line N" in the message
		detail     string // the parser's words, or the hiding notice
	}{
		{"missing value", "[api]\nlisten =\n", "line 2", "expected value"},
		{"bad table name", "[api x]\n", "line 1", "table name"},
		{"duplicate key", "network = \"mainnet\"\nnetwork = \"regtest\"\n", "line 2", "already been defined"},
		{"secret key", "[bitcoind]\nrpc_password = abc\n", "line 2", "details hidden"},
		{"not UTF-8", "network = \"\xff\"\n", "", "not UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(LoadOptions{Args: []string{"--config", writeConfig(t, tc.file)}, Env: []string{"HOME=/h"}})
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v, want ErrSyntax", err)
			}
			if !strings.Contains(err.Error(), tc.line) || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("message %q lacks %q or %q", err, tc.line, tc.detail)
			}
		})
	}
}

// No error, warning or printout may contain a secret, or a piece of one,
// however the input is broken. Each case must fail (or warn) somehow, so the check is not
// vacuous.
func TestSecretsNeverLeak(t *testing.T) {
	const secret = "ZqvWxKpLmRtY"
	// leaks reports whether s holds any 4 characters of the secret in a
	// row: a parser quoting the start of a value leaks that much.
	leaks := func(s string) bool {
		for i := 0; i+4 <= len(secret); i++ {
			if strings.Contains(s, secret[i:i+4]) {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name string
		file string
		env  []string
		args []string
	}{
		{"bad escape in password", "[bitcoind]\nrpc_password = \"ZqvWxKpLmRtY\\q\"\n", nil, nil},
		{"unquoted password", "[bitcoind]\nrpc_password = ZqvWxKpLmRtY\n", nil, nil},
		{"password broken over lines", "[bitcoind]\nrpc_password = \"\"\"\nZqvWxKpLmRtY\\q\"\"\"\n", nil, nil},
		{"bad escape on a later line", "[bitcoind]\nrpc_password = \"\"\"\nZqvWxKpLmRtY\\x\"\"\"\n", nil, nil},
		{"password as hex number", "[bitcoind]\nrpc_password = 0xZqvWxKpLmRtY\n", nil, nil},
		{"password in an array", "[bitcoind]\nrpc_password = [\"ZqvWxKpLmRtY\" 1]\n", nil, nil},
		{"password of the wrong type", "[bitcoind]\nrpc_password = [\"ZqvWxKpLmRtY\"]\n", nil, nil},
		{"misspelt password key", "[bitcoind]\nrpc_user = \"u\"\nrpc_pasword = \"ZqvWxKpLmRtY\"\n", nil, nil},
		{"password in an unknown section", "[rpc]\npassword = ZqvWxKpLmRtY\n", nil, nil},
		{"backup token with bad escape", "[[backup]]\nname = \"a\"\npath = \"builtin:dir\"\nsettings = { token = \"ZqvWxKpLmRtY\\x\" }\n", nil, nil},
		{"backup setting unterminated", "[[backup]]\nname = \"a\"\n[backup.settings]\nrefresh = \"ZqvWxKpLmRtY\n", nil, nil},
		{"backup setting wrong type", "[[backup]]\nname = \"a\"\n[backup.settings]\napp_secret = [\"ZqvWxKpLmRtY\"]\n", nil, nil},
		{"userinfo in rpc_host", credentials + "rpc_host = \"user:ZqvWxKpLmRtY@h:8332\"\n", nil, nil},
		{"userinfo in zmq", credentials + "zmq_hashblock = \"tcp://u:ZqvWxKpLmRtY@h\"\n", nil, nil},
		{"userinfo in a seed", credentials + "[atlas]\nseeds = [\"u:ZqvWxKpLmRtY@h\"]\n", nil, nil},
		{"env password without user", "", []string{"ATLASD_BITCOIND_RPC_PASSWORD=ZqvWxKpLmRtY"}, nil},
		{"env misspelt password", "", []string{"ATLASD_BITCOIND_RPC_PASWORD=ZqvWxKpLmRtY"}, nil},
		{"env password not UTF-8", "", []string{"ATLASD_BITCOIND_RPC_USER=u", "ATLASD_BITCOIND_RPC_PASSWORD=ZqvWxKpLmRtY\xff"}, nil},
		{"flag password without user", "", nil, []string{"--bitcoind.rpc-password=ZqvWxKpLmRtY"}},
		{"flag password, warned", "", nil, []string{"--bitcoind.rpc-user=u", "--bitcoind.rpc-password", "ZqvWxKpLmRtY"}},
		{"misspelt password flag", "", nil, []string{"--bitcoind.rpc-pasword=ZqvWxKpLmRtY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.file)
			l, err := Load(LoadOptions{Args: append([]string{"--config", path}, tc.args...), Env: withHome(t.TempDir(), tc.env)})
			var said []string
			if err != nil {
				said = append(said, err.Error())
			} else {
				said = append(said, l.Warnings...)
			}
			if len(said) == 0 {
				t.Fatal("neither refused nor warned")
			}
			for _, s := range said {
				if leaks(s) {
					t.Errorf("leaked: %s", s)
				}
			}
			if err == nil {
				var b strings.Builder
				if err := l.Print(&b); err != nil {
					t.Fatal(err)
				}
				if leaks(b.String()) {
					t.Errorf("Print leaked:\n%s", b.String())
				}
			}
		})
	}
}
