package v1rpc

import (
	"strconv"
	"strings"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// Argument checks as v1 ran them (lib/scripts.py check_block, check_offset,
// check_count, check_string; lib/schemas.py patterns). Python's type() test
// makes a boolean or a double fail where an integer is wanted, and a base64
// value fail where a string is wanted; Value kinds keep those apart here.

// maxBlockID is check_block's upper bound (block_id > 1e7 is refused).
const maxBlockID = 10_000_000

// checkBlock is check_block: an int from first to 1e7.
func checkBlock(v xmlrpc.Value, first int64) (int64, bool) {
	n, ok := v.AsInt()
	return n, ok && n >= first && n <= maxBlockID
}

// checkOffset is check_offset: an int >= 0.
func checkOffset(v xmlrpc.Value) (int64, bool) {
	n, ok := v.AsInt()
	return n, ok && n >= 0
}

// checkCount is check_count with a maximum: an int in 0..max.
func checkCount(v xmlrpc.Value, max int64) (int64, bool) {
	n, ok := v.AsInt()
	return n, ok && n >= 0 && n <= max
}

// pyLen is Python's len() of a string that arrived over XML-RPC: bytes for
// an ASCII str, code points for the unicode object a non-ASCII string became.
func pyLen(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

// dollarEnd strips the one trailing newline that Python's `$` lets a
// pattern match before: re.match('^[0-9a-f]+$', 'ab\n') succeeds.
func dollarEnd(s string) string { return strings.TrimSuffix(s, "\n") }

// isHexPattern matches OP_HEX_PATTERN, ^([0-9a-fA-F]+)$.
func isHexPattern(s string) bool {
	s = dollarEnd(s)
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

// isConsensusHashString is check_string(min=max=32) with
// OP_CONSENSUS_HASH_PATTERN, ^([0-9a-fA-F]{32})$: with the length fixed at 32
// the trailing-newline leniency cannot apply.
func isConsensusHashString(v xmlrpc.Value) (string, bool) {
	s, ok := v.AsString()
	if !ok || len(s) != 32 {
		return s, false
	}
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return s, false
		}
	}
	return s, true
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isBase64Pattern matches OP_BASE64_EMPTY_PATTERN,
// ^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$: padded
// standard base64, possibly empty.
func isBase64Pattern(s string) bool {
	s = dollarEnd(s)
	if len(s)%4 != 0 {
		return false
	}
	body := s
	switch {
	case strings.HasSuffix(s, "=="):
		body = s[:len(s)-2]
	case strings.HasSuffix(s, "="):
		body = s[:len(s)-1]
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// hostPort is v1's url_to_host_port (lib/util.py) applied to a peer named by
// a localhost caller of atlas_peer_exchange: it returns "host:port" as v1
// formatted it, or false wherever v1 raised or returned no host (which the
// method turned into "Invalid remote peer address").
func hostPort(v xmlrpc.Value, defaultPort int) (string, bool) {
	s, ok := v.AsString()
	if !ok {
		return "", false // no .startswith: AttributeError
	}
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		s = "http://" + s
	}
	// urlparse's netloc: after "//", up to the first of "/?#".
	netloc := s[strings.Index(s, "//")+2:]
	if i := strings.IndexAny(netloc, "/?#"); i >= 0 {
		netloc = netloc[:i]
	}
	// Python 2.7's urlsplit refuses unbalanced IPv6 brackets (ValueError).
	if strings.Contains(netloc, "[") != strings.Contains(netloc, "]") {
		return "", false
	}
	parts := strings.Split(netloc, "@")
	if len(parts) > 2 {
		return "", false
	}
	hp := parts[len(parts)-1]
	parts = strings.Split(hp, ":")
	if len(parts) > 2 || parts[0] == "" {
		return "", false
	}
	port := defaultPort
	if len(parts) == 2 {
		p, ok := pyInt(parts[1])
		if !ok || p <= 0 || p >= 65535 {
			return "", false // ValueError, or the failed range assertion
		}
		port = int(p)
	}
	return parts[0] + ":" + strconv.Itoa(port), true
}

// pyInt is Python's int() of a decimal string: surrounding whitespace and
// one sign allowed.
func pyInt(s string) (int64, bool) {
	s = strings.Trim(s, " \t\n\r\v\f")
	if len(s) > 1 && s[0] == '+' {
		s = s[1:]
	}
	if s == "" || s[0] == '+' || strings.HasPrefix(s, "-+") {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
