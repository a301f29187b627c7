package xmlrpc

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// The expected texts below are what Python 3.11's xmlrpc.client.dumps printed
// for the same values; TestEncodeMatchesPython re-checks many more live.
func TestAppendResponseExact(t *testing.T) {
	const head = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
	const tail = "</param>\n</params>\n</methodResponse>\n"
	tests := []struct {
		name string
		v    Value
		want string
	}{
		{"int", Int(1), "<value><int>1</int></value>\n"},
		{"negative int32 min", Int(math.MinInt32), "<value><int>-2147483648</int></value>\n"},
		{"true", Bool(true), "<value><boolean>1</boolean></value>\n"},
		{"false", Bool(false), "<value><boolean>0</boolean></value>\n"},
		{"nil has no newline", Nil(), "<value><nil/></value>"},
		{"double 1.5", Double(1.5), "<value><double>1.5</double></value>\n"},
		{"double 1e16", Double(1e16), "<value><double>1e+16</double></value>\n"},
		{"double 1234567", Double(1234567), "<value><double>1234567.0</double></value>\n"},
		{"double 1e-5", Double(1e-5), "<value><double>1e-05</double></value>\n"},
		{"double 0.0001", Double(0.0001), "<value><double>0.0001</double></value>\n"},
		{"double -0", Double(math.Copysign(0, -1)), "<value><double>-0.0</double></value>\n"},
		{"double inf", Double(math.Inf(1)), "<value><double>inf</double></value>\n"},
		{"double -inf", Double(math.Inf(-1)), "<value><double>-inf</double></value>\n"},
		{"double nan", Double(math.NaN()), "<value><double>nan</double></value>\n"},
		{"double 1e100", Double(1e100), "<value><double>1e+100</double></value>\n"},
		{"double 9999999999999998", Double(9999999999999998), "<value><double>9999999999999998.0</double></value>\n"},
		{"string escapes", String("a&<>\"'\n\t"), "<value><string>a&amp;&lt;&gt;\"'\n\t</string></value>\n"},
		{"string CR", String("a\r\nb"), "<value><string>a&#13;\nb</string></value>\n"},
		{"base64 empty", Base64(nil), "<value><base64>\n</base64></value>\n"},
		{"base64 two lines", Base64([]byte(strings.Repeat("\x00\xff", 40))),
			"<value><base64>\nAP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A\n/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8=\n</base64></value>\n"},
		{"empty array", Array(), "<value><array><data>\n</data></array></value>\n"},
		{"struct", Struct(Member{"k", Nil()}, Member{"b", Bool(true)}),
			"<value><struct>\n<member>\n<name>k</name>\n<value><nil/></value></member>\n<member>\n<name>b</name>\n<value><boolean>1</boolean></value>\n</member>\n</struct></value>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendResponse(nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if want := head + tc.want + tail; string(got) != want {
				t.Errorf("got\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestAppendCallAndFaultExact(t *testing.T) {
	got, err := AppendCall(nil, "m", Int(1))
	if err != nil {
		t.Fatal(err)
	}
	want := "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><int>1</int></value>\n</param>\n</params>\n</methodCall>\n"
	if string(got) != want {
		t.Errorf("call:\n%q\nwant\n%q", got, want)
	}
	got, err = AppendCall([]byte("prefix"), "m")
	if err != nil {
		t.Fatal(err)
	}
	want = "prefix<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n</params>\n</methodCall>\n"
	if string(got) != want {
		t.Errorf("empty call:\n%q\nwant\n%q", got, want)
	}
	got, err = AppendFault(nil, &Fault{Code: 3, Message: "x<y"})
	if err != nil {
		t.Fatal(err)
	}
	want = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>3</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>x&lt;y</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
	if string(got) != want {
		t.Errorf("fault:\n%q\nwant\n%q", got, want)
	}
}

func TestEncodeRefuses(t *testing.T) {
	self := Array(Int(0))
	items, _ := self.AsArray()
	items[0] = self // a value that contains itself
	tests := []struct {
		name string
		v    Value
	}{
		{"int above int32", Int(math.MaxInt32 + 1)},
		{"int below int32", Int(math.MinInt32 - 1)},
		{"NUL in string", String("a\x00b")},
		{"control char", String("\x1b[0m")},
		{"invalid UTF-8", String("\xff")},
		{"U+FFFE", String("\uFFFE")},
		{"bad member name", Struct(Member{"\x01", Nil()})},
		{"nested bad", Array(Array(String("\x02")))},
		{"self-containing", self},
		{"unknown kind", Value{kind: 42}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := AppendResponse([]byte("keep"), tc.v)
			if !errors.Is(err, ErrCannotEncode) {
				t.Fatalf("err = %v, want ErrCannotEncode", err)
			}
			if string(out) != "keep" {
				t.Errorf("dst changed on error: %q", out)
			}
		})
	}
	if _, err := AppendCall(nil, "bad\x00name"); !errors.Is(err, ErrCannotEncode) {
		t.Errorf("method name with NUL: err = %v", err)
	}
	if big := int64(1) << 40; strconv.IntSize == 64 {
		if _, err := AppendFault(nil, &Fault{Code: int(big), Message: "x"}); !errors.Is(err, ErrCannotEncode) {
			t.Errorf("64-bit fault code: err = %v", err)
		}
	}
}

// TestDoubleShortest checks the repr-style formatting reads back exactly and
// switches notation at Python's thresholds.
func TestDoubleShortest(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0.0"},
		{0.1, "0.1"},
		{1.0 / 3, "0.3333333333333333"},
		{123456789012345.6, "123456789012345.6"},
		{1e15, "1000000000000000.0"},
		{1.5e16, "1.5e+16"},
		{0.00012, "0.00012"},
		{0.000012, "1.2e-05"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := string(appendDouble(nil, tc.f)); got != tc.want {
				t.Errorf("appendDouble(%v) = %q, want %q", tc.f, got, tc.want)
			}
		})
	}
}
