package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// The output is byte-for-byte what Python 3's xmlrpc.client.dumps writes for
// the same values (allow_none=True), line breaks included, except that a
// carriage return in text is written as &#13; so it survives the receiver's
// newline normalisation (Python writes it raw and it comes back as \n).

const xmlHeader = "<?xml version='1.0'?>\n"

// maxEncodeNesting stops encoding of a value that contains itself, which
// callers can build by writing into a slice returned by AsArray.
const maxEncodeNesting = 256

// base64LineLen is the line length of Python's base64.encodebytes.
const base64LineLen = 76

// AppendCall appends a <methodCall> for method with params to dst.
func AppendCall(dst []byte, method string, params ...Value) ([]byte, error) {
	out := append(dst, xmlHeader...)
	out = append(out, "<methodCall>\n<methodName>"...)
	out, err := appendText(out, method)
	if err != nil {
		return dst, fmt.Errorf("method name: %w", err)
	}
	out = append(out, "</methodName>\n<params>\n"...)
	for i, p := range params {
		out = append(out, "<param>\n"...)
		if out, err = appendValue(out, p, 0); err != nil {
			return dst, fmt.Errorf("param %d: %w", i, err)
		}
		out = append(out, "</param>\n"...)
	}
	return append(out, "</params>\n</methodCall>\n"...), nil
}

// AppendResponse appends a <methodResponse> carrying result to dst.
func AppendResponse(dst []byte, result Value) ([]byte, error) {
	out := append(dst, xmlHeader...)
	out = append(out, "<methodResponse>\n<params>\n<param>\n"...)
	out, err := appendValue(out, result, 0)
	if err != nil {
		return dst, err
	}
	return append(out, "</param>\n</params>\n</methodResponse>\n"...), nil
}

// AppendFault appends a <methodResponse> carrying fault f to dst.
func AppendFault(dst []byte, f *Fault) ([]byte, error) {
	out := append(dst, xmlHeader...)
	out = append(out, "<methodResponse>\n<fault>\n"...)
	out, err := appendValue(out, Struct(
		Member{Name: "faultCode", Value: Int(int64(f.Code))},
		Member{Name: "faultString", Value: String(f.Message)},
	), 0)
	if err != nil {
		return dst, err
	}
	return append(out, "</fault>\n</methodResponse>\n"...), nil
}

func appendValue(out []byte, v Value, depth int) ([]byte, error) {
	var err error
	switch v.kind {
	case KindNil:
		return append(out, "<value><nil/></value>"...), nil
	case KindInt:
		i := int64(v.num)
		if i < math.MinInt32 || i > math.MaxInt32 {
			return out, fmt.Errorf("%w: int %d exceeds XML-RPC limits", ErrCannotEncode, i)
		}
		out = append(out, "<value><int>"...)
		out = strconv.AppendInt(out, i, 10)
		return append(out, "</int></value>\n"...), nil
	case KindBool:
		out = append(out, "<value><boolean>"...)
		out = append(out, '0'+byte(v.num))
		return append(out, "</boolean></value>\n"...), nil
	case KindDouble:
		out = append(out, "<value><double>"...)
		out = appendDouble(out, math.Float64frombits(v.num))
		return append(out, "</double></value>\n"...), nil
	case KindString:
		out = append(out, "<value><string>"...)
		if out, err = appendText(out, v.str); err != nil {
			return out, err
		}
		return append(out, "</string></value>\n"...), nil
	case KindBase64:
		out = append(out, "<value><base64>\n"...)
		out = appendBase64Lines(out, v.str)
		return append(out, "</base64></value>\n"...), nil
	case KindArray:
		if depth >= maxEncodeNesting {
			return out, fmt.Errorf("%w: nested too deep", ErrCannotEncode)
		}
		out = append(out, "<value><array><data>\n"...)
		for _, it := range v.items {
			if out, err = appendValue(out, it, depth+1); err != nil {
				return out, err
			}
		}
		return append(out, "</data></array></value>\n"...), nil
	case KindStruct:
		if depth >= maxEncodeNesting {
			return out, fmt.Errorf("%w: nested too deep", ErrCannotEncode)
		}
		out = append(out, "<value><struct>\n"...)
		for _, m := range v.members {
			out = append(out, "<member>\n<name>"...)
			if out, err = appendText(out, m.Name); err != nil {
				return out, err
			}
			out = append(out, "</name>\n"...)
			if out, err = appendValue(out, m.Value, depth+1); err != nil {
				return out, err
			}
			out = append(out, "</member>\n"...)
		}
		return append(out, "</struct></value>\n"...), nil
	}
	return out, fmt.Errorf("%w: unknown kind %d", ErrCannotEncode, v.kind)
}

// appendText escapes s as Python's xmlrpc escape() does (&, <, >), plus CR.
// It refuses what no XML parser would read back.
func appendText(out []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				out = append(out, "&amp;"...)
			case c == '<':
				out = append(out, "&lt;"...)
			case c == '>':
				out = append(out, "&gt;"...)
			case c == '\r':
				out = append(out, "&#13;"...)
			case c < 0x20 && c != '\t' && c != '\n':
				return out, fmt.Errorf("%w: control character %#x in text", ErrCannotEncode, c)
			default:
				out = append(out, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return out, fmt.Errorf("%w: invalid UTF-8 in text", ErrCannotEncode)
		}
		if r == 0xFFFE || r == 0xFFFF {
			return out, fmt.Errorf("%w: character %U not allowed in XML", ErrCannotEncode, r)
		}
		out = append(out, s[i:i+n]...)
		i += n
	}
	return out, nil
}

// appendBase64Lines writes data as Python's base64.encodebytes does: lines of
// 76 characters, each ended by a newline (nothing at all for empty data).
func appendBase64Lines(out []byte, data string) []byte {
	enc := base64.StdEncoding
	const chunk = base64LineLen / 4 * 3 // input bytes per full line
	for len(data) > 0 {
		n := min(chunk, len(data))
		start := len(out)
		out = append(out, make([]byte, enc.EncodedLen(n))...)
		enc.Encode(out[start:], []byte(data[:n]))
		out = append(out, '\n')
		data = data[n:]
	}
	return out
}

// appendDouble formats f as Python's repr(float): the shortest string that
// reads back to the same float, in positional notation for exponents -4..15
// (always with a decimal point) and scientific notation otherwise.
func appendDouble(out []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(out, "nan"...)
	case math.IsInf(f, 1):
		return append(out, "inf"...)
	case math.IsInf(f, -1):
		return append(out, "-inf"...)
	}
	var buf [32]byte
	sci := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	e := bytes.IndexByte(sci, 'e')
	exp, _ := strconv.Atoi(string(sci[e+1:]))
	if exp < -4 || exp >= 16 {
		return append(out, sci...)
	}
	start := len(out)
	out = strconv.AppendFloat(out, f, 'f', -1, 64)
	if bytes.IndexByte(out[start:], '.') < 0 {
		out = append(out, ".0"...)
	}
	return out
}
