package xmlrpc

import (
	"encoding/xml"
	"errors"
	"math"
	"strings"
	"testing"
)

func call(body string) string {
	return "<?xml version='1.0'?><methodCall><methodName>m</methodName><params>" + body + "</params></methodCall>"
}

func param(value string) string { return "<param><value>" + value + "</value></param>" }

func TestParseCallValues(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  Value
	}{
		{"int", "<int>42</int>", Int(42)},
		{"i4", "<i4>-42</i4>", Int(-42)},
		{"int with spaces and plus", "<int> +7\n</int>", Int(7)},
		{"int beyond 32 bits reads", "<int>9999999999</int>", Int(9999999999)},
		{"boolean 1", "<boolean>1</boolean>", Bool(true)},
		{"boolean 0", "<boolean>0</boolean>", Bool(false)},
		{"double", "<double>-1.25</double>", Double(-1.25)},
		{"double exponent", "<double>1e+16</double>", Double(1e16)},
		{"double no leading digit", "<double>.5</double>", Double(0.5)},
		{"double trailing dot", "<double>5.</double>", Double(5)},
		{"double inf", "<double>inf</double>", Double(math.Inf(1))},
		{"double -Infinity", "<double>-Infinity</double>", Double(math.Inf(-1))},
		{"double nan", "<double>nan</double>", Double(math.NaN())},
		{"double overflow is inf", "<double>1e400</double>", Double(math.Inf(1))},
		{"double underflow is zero", "<double>1e-400</double>", Double(0)},
		{"string", "<string>a &amp; b &lt;c&gt; &#233; &#x1F600;</string>", String("a & b <c> é 😀")},
		{"string CDATA", "<string><![CDATA[<x>&]]></string>", String("<x>&")},
		{"string keeps spaces", "<string>  x  </string>", String("  x  ")},
		{"string CR normalised", "<string>a\r\nb\rc</string>", String("a\nb\nc")},
		{"string CR reference kept", "<string>a&#13;b</string>", String("a\rb")},
		{"bare text", "  hi ", String("  hi ")},
		{"empty value", "", String("")},
		{"empty string", "<string/>", String("")},
		{"whitespace around type", "\n <int>1</int>\n ", Int(1)},
		{"nil", "<nil/>", Nil()},
		{"namespaced nil", "<ex:nil xmlns:ex='http://ws.apache.org/xmlrpc/namespaces/extensions'/>", Nil()},
		{"base64", "<base64>aGVsbG8=</base64>", Base64([]byte("hello"))},
		{"base64 wrapped", "<base64>\naGVs\nbG8=\n</base64>", Base64([]byte("hello"))},
		{"base64 empty", "<base64>\n</base64>", Base64(nil)},
		{"array", "<array><data><value><int>1</int></value><value>x</value></data></array>", Array(Int(1), String("x"))},
		{"empty array", "<array><data/></array>", Array()},
		{"struct", "<struct><member><name>a</name><value><int>1</int></value></member>\n<member><name>b</name><value/></member></struct>",
			Struct(Member{"a", Int(1)}, Member{"b", String("")})},
		{"struct duplicate keeps first slot last value", "<struct><member><name>a</name><value>1</value></member><member><name>b</name><value>2</value></member><member><name>a</name><value>3</value></member></struct>",
			Struct(Member{"a", String("3")}, Member{"b", String("2")})},
		{"comment inside", "<!-- c --><int>1<!-- d --></int>", Int(1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, params, err := ParseCall([]byte(call(param(tc.value))), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m != "m" || len(params) != 1 {
				t.Fatalf("method %q, %d params", m, len(params))
			}
			if !params[0].Equal(tc.want) {
				t.Errorf("got %#v, want %#v", params[0], tc.want)
			}
		})
	}
}

