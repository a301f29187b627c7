package xmlrpc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Limits bound what the decoder accepts, so that hostile XML costs at most a
// small multiple of its own size. Input size itself is capped by the caller
// (Server and Client read bodies through a size limit before parsing).
type Limits struct {
	// MaxNesting is how deep arrays and structs may nest inside each other;
	// a top-level scalar is at depth 0, the items of a top-level array at 1.
	MaxNesting int
	// MaxValues is how many <value> elements one message may hold in all.
	MaxValues int
}

// DefaultLimits are generous for every Atlas message (the largest, a
// get_zonefiles reply, is one string; get_consensus_hashes sends 32 ints)
// while keeping a 512 KiB request to about a megabyte of decoded values.
var DefaultLimits = Limits{MaxNesting: 16, MaxValues: 1 << 14}

func (l Limits) orDefault() Limits {
	if l.MaxNesting <= 0 {
		l.MaxNesting = DefaultLimits.MaxNesting
	}
	if l.MaxValues <= 0 {
		l.MaxValues = DefaultLimits.MaxValues
	}
	return l
}

// ParseCall decodes a <methodCall> into its method name and parameters.
// Zero fields of lim take their DefaultLimits value.
func ParseCall(data []byte, lim Limits) (method string, params []Value, err error) {
	p := newParser(data, lim)
	if err := p.root("methodCall"); err != nil {
		return "", nil, err
	}
	if err := p.expectStart("methodName"); err != nil {
		return "", nil, err
	}
	if method, err = p.text("methodName"); err != nil {
		return "", nil, err
	}
	t, err := p.nextElement()
	if err != nil {
		return "", nil, err
	}
	if st, ok := t.(xml.StartElement); ok {
		if st.Name.Local != "params" {
			return "", nil, p.unexpected(t, "<params>")
		}
		if params, err = p.params(); err != nil {
			return "", nil, err
		}
		if t, err = p.nextElement(); err != nil {
			return "", nil, err
		}
	}
	if !isEnd(t, "methodCall") {
		return "", nil, p.unexpected(t, "</methodCall>")
	}
	if err := p.expectEOF(); err != nil {
		return "", nil, err
	}
	return method, params, nil
}

// ParseResponse decodes a <methodResponse>. A fault reply is returned as a
// *Fault error; a reply must otherwise carry exactly one value, as every
// reply from Python's SimpleXMLRPCServer does. Zero fields of lim take their
// DefaultLimits value.
func ParseResponse(data []byte, lim Limits) (Value, error) {
	p := newParser(data, lim)
	if err := p.root("methodResponse"); err != nil {
		return Value{}, err
	}
	t, err := p.nextElement()
	if err != nil {
		return Value{}, err
	}
	st, ok := t.(xml.StartElement)
	if !ok || (st.Name.Local != "params" && st.Name.Local != "fault") {
		return Value{}, p.unexpected(t, "<params> or <fault>")
	}
	var result Value
	var fault *Fault
	if st.Name.Local == "params" {
		params, err := p.params()
		if err != nil {
			return Value{}, err
		}
		if len(params) != 1 {
			return Value{}, p.fail(pyResponseError, fmt.Sprintf("response has %d values, want 1", len(params)), nil)
		}
		result = params[0]
	} else {
		if fault, err = p.fault(); err != nil {
			return Value{}, err
		}
	}
	if err := p.expectEnd("methodResponse"); err != nil {
		return Value{}, err
	}
	if err := p.expectEOF(); err != nil {
		return Value{}, err
	}
	if fault != nil {
		return Value{}, fault
	}
	return result, nil
}

type parser struct {
	d      *xml.Decoder
	lim    Limits
	values int
}

func newParser(data []byte, lim Limits) *parser {
	d := xml.NewDecoder(bytes.NewReader(data))
	// Strict with no Entity map: only the five predefined entities and
	// character references are expanded, so there is nothing to amplify.
	d.Strict = true
	return &parser{d: d, lim: lim.orDefault()}
}

func (p *parser) fail(class, msg string, err error) error {
	return &ParseError{Msg: msg, Err: err, class: class}
}

// token returns the next token that matters: comments and processing
// instructions are dropped (expat reports neither to xmlrpc.client), and DTDs
// are refused outright.
func (p *parser) token() (xml.Token, error) {
	for {
		t, err := p.d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, p.fail(pyExpatError, "no element found", io.ErrUnexpectedEOF)
			}
			return nil, p.fail(pyExpatError, "malformed XML", err)
		}
		switch t := t.(type) {
		case xml.Comment, xml.ProcInst:
			continue
		case xml.Directive:
			return nil, p.fail(pyExpatError, "DTDs and other directives are not allowed", nil)
		case xml.CharData:
			return t.Copy(), nil
		default:
			return t, nil
		}
	}
}

