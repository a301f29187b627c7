package xmlrpc

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// value reads one value; the opening <value> has been consumed. depth is the
// number of arrays and structs around it.
func (p *parser) value(depth int) (Value, error) {
	p.values++
	if p.values > p.lim.MaxValues {
		return Value{}, p.fail(pyValueError, fmt.Sprintf("more than %d values", p.lim.MaxValues), ErrTooManyValues)
	}
	// Text before a type tag: a bare <value>text</value> is a string, kept
	// exactly (whitespace included), as xmlrpc.client reads it.
	var bare []byte
	var start xml.StartElement
	for {
		t, err := p.token()
		if err != nil {
			return Value{}, err
		}
		if cd, ok := t.(xml.CharData); ok {
			bare = append(bare, cd...)
			continue
		}
		if isEnd(t, "value") {
			return String(string(bare)), nil
		}
		st, ok := t.(xml.StartElement)
		if !ok {
			return Value{}, p.unexpected(t, "a type element")
		}
		if !isSpace(bare) {
			return Value{}, p.fail(pyResponseError, "text before a type element", nil)
		}
		start = st
		break
	}
	v, err := p.typed(start.Name.Local, depth)
	if err != nil {
		return Value{}, err
	}
	if err := p.expectEnd("value"); err != nil {
		return Value{}, err
	}
	return v, nil
}

// typed reads the body of a type element up to its end tag.
func (p *parser) typed(tag string, depth int) (Value, error) {
	switch tag {
	case "array":
		return p.array(depth)
	case "struct":
		return p.structure(depth)
	case "int", "i4", "boolean", "double", "string", "base64", "nil":
	default:
		return Value{}, p.fail(pyResponseError, fmt.Sprintf("unknown tag %q", tag), nil)
	}
	s, err := p.text(tag)
	if err != nil {
		return Value{}, err
	}
	switch tag {
	case "int", "i4":
		return p.parseInt(s)
	case "boolean":
		// Python accepts exactly "0" and "1", no whitespace.
		switch s {
		case "0":
			return Bool(false), nil
		case "1":
			return Bool(true), nil
		}
		return Value{}, p.fail(pyTypeError, fmt.Sprintf("bad boolean value %q", truncate([]byte(s))), nil)
	case "double":
		return p.parseDouble(s)
	case "string":
		return String(s), nil
	case "base64":
		return p.parseBase64(s)
	}
	// nil: Python ignores any content; refusing it costs nothing.
	if s != "" {
		return Value{}, p.fail(pyResponseError, "text inside <nil/>", nil)
	}
	return Nil(), nil
}

func (p *parser) array(depth int) (Value, error) {
	if depth >= p.lim.MaxNesting {
		return Value{}, p.fail(pyValueError, fmt.Sprintf("more than %d nested arrays or structs", p.lim.MaxNesting), ErrTooDeep)
	}
	if err := p.expectStart("data"); err != nil {
		return Value{}, err
	}
	items := []Value{}
	for {
		t, err := p.nextElement()
		if err != nil {
			return Value{}, err
		}
		if isEnd(t, "data") {
			break
		}
		if st, ok := t.(xml.StartElement); !ok || st.Name.Local != "value" {
			return Value{}, p.unexpected(t, "<value>")
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		items = append(items, v)
	}
	if err := p.expectEnd("array"); err != nil {
		return Value{}, err
	}
	return Array(items...), nil
}

func (p *parser) structure(depth int) (Value, error) {
	if depth >= p.lim.MaxNesting {
		return Value{}, p.fail(pyValueError, fmt.Sprintf("more than %d nested arrays or structs", p.lim.MaxNesting), ErrTooDeep)
	}
	members := []Member{}
	var index map[string]int
	for {
		t, err := p.nextElement()
		if err != nil {
			return Value{}, err
		}
		if isEnd(t, "struct") {
			return Struct(members...), nil
		}
		if st, ok := t.(xml.StartElement); !ok || st.Name.Local != "member" {
			return Value{}, p.unexpected(t, "<member>")
		}
		if err := p.expectStart("name"); err != nil {
			return Value{}, err
		}
		name, err := p.text("name")
		if err != nil {
			return Value{}, err
		}
		if err := p.expectStart("value"); err != nil {
			return Value{}, err
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		if err := p.expectEnd("member"); err != nil {
			return Value{}, err
		}
		// A repeated name overwrites in place, like assigning to a dict.
		if index == nil {
			index = make(map[string]int)
		}
		if i, dup := index[name]; dup {
			members[i].Value = v
			continue
		}
		index[name] = len(members)
		members = append(members, Member{Name: name, Value: v})
	}
}

// pySpace is what Python's int() and float() strip from their argument
// (the ASCII part of it; other Unicode spaces never occur in practice).
const pySpace = " \t\n\r\v\f"

// parseInt reads an int the way Python's int(text) does for ASCII input:
// optional surrounding whitespace and sign, decimal digits. Python 3 also
// takes underscores between digits; Python 2.7 peers do not, so neither do we.
func (p *parser) parseInt(s string) (Value, error) {
	t := strings.Trim(s, pySpace)
	i, err := strconv.ParseInt(t, 10, 64)
	if err != nil || strings.Contains(t, "_") {
		if errors.Is(err, strconv.ErrRange) {
			return Value{}, p.fail(pyValueError, fmt.Sprintf("int %q out of 64-bit range", truncate([]byte(s))), nil)
		}
		return Value{}, p.fail(pyValueError, fmt.Sprintf("invalid literal for int() with base 10: %q", truncate([]byte(s))), nil)
	}
	return Int(i), nil
}

// parseDouble reads a double the way Python's float(text) does: decimal or
// exponent notation, or inf/infinity/nan in any case, with an optional sign
// and surrounding whitespace. Out-of-range exponents give ±inf or 0 as in
// Python. Go-only syntax (hex floats, underscores) is refused.
func (p *parser) parseDouble(s string) (Value, error) {
	t := strings.Trim(s, pySpace)
	if !isPyFloat(t) {
		return Value{}, p.fail(pyValueError, fmt.Sprintf("could not convert string to float: %q", truncate([]byte(s))), nil)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return Value{}, p.fail(pyValueError, fmt.Sprintf("could not convert string to float: %q", truncate([]byte(s))), nil)
	}
	if math.IsNaN(f) {
		f = math.NaN() // one NaN, whatever sign was written
	}
	return Double(f), nil
}

func isPyFloat(t string) bool {
	if t != "" && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	switch strings.ToLower(t) {
	case "inf", "infinity", "nan":
		return true
	}
	digits, i := 0, 0
	for ; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
		digits++
	}
	if i < len(t) && t[i] == '.' {
		for i++; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(t)
}

// parseBase64 reads standard, padded base64 with line breaks and other
// whitespace anywhere. Python silently skips any other stray characters;
// this decoder refuses them.
func (p *parser) parseBase64(s string) (Value, error) {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(pySpace, s[i]) < 0 {
			clean = append(clean, s[i])
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return Value{}, p.fail(pyBinasciiError, "invalid base64", err)
	}
	return Value{kind: KindBase64, str: string(out[:n])}, nil
}