func TestParseCallShapes(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		method string
		n      int
	}{
		{"no params element", "<methodCall><methodName>ping</methodName></methodCall>", "ping", 0},
		{"empty params", "<methodCall><methodName>ping</methodName><params/></methodCall>", "ping", 0},
		{"python layout", "<?xml version='1.0'?>\n<methodCall>\n<methodName>get_zonefile_inventory</methodName>\n<params>\n<param>\n<value><int>0</int></value>\n</param>\n<param>\n<value><int>524288</int></value>\n</param>\n</params>\n</methodCall>\n", "get_zonefile_inventory", 2},
		{"utf-8 declaration", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><methodCall><methodName>x</methodName></methodCall>", "x", 0},
		{"trailing comment", "<methodCall><methodName>x</methodName></methodCall>\n<!-- end -->\n", "x", 0},
		{"escaped name", "<methodCall><methodName>a&amp;b</methodName></methodCall>", "a&b", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, params, err := ParseCall([]byte(tc.body), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m != tc.method || len(params) != tc.n {
				t.Errorf("got %q with %d params, want %q with %d", m, len(params), tc.method, tc.n)
			}
		})
	}
}

func nested(depth int) string {
	return strings.Repeat("<value><array><data>", depth) + "<value>x</value>" + strings.Repeat("</data></array></value>", depth)
}

