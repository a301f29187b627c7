package v1rpc

import (
	"fmt"
	"strings"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// v1 had two error shapes, both sent as a normal XML-RPC string result
// (never a fault):
//
//   - a refusal by the method itself: {"error": msg, "http_status": code},
//     or just {"error": msg} where v1 left the status out;
//   - an exception escaping the method, caught by the dispatcher:
//     {"error": <last traceback line>, "traceback": [lines]}, which the v1
//     client recognises by its "traceback" key and treats as "no such
//     method" (it then falls back, e.g. from atlas_peer_exchange to
//     get_atlas_peers).
//
// The exceptions reproduced here are the ones a caller can provoke from
// outside: an unknown method (KeyError), a wrong number of parameters
// (TypeError) and a non-ASCII string parameter, which v1's dispatcher turned
// into a UnicodeEncodeError while formatting its log line. Their messages
// are Python 2.7's.

func refusal(msg string, status int) obj {
	return obj{{"error", msg}, {"http_status", status}}
}

// exception is the dispatcher's reply for an escaped exception. v1 sent the
// whole traceback; its frames named v1's own files and lines, which would be
// fiction here, so only the first and last lines are sent. Clients look at
// the keys, never at the frames.
func exception(line string) obj {
	return obj{{"error", line}, {"traceback", []string{"Traceback (most recent call last):", line}}}
}

// isErrorReply reports whether a reply is one of the error shapes.
func isErrorReply(reply any) bool {
	o, ok := reply.(obj)
	if !ok {
		return false
	}
	_, bad := o.get("error")
	return bad
}

// unknownMethod is v1's reply to a method it does not serve: the dispatcher
// looked up "rpc_" + name in its function table.
func unknownMethod(name string) obj {
	return exception("KeyError: " + pyRepr("rpc_"+name))
}

// arityError is Python 2.7's TypeError for a bound method rpc_<name>(self,
// <want params>, **con_info) called with got positional parameters. Python
// counts self in both numbers, and when there are too many it also counts
// the two keyword arguments (client_host, client_port) the dispatcher
// passed.
func arityError(name string, want, got int) obj {
	w, g := want+1, got+1
	if got > want {
		g += 2
	}
	plural := "s"
	if w == 1 {
		plural = ""
	}
	return exception(fmt.Sprintf("TypeError: rpc_%s() takes exactly %d argument%s (%d given)", name, w, plural, g))
}

// nonASCIIParam returns the UnicodeEncodeError v1's dispatcher raised while
// logging a call with a top-level string parameter outside ASCII (Python 2's
// xmlrpclib hands such strings over as unicode, and str() of them fails),
// or false if every string parameter is ASCII. Strings nested in arrays
// were logged through repr() and did not fail.
func nonASCIIParam(params []xmlrpc.Value) (obj, bool) {
	for _, p := range params {
		s, ok := p.AsString()
		if !ok {
			continue
		}
		if msg, bad := asciiEncodeError(s); bad {
			return exception("UnicodeEncodeError: " + msg), true
		}
	}
	return nil, false
}

// asciiEncodeError returns Python's message for encoding s to ASCII: the
// first run of non-ASCII characters, by code-point position.
func asciiEncodeError(s string) (string, bool) {
	pos, start := 0, -1
	var first rune
	for _, r := range s {
		if r >= 0x80 {
			if start < 0 {
				start, first = pos, r
			}
		} else if start >= 0 {
			break
		}
		pos++
	}
	if start < 0 {
		return "", false
	}
	const tail = ": ordinal not in range(128)"
	if end := pos - 1; end > start {
		return fmt.Sprintf("'ascii' codec can't encode characters in position %d-%d%s", start, end, tail), true
	}
	var esc string
	switch {
	case first <= 0xff:
		esc = fmt.Sprintf(`\x%02x`, first)
	case first <= 0xffff:
		esc = fmt.Sprintf(`\u%04x`, first)
	default:
		esc = fmt.Sprintf(`\U%08x`, first)
	}
	return fmt.Sprintf("'ascii' codec can't encode character u'%s' in position %d%s", esc, start, tail), true
}

// pyRepr is Python 2's repr() of a byte string: single quotes unless the
// text holds a single quote and no double quote, and \t \n \r \\ \xNN
// escapes for everything outside printable ASCII.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}
