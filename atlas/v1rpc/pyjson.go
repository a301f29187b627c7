package v1rpc

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The replies are JSON written the way v1's json.dumps wrote them: ", " and
// ": " separators, every character outside printable ASCII escaped
// (ensure_ascii), "/" and HTML characters left alone. Peers parse the JSON,
// so only the values matter to them; matching the text keeps reply sizes,
// and the byte counts in Stats, what a v1 node's were.

// obj is a JSON object whose members keep their order.
type obj []member

type member struct {
	k string
	v any
}

// get returns the value of member k.
func (o obj) get(k string) (any, bool) {
	for _, m := range o {
		if m.k == k {
			return m.v, true
		}
	}
	return nil, false
}

// appendJSON appends v as JSON. It knows the few types replies are built
// from and refuses anything else, so a new reply field of an unplanned type
// is caught by the tests instead of being silently mis-encoded.
func appendJSON(b []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case string:
		return appendPyString(b, v), nil
	case *string:
		if v == nil {
			return append(b, "null"...), nil
		}
		return appendPyString(b, *v), nil
	case *int64:
		if v == nil {
			return append(b, "null"...), nil
		}
		return strconv.AppendInt(b, *v, 10), nil
	case obj:
		b = append(b, '{')
		for i, m := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendPyString(b, m.k)
			b = append(b, ": "...)
			if b, err = appendJSON(b, m.v); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendPyString(b, s)
		}
		return append(b, ']'), nil
	case []int:
		b = append(b, '[')
		for i, n := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, int64(n), 10)
		}
		return append(b, ']'), nil
	case []obj:
		b = append(b, '[')
		for i, o := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			if b, err = appendJSON(b, o); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	default:
		return nil, fmt.Errorf("v1rpc: no JSON form for %T", v)
	}
}

// appendPyString writes s as json.dumps does with ensure_ascii: short
// escapes for the usual controls, \uXXXX (surrogate pairs above the BMP)
// for everything else outside 0x20..0x7e. Invalid UTF-8 is written as
// U+FFFD, as Go's own encoder does; v1 strings never held any.
func appendPyString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	u4 := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hexd[r>>12&0xf], hexd[r>>8&0xf], hexd[r>>4&0xf], hexd[r&0xf])
	}
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r >= 0x20 && r < 0x7f:
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			b = u4(b, 0xd800+(r>>10))
			b = u4(b, 0xdc00+(r&0x3ff))
		case r == utf8.RuneError:
			b = u4(b, 0xfffd)
		default:
			b = u4(b, r)
		}
	}
	return append(b, '"')
}
