package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func atlasd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(buildAtlasd(t), args...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestCLIUsageAndExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: atlasd <command>"},
		{[]string{"help"}, 0, "commands:"},
		{[]string{"nosuch"}, 2, `unknown command "nosuch"`},
		{[]string{"run", "--help"}, 0, "--bitcoind.rpc-host"},
		{[]string{"run", "--bogus"}, 2, "bogus"},
		{[]string{"run", "--config", "", "--network", "testnet3"}, 2, "network"},
		{[]string{"config", "print", "--config", "", "--bitcoind.rpc-cookie", "/nonexistent/.cookie"}, 0, `rpc_cookie = "/nonexistent/.cookie"`},
		{[]string{"reindex", "--help"}, 0, "Example:"},
		{[]string{"devnet", "--help"}, 0, "Example:"},
		{[]string{"backup", "--help"}, 0, "Example:"},
		{[]string{"config", "--help"}, 0, "Example:"},
		{[]string{"names", "--help"}, 0, "Example:"},
		{[]string{"zonefile", "--help"}, 0, "Example:"},
		{[]string{"status", "--help"}, 0, "Example:"},
		{[]string{"verify", "--help"}, 0, "Example:"},
		{[]string{"replay", "--help"}, 0, "Example:"},
		{[]string{"verify", "--config", ""}, 2, "--peer HOST:PORT is required"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, code := atlasd(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output:\n%s\nwant exit %d containing %q", code, out, tc.code, tc.want)
			}
		})
	}
}

func TestConfigPrintMasksSecrets(t *testing.T) {
	cmd := exec.Command(buildAtlasd(t), "config", "print", "--config", "", "--bitcoind.rpc-user", "u")
	cmd.Env = append(os.Environ(), "ATLASD_BITCOIND_RPC_PASSWORD=s3cret-value")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatal(err, string(out))
	}
	if strings.Contains(string(out), "s3cret") || !strings.Contains(string(out), "env ATLASD_BITCOIND_RPC_PASSWORD") {
		t.Fatalf("config print:\n%s", out)
	}
}

func TestReindex(t *testing.T) {
	dir := t.TempDir()
	flags := []string{"--config", "", "--network", "regtest", "--datadir", dir, "--bitcoind.rpc-user", "u"}
	t.Setenv("ATLASD_BITCOIND_RPC_PASSWORD", "p")
	out, code := atlasd(t, append([]string{"reindex"}, flags...)...)
	if code != 0 || !strings.Contains(out, "removed the regtest replay state") {
		t.Fatalf("reindex: %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "regtest", "state")); !os.IsNotExist(err) {
		t.Fatalf("state dir still there: %v", err)
	}
}
