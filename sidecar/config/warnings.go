package config

import (
	"fmt"
	"net"
	"os"
)

// permissionWarnings flags a config file that holds secrets but can be read
// by other users. It is a warning rather than a refusal because the file
// may be on a filesystem without Unix permissions; the daemon's own files
// are created 0600 regardless.
func permissionWarnings(path string, info os.FileInfo, cfg Config, src Sources) []string {
	if info == nil || info.Mode().Perm()&0o077 == 0 || !fileHoldsSecrets(cfg, src) {
		return nil
	}
	return []string{fmt.Sprintf("config: %s holds secrets but has mode %04o; chmod 600 it", path, info.Mode().Perm())}
}

func fileHoldsSecrets(cfg Config, src Sources) bool {
	if src.Of("bitcoind.rpc_password") == SourceFile && cfg.Bitcoind.RPCPassword != "" {
		return true
	}
	if src.Of(backupKey) != SourceFile {
		return false
	}
	for _, b := range cfg.Backup {
		for k, v := range b.Settings {
			if secretName(k) && v != "" {
				return true
			}
		}
	}
	return false
}

// exposureWarnings points out an operator API reachable from other hosts:
// it is allowed, since the operator asked for it, but it is never the
// default and deserves a line in the log.
func exposureWarnings(cfg Config) []string {
	host, _, err := net.SplitHostPort(cfg.API.Listen)
	if err != nil || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return []string{fmt.Sprintf("config: api.listen %s is reachable from other hosts; the REST API and /metrics have no authentication", cfg.API.Listen)}
}
