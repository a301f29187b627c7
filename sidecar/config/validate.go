package config

import (
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Networks with rules built into atlasd; others need params_file.
var builtinNetworks = [...]string{"mainnet", "regtest"}

// builtinDir is the backup path of the directory driver compiled into
// atlasd, the one entry that has no plugin binary to checksum.
const builtinDir = "builtin:dir"

// backupName keeps driver names usable as log fields and metric labels.
var backupName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Validate checks every setting and returns a cleaned copy: ~ expanded in
// paths (from the process's home directory) and SHA-256 digests in lower
// case. The error joins one *KeyError per refused setting.
func (c Config) Validate() (Config, error) {
	home, _ := os.UserHomeDir()
	return c.validate(home)
}

func (c Config) validate(home string) (Config, error) {
	all, err := settings()
	if err != nil {
		return c, err
	}
	out := c
	out.Atlas.Seeds = slices.Clone(c.Atlas.Seeds)
	out.Atlas.Blacklist = slices.Clone(c.Atlas.Blacklist)
	out.Atlas.RateExempt = slices.Clone(c.Atlas.RateExempt)
	out.Backup = slices.Clone(c.Backup)
	var errs errList
	for i := range all {
		s := &all[i]
		if reason := textReason(s, &out); reason != "" {
			errs.add(s.key, "", reason)
			continue
		}
		s.applyChecks(&out, home, &errs)
	}
	checkNetwork(&out, &errs)
	checkCredentials(&out, &errs)
	for i := range out.Backup {
		checkBackup(&out, i, home, &errs)
	}
	return out, errs.err()
}

// textReason refuses strings that are not UTF-8 or hold NUL bytes: no
// path, address or credential legitimately does, and Print could not
// write them back as TOML.
func textReason(s *setting, cfg *Config) string {
	var texts []string
	switch s.kind {
	case kindString:
		texts = []string{s.field(cfg).String()}
	case kindList:
		texts = s.field(cfg).Interface().([]string)
	}
	for _, t := range texts {
		if !utf8.ValidString(t) || strings.ContainsRune(t, 0) {
			return "must be UTF-8 text without NUL bytes"
		}
	}
	return ""
}

func checkNetwork(c *Config, errs *errList) {
	if c.ParamsFile != "" || slices.Contains(builtinNetworks[:], c.Network) {
		return
	}
	errs.add("network", "", fmt.Sprintf("want mainnet or regtest (or set params_file), got %s", show(c.Network, false)))
}

// checkCredentials wants either a user and password pair or a cookie
// file, so the RPC client never starts without a way to log in.
func checkCredentials(c *Config, errs *errList) {
	b := c.Bitcoind
	switch {
	case b.RPCUser != "" && b.RPCPassword == "":
		errs.add("bitcoind.rpc_password", "", "must be set when bitcoind.rpc_user is")
	case b.RPCUser == "" && b.RPCPassword != "":
		errs.add("bitcoind.rpc_user", "", "must be set when bitcoind.rpc_password is")
	case b.RPCUser == "" && b.RPCCookie == "":
		errs.add("bitcoind.rpc_cookie", "", "must be set unless bitcoind.rpc_user and rpc_password are")
	}
}

func checkBackup(c *Config, i int, home string, errs *errList) {
	b := &c.Backup[i]
	key := fmt.Sprintf("%s[%d]", backupKey, i)
	if !backupName.MatchString(b.Name) {
		errs.add(key+".name", "", "want 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, got "+show(b.Name, false))
	}
	for j := range i {
		if c.Backup[j].Name == b.Name && b.Name != "" {
			errs.add(key+".name", "", fmt.Sprintf("%s is also the name of %s[%d]", show(b.Name, false), backupKey, j))
			break
		}
	}
	switch {
	case b.Path == builtinDir:
		if b.SHA256 != "" {
			errs.add(key+".sha256", "", "must be empty for "+builtinDir+", which has no binary")
		}
	case strings.HasPrefix(b.Path, "builtin:"):
		errs.add(key+".path", "", "unknown built-in driver "+show(b.Path, false)+"; the only one is "+builtinDir)
	case b.Path == "":
		errs.add(key+".path", "", "must be set")
	default:
		p, reason := expandHome(b.Path, home)
		if reason != "" {
			errs.add(key+".path", "", reason)
		}
		b.Path = p
		sum, err := hex.DecodeString(b.SHA256)
		if err != nil || len(sum) != 32 {
			errs.add(key+".sha256", "", "want the 64 hex digits of the plugin binary's SHA-256")
		}
		b.SHA256 = strings.ToLower(b.SHA256)
	}
	for k, v := range b.Settings {
		if k == "" || !utf8.ValidString(k) || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			errs.add(key+".settings", "", "keys must be non-empty, and keys and values UTF-8 text without NUL bytes")
			break
		}
	}
	for _, s := range []string{b.Name, b.Path, b.SHA256} {
		if !utf8.ValidString(s) {
			errs.add(key, "", "must be UTF-8 text")
			break
		}
	}
}
