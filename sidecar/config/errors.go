package config

import (
	"errors"
	"strconv"
	"strings"
)

// KeyError is a setting that was refused. Key is the file key
// ("bitcoind.rpc_timeout", "backup[1].sha256"); Origin says which layer
// supplied the value ("file /etc/atlasd.toml", "env ATLASD_…", "flag
// --…"), empty for a default or a file-level problem.
type KeyError struct {
	Key    string
	Origin string
	Reason string
}

// Error never includes a secret value: reasons are built by this package
// from redacted values only.
func (e *KeyError) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	b.WriteString(e.Key)
	if e.Origin != "" {
		b.WriteString(" (")
		b.WriteString(e.Origin)
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// ErrSyntax marks a config file that is not valid TOML.
var ErrSyntax = errors.New("config: invalid TOML")

// errList gathers refusals so an operator sees all of them in one start.
type errList []error

func (l *errList) add(key, origin, reason string) {
	*l = append(*l, &KeyError{Key: key, Origin: origin, Reason: reason})
}

func (l errList) err() error { return errors.Join(l...) }

// hidden stands in for a value that must not be repeated.
const hidden = "(value hidden)"

// show quotes v for an error message, or hides it when it is a secret or
// carries userinfo, so an RPC URL with a password in it cannot leak either.
func show(v string, secret bool) string {
	if secret || strings.Contains(v, "@") {
		return hidden
	}
	if len(v) > 80 {
		v = v[:80] + "…"
	}
	return strconv.Quote(v)
}
