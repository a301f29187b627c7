package peers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrHostPort reports a peer address that is not a "host:port" string both
// v1 and atlasd can use.
var ErrHostPort = errors.New("peers: bad host:port")

// maxHostLen is the longest DNS name; nothing longer can be dialled.
const maxHostLen = 253

// ValidPeerString reports whether s is a peer entry the v1 client accepts in
// a neighbour list: it matches ^([^:]+):([1-9][0-9]{1,4})$ (client.py) and
// its port passes url_to_host_port's 0 < port < 65535, whose failure makes
// v1 refuse the whole list. It says nothing about whether s can be dialled.
func ValidPeerString(s string) bool {
	host, port, ok := strings.Cut(s, ":")
	if !ok || host == "" || strings.Contains(port, ":") {
		return false
	}
	if len(port) < 2 || len(port) > 5 || port[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(port); i++ {
		c := port[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n < 65535
}

// Canonical returns the canonical form of a peer address: lower case, with
// 127.0.0.1 and ::1 written as localhost the way v1's
// AtlasPeerCrawler.canonical_peer does, so one peer has one table key. The
// port is kept as given. Beyond ValidPeerString, the host must be a DNS name
// or IPv4 literal (letters, digits, '.', '-', '_'), because every entry may
// end up dialled or gossiped to others.
func Canonical(s string) (string, error) {
	if !ValidPeerString(s) {
		return "", fmt.Errorf("%w: %q", ErrHostPort, s)
	}
	host, port, _ := strings.Cut(s, ":")
	p, _ := strconv.Atoi(port)
	return JoinHostPort(host, p)
}

// JoinHostPort builds the canonical "host:port" of a peer from a host (as a
// socket reports it, so "::1" is allowed and becomes localhost) and a port.
// Other IPv6 addresses are refused: v1 splits peer strings at every colon
// and cannot name them.
func JoinHostPort(host string, port int) (string, error) {
	if port < 10 || port >= 65535 {
		return "", fmt.Errorf("%w: port %d", ErrHostPort, port)
	}
	if host == "127.0.0.1" || host == "::1" {
		host = "localhost"
	}
	if host == "" || len(host) > maxHostLen {
		return "", fmt.Errorf("%w: host %q", ErrHostPort, host)
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		case c >= 'A' && c <= 'Z':
		default:
			return "", fmt.Errorf("%w: host %q", ErrHostPort, host)
		}
	}
	return strings.ToLower(host) + ":" + strconv.Itoa(port), nil
}

// isLoopback reports whether a caller's socket host is this machine, the
// hosts v1 trusted to name a peer other than themselves.
func isLoopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || host == "localhost"
}