func TestParseCallRejects(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		class string
		is    error
	}{
		{"empty", "", pyExpatError, nil},
		{"not xml", "hello", pyExpatError, nil},
		{"unclosed", "<methodCall><junk", pyExpatError, nil},
		{"mismatched tags", "<methodCall><methodName>x</methodCall>", pyExpatError, nil},
		{"undefined entity", call(param("<string>&bomb;</string>")), pyExpatError, nil},
		{"doctype", "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><methodCall><methodName>x</methodName></methodCall>", pyExpatError, nil},
		{"two roots", "<methodCall><methodName>x</methodName></methodCall><methodCall/>", pyExpatError, nil},
		{"text after root", "<methodCall><methodName>x</methodName></methodCall>junk", pyExpatError, nil},
		{"illegal char", call(param("<string>\x01</string>")), pyExpatError, nil},
		{"non-utf8 encoding", "<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>x</methodName></methodCall>", pyExpatError, nil},
		{"wrong root", "<methodResponse><params/></methodResponse>", pyResponseError, nil},
		{"missing method name", "<methodCall><params/></methodCall>", pyResponseError, nil},
		{"element in method name", "<methodCall><methodName><b>x</b></methodName></methodCall>", pyResponseError, nil},
		{"junk element", "<methodCall><methodName>x</methodName><junk/></methodCall>", pyResponseError, nil},
		{"text between params", call("oops" + param("1")), pyResponseError, nil},
		{"param without value", call("<param>1</param>"), pyResponseError, nil},
		{"two values in param", call("<param><value>1</value><value>2</value></param>"), pyResponseError, nil},
		{"unknown type", call(param("<foo>1</foo>")), pyResponseError, nil},
		{"i8 not accepted", call(param("<i8>1</i8>")), pyResponseError, nil},
		{"dateTime not accepted", call(param("<dateTime.iso8601>20200101T00:00:00</dateTime.iso8601>")), pyResponseError, nil},
		{"text around type", call(param("a<int>1</int>")), pyResponseError, nil},
		{"text after type", call(param("<int>1</int>b")), pyResponseError, nil},
		{"two types", call(param("<int>1</int><int>2</int>")), pyResponseError, nil},
		{"element in string", call(param("<string><b>x</b></string>")), pyResponseError, nil},
		{"text in nil", call(param("<nil>x</nil>")), pyResponseError, nil},
		{"array without data", call(param("<array><value>1</value></array>")), pyResponseError, nil},
		{"array junk", call(param("<array><data><int>1</int></data></array>")), pyResponseError, nil},
		{"member without name", call(param("<struct><member><value>1</value></member></struct>")), pyResponseError, nil},
		{"member value then name", call(param("<struct><member><value>1</value><name>a</name></member></struct>")), pyResponseError, nil},
		{"member extra", call(param("<struct><member><name>a</name><value>1</value><value>2</value></member></struct>")), pyResponseError, nil},
		{"bad int", call(param("<int>x</int>")), pyValueError, nil},
		{"int underscore", call(param("<int>1_000</int>")), pyValueError, nil},
		{"int empty", call(param("<int></int>")), pyValueError, nil},
		{"int overflow", call(param("<int>99999999999999999999</int>")), pyValueError, nil},
		{"boolean 2", call(param("<boolean>2</boolean>")), pyTypeError, nil},
		{"boolean true", call(param("<boolean>true</boolean>")), pyTypeError, nil},
		{"boolean padded", call(param("<boolean> 1</boolean>")), pyTypeError, nil},
		{"double hex", call(param("<double>0x1p3</double>")), pyValueError, nil},
		{"double junk", call(param("<double>1.5x</double>")), pyValueError, nil},
		{"double bare exponent", call(param("<double>1e</double>")), pyValueError, nil},
		{"double empty", call(param("<double/>")), pyValueError, nil},
		{"double only dot", call(param("<double>.</double>")), pyValueError, nil},
		{"base64 bad padding", call(param("<base64>QQ=</base64>")), pyBinasciiError, nil},
		{"base64 bad char", call(param("<base64>QU!J</base64>")), pyBinasciiError, nil},
		{"base64 unpadded", call(param("<base64>QUJDRA</base64>")), pyBinasciiError, nil},
		{"too deep", call(param(nested(17)[7 : len(nested(17))-8])), pyValueError, ErrTooDeep},
		{"too many values", call(param("<array><data>" + strings.Repeat("<value/>", DefaultLimits.MaxValues) + "</data></array>")), pyValueError, ErrTooManyValues},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseCall([]byte(tc.body), Limits{})
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if pe.class != tc.class {
				t.Errorf("class %q, want %q (%v)", pe.class, tc.class, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if !strings.HasPrefix(err.Error(), "xmlrpc: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseLimitsAreExact(t *testing.T) {
	lim := Limits{MaxNesting: 3, MaxValues: 5}
	tests := []struct {
		name  string
		value string
		is    error
	}{
		{"nesting at limit", "<array><data><value><array><data><value><array><data><value>x</value></data></array></value></data></array></value></data></array>", nil},
		{"nesting over limit", "<array><data><value><array><data><value><array><data><value><struct></struct></value></data></array></value></data></array></value></data></array>", ErrTooDeep},
		{"values at limit", "<array><data><value/><value/><value/><value/></data></array>", nil},
		{"values over limit", "<array><data><value/><value/><value/><value/><value/></data></array>", ErrTooManyValues},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseCall([]byte(call(param(tc.value))), lim)
			if tc.is == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		want  Value
		fault *Fault
		bad   bool
	}{
		{"string result", "<methodResponse><params><param><value><string>{\"status\": \"alive\"}</string></value></param></params></methodResponse>", String(`{"status": "alive"}`), nil, false},
		{"nil result", "<methodResponse><params><param><value><nil/></value></param></params></methodResponse>", Nil(), nil, false},
		{"fault", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value><string>boom</string></value></member></struct></value></fault></methodResponse>", Value{}, &Fault{Code: 1, Message: "boom"}, false},
		{"fault members reversed", "<methodResponse><fault><value><struct><member><name>faultString</name><value>x</value></member><member><name>faultCode</name><value><i4>-3</i4></value></member></struct></value></fault></methodResponse>", Value{}, &Fault{Code: -3, Message: "x"}, false},
		{"fault extra member", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value>x</value></member><member><name>more</name><value>y</value></member></struct></value></fault></methodResponse>", Value{}, nil, true},
		{"fault string code", "<methodResponse><fault><value><struct><member><name>faultCode</name><value>1</value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>", Value{}, nil, true},
		{"fault not struct", "<methodResponse><fault><value>x</value></fault></methodResponse>", Value{}, nil, true},
		{"no values", "<methodResponse><params></params></methodResponse>", Value{}, nil, true},
		{"two values", "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>", Value{}, nil, true},
		{"call instead", "<methodCall><methodName>x</methodName></methodCall>", Value{}, nil, true},
		{"empty response", "<methodResponse></methodResponse>", Value{}, nil, true},
		{"truncated", "<methodResponse><params><param><value>x", Value{}, nil, true},
		{"junk after params", "<methodResponse><params><param><value>x</value></param></params><fault/></methodResponse>", Value{}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParseResponse([]byte(tc.body), Limits{})
			switch {
			case tc.fault != nil:
				var f *Fault
				if !errors.As(err, &f) || *f != *tc.fault {
					t.Fatalf("err = %v, want fault %+v", err, tc.fault)
				}
			case tc.bad:
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want *ParseError", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if !v.Equal(tc.want) {
					t.Errorf("got %#v, want %#v", v, tc.want)
				}
			}
		})
	}
}

// TestRoundTrip encodes values, decodes them back and expects them unchanged.
func TestRoundTrip(t *testing.T) {
	all := []Value{
		Nil(), Int(0), Int(math.MaxInt32), Int(math.MinInt32), Bool(true), Bool(false),
		Double(0), Double(math.Copysign(0, -1)), Double(math.SmallestNonzeroFloat64), Double(math.MaxFloat64),
		Double(math.Inf(1)), Double(math.NaN()), Double(0.1), Double(-123.456e-7),
		String(""), String(" lead and trail "), String("a\r\nb\rc\td\n"), String("&<>]]>\"'"), String("日本語 😀"),
		Base64(nil), Base64([]byte{0}), Base64([]byte(strings.Repeat("\x00\x01\xfe\xff", 100))),
		Array(), Array(Array(Array())), Struct(), Struct(Member{"", Int(1)}, Member{"x y&z", Array(Nil(), Struct())}),
	}
	tests := []struct {
		name   string
		params []Value
	}{
		{"each", all},
		{"all in one array", []Value{Array(all...)}},
		{"nested at default limit", []Value{deepArray(DefaultLimits.MaxNesting)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, err := AppendCall(nil, "echo", tc.params...)
			if err != nil {
				t.Fatal(err)
			}
			m, got, err := ParseCall(body, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m != "echo" || len(got) != len(tc.params) {
				t.Fatalf("method %q with %d params", m, len(got))
			}
			for i := range got {
				if !got[i].Equal(tc.params[i]) {
					t.Errorf("param %d: got %#v, want %#v", i, got[i], tc.params[i])
				}
			}
			for i, p := range tc.params {
				resp, err := AppendResponse(nil, p)
				if err != nil {
					t.Fatal(err)
				}
				v, err := ParseResponse(resp, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if !v.Equal(p) {
					t.Errorf("response %d: got %#v, want %#v", i, v, p)
				}
			}
		})
	}
}

// deepArray returns arrays nested n deep around a string.
func deepArray(n int) Value {
	v := String("core")
	for range n {
		v = Array(v)
	}
	return v
}

// TestEncodedIsWellFormed double-checks encoder output with encoding/xml's
// own tree reader, independent of this package's decoder.
func TestEncodedIsWellFormed(t *testing.T) {
	body, err := AppendCall(nil, "m&m", String("<&>\r"), Struct(Member{"<k>", Base64([]byte("z"))}))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"methodCall"`
		Name    string   `xml:"methodName"`
		Values  []string `xml:"params>param>value>string"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != "m&m" || len(doc.Values) != 1 || doc.Values[0] != "<&>\r" {
		t.Errorf("read back %+v", doc)
	}
}