// nextElement returns the next start or end tag, refusing any text but
// whitespace before it.
func (p *parser) nextElement() (xml.Token, error) {
	for {
		t, err := p.token()
		if err != nil {
			return nil, err
		}
		if cd, ok := t.(xml.CharData); ok {
			if !isSpace(cd) {
				return nil, p.fail(pyResponseError, fmt.Sprintf("unexpected text %q", truncate(cd)), nil)
			}
			continue
		}
		return t, nil
	}
}

// root reads the document element's start tag. Text before it is an XML
// error, not an XML-RPC one (expat calls it a syntax error).
func (p *parser) root(name string) error {
	for {
		t, err := p.token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.CharData:
			if !isSpace(t) {
				return p.fail(pyExpatError, "syntax error: text before the document element", nil)
			}
		case xml.StartElement:
			if t.Name.Local != name {
				return p.unexpected(t, "<"+name+">")
			}
			return nil
		default:
			return p.unexpected(t, "<"+name+">")
		}
	}
}

func (p *parser) expectStart(name string) error {
	t, err := p.nextElement()
	if err != nil {
		return err
	}
	if st, ok := t.(xml.StartElement); !ok || st.Name.Local != name {
		return p.unexpected(t, "<"+name+">")
	}
	return nil
}

func (p *parser) expectEnd(name string) error {
	t, err := p.nextElement()
	if err != nil {
		return err
	}
	if !isEnd(t, name) {
		return p.unexpected(t, "</"+name+">")
	}
	return nil
}

// expectEOF accepts only whitespace, comments and processing instructions
// after the root element (encoding/xml would happily read a second root).
func (p *parser) expectEOF() error {
	for {
		t, err := p.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return p.fail(pyExpatError, "malformed XML", err)
		}
		switch t := t.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if !isSpace(t) {
				return p.fail(pyExpatError, "junk after document element", nil)
			}
		default:
			return p.fail(pyExpatError, "junk after document element", nil)
		}
	}
}

// text reads the character data of a leaf element up to its end tag.
func (p *parser) text(name string) (string, error) {
	var buf []byte
	for {
		t, err := p.token()
		if err != nil {
			return "", err
		}
		switch t := t.(type) {
		case xml.CharData:
			buf = append(buf, t...)
		case xml.EndElement:
			if t.Name.Local != name {
				return "", p.unexpected(t, "</"+name+">")
			}
			return string(buf), nil
		default:
			return "", p.unexpected(t, "text in <"+name+">")
		}
	}
}

func (p *parser) unexpected(t xml.Token, want string) error {
	return p.fail(pyResponseError, fmt.Sprintf("unexpected %s, want %s", describe(t), want), nil)
}

// params reads <param><value>…</value></param>* up to </params>.
func (p *parser) params() ([]Value, error) {
	var out []Value
	for {
		t, err := p.nextElement()
		if err != nil {
			return nil, err
		}
		if isEnd(t, "params") {
			return out, nil
		}
		if st, ok := t.(xml.StartElement); !ok || st.Name.Local != "param" {
			return nil, p.unexpected(t, "<param>")
		}
		if err := p.expectStart("value"); err != nil {
			return nil, err
		}
		v, err := p.value(0)
		if err != nil {
			return nil, err
		}
		if err := p.expectEnd("param"); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// fault reads the struct of a <fault> up to </fault>. Like Python's
// Fault(**struct), it wants exactly faultCode (an int) and faultString.
func (p *parser) fault() (*Fault, error) {
	if err := p.expectStart("value"); err != nil {
		return nil, err
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if err := p.expectEnd("fault"); err != nil {
		return nil, err
	}
	members, ok := v.AsStruct()
	code, okCode := v.Member("faultCode")
	msg, okMsg := v.Member("faultString")
	if !ok || !okCode || !okMsg || len(members) != 2 {
		return nil, p.fail(pyTypeError, "fault is not a struct of faultCode and faultString", nil)
	}
	c, okCode := code.AsInt()
	s, okMsg := msg.AsString()
	if !okCode || !okMsg {
		return nil, p.fail(pyTypeError, "fault has a non-int faultCode or non-string faultString", nil)
	}
	return &Fault{Code: int(c), Message: s}, nil
}

func isEnd(t xml.Token, name string) bool {
	e, ok := t.(xml.EndElement)
	return ok && e.Name.Local == name
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func describe(t xml.Token) string {
	switch t := t.(type) {
	case xml.StartElement:
		return "<" + t.Name.Local + ">"
	case xml.EndElement:
		return "</" + t.Name.Local + ">"
	case xml.CharData:
		return fmt.Sprintf("text %q", truncate(t))
	}
	return fmt.Sprintf("%T", t)
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// errorClass returns the Python exception class the stdlib server names for
// err, for fault strings.
func errorClass(err error) string {
	var pe *ParseError
	if errors.As(err, &pe) && pe.class != "" {
		return pe.class
	}
	return pyException
}
