package xmlrpc

import (
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds are real message shapes: what Python and the v1 node send, plus
// the hostile inputs the decoder must refuse cheaply.
var fuzzSeeds = []string{
	"<?xml version='1.0'?>\n<methodCall>\n<methodName>get_zonefile_inventory</methodName>\n<params>\n<param>\n<value><int>0</int></value>\n</param>\n<param>\n<value><int>524288</int></value>\n</param>\n</params>\n</methodCall>\n",
	"<?xml version='1.0'?>\n<methodCall>\n<methodName>get_zonefiles</methodName>\n<params>\n<param>\n<value><array><data>\n<value><string>c5f5b4197c94d4561f6332160f624d728b0da8bf</string></value>\n</data></array></value>\n</param>\n</params>\n</methodCall>\n",
	"<methodCall><methodName>x</methodName><params><param><value><struct><member><name>a</name><value><base64>aGk=\n</base64></value></member><member><name>b</name><value><nil/></value></member></struct></value></param></params></methodCall>",
	"<methodCall><methodName>x</methodName><params><param><value><double>-1e+16</double></value></param><param><value>bare</value></param><param><value><boolean>1</boolean></value></param></params></methodCall>",
	"<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>{\"status\": \"alive\", \"version\": \"22.0.0.0\"}</string></value>\n</param>\n</params>\n</methodResponse>\n",
	"<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>&lt;class 'Exception'&gt;:x</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n",
	"<!DOCTYPE x [<!ENTITY a 'aaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]><methodCall><methodName>&b;</methodName></methodCall>",
	"<methodCall><methodName>x</methodName><params><param>" + strings.Repeat("<value><array><data>", 50) + "</data></array></value></param></params></methodCall>",
	"<methodCall><junk",
	"<methodResponse><params><param><value><base64>QQ=</base64></value></param></params></methodResponse>",
}

// checkRoundTrip re-encodes whatever decoded and expects the same values
// back: the decoder accepts nothing the encoder cannot reproduce.
func checkRoundTrip(t *testing.T, vals []Value) {
	for _, v := range vals {
		enc, err := AppendResponse(nil, v)
		if errors.Is(err, ErrCannotEncode) {
			// Only ints beyond 32 bits may decode yet not encode.
			continue
		}
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, err := ParseResponse(enc, Limits{})
		if err != nil {
			t.Fatalf("re-decode %q: %v", enc, err)
		}
		if !back.Equal(v) {
			t.Fatalf("round trip changed %#v into %#v", v, back)
		}
	}
}

func FuzzParseCall(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, params, err := ParseCall(data, Limits{MaxNesting: 8, MaxValues: 256})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		checkRoundTrip(t, params)
	})
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseResponse(data, Limits{MaxNesting: 8, MaxValues: 256})
		if err != nil {
			var pe *ParseError
			var fault *Fault
			if !errors.As(err, &pe) && !errors.As(err, &fault) {
				t.Fatalf("error %v is neither *ParseError nor *Fault", err)
			}
			return
		}
		checkRoundTrip(t, []Value{v})
	})
}
