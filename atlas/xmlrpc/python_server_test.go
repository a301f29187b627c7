package xmlrpc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
)

// recordingTransport notes whether net/http undid a gzip encoding.
type recordingTransport struct{ uncompressed bool }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && resp.Uncompressed {
		r.uncompressed = true
	}
	return resp, err
}

// pyServerScript is a stock SimpleXMLRPCServer (allow_none, bytes for
// base64). describe returns Python's repr of what it received, so the test
// sees exactly how Python decoded our encoding.
const pyServerScript = `
import sys, xmlrpc.client
from xmlrpc.server import SimpleXMLRPCServer
s = SimpleXMLRPCServer(('127.0.0.1', 0), logRequests=False, allow_none=True, use_builtin_types=True)
s.register_function(lambda *a: list(a), 'echo')
s.register_function(lambda *a: repr(a), 'describe')
s.register_function(lambda n: 'z' * n, 'big')
def fault():
    raise xmlrpc.client.Fault(7, 'seven')
def explode():
    raise ValueError('bad')
s.register_function(fault, 'fault')
s.register_function(explode, 'explode')
print('READY 127.0.0.1:%d' % s.server_address[1], flush=True)
s.serve_forever()
`

func TestClientAgainstPythonServer(t *testing.T) {
	addr := startPython(t, "-c", pyServerScript)
	c, err := NewClient("http://"+addr, ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("python decodes what we send", func(t *testing.T) {
		tests := []struct {
			v    Value
			repr string
		}{
			{Int(-2147483648), "(-2147483648,)"},
			{Bool(true), "(True,)"},
			{Double(1e16), "(1e+16,)"},
			{Double(math.Copysign(0, -1)), "(-0.0,)"},
			{Double(math.NaN()), "(nan,)"},
			{String("a&<>\"'"), `('a&<>"\'',)`},
			{String("cr\r\nlf\r"), `('cr\r\nlf\r',)`},
			{String("é😀"), "('é😀',)"},
			{Base64([]byte{0, 1, 255}), `(b'\x00\x01\xff',)`},
			{Base64(make([]byte, 200)), "(b'" + strings.Repeat(`\x00`, 200) + "',)"},
			{Nil(), "(None,)"},
			{Array(), "([],)"},
			{Struct(Member{"k", Array(Int(1), Nil())}, Member{"j", Struct()}), "({'k': [1, None], 'j': {}},)"},
		}
		for i, tc := range tests {
			t.Run(fmt.Sprintf("%d_%s", i, tc.v.Kind()), func(t *testing.T) {
				v, err := c.Call(ctx, "describe", tc.v)
				if err != nil {
					t.Fatal(err)
				}
				if s, _ := v.AsString(); s != tc.repr {
					t.Errorf("python saw %s, want %s", s, tc.repr)
				}
			})
		}
	})

	t.Run("round trip through python", func(t *testing.T) {
		params := []Value{Int(5), String("  x  "), Double(0.1), Array(Base64([]byte("hi")), Bool(false)),
			Struct(Member{"a", Nil()}), String("")}
		v, err := c.Call(ctx, "echo", params...)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Equal(Array(params...)) {
			t.Errorf("got %#v", v)
		}
	})

	t.Run("gzipped large reply", func(t *testing.T) {
		rec := &recordingTransport{}
		gc, err := NewClient("http://"+addr, ClientConfig{Transport: rec})
		if err != nil {
			t.Fatal(err)
		}
		v, err := gc.Call(ctx, "big", Int(300000))
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := v.AsString(); s != strings.Repeat("z", 300000) {
			t.Errorf("got %d chars", len(s))
		}
		if !rec.uncompressed {
			t.Error("python did not gzip the reply, so the gzip path went untested")
		}
	})

	t.Run("reply cap", func(t *testing.T) {
		small, err := NewClient("http://"+addr, ClientConfig{MaxResponseBytes: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := small.Call(ctx, "big", Int(300000)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("err = %v, want ErrTooLarge", err)
		}
	})

	// Our server must fault exactly as this one does.
	_, ours := newTestServer(t, ServerConfig{})
	oc, err := NewClient(ours.URL, ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	faults := []struct {
		name   string
		method string
		want   Fault
		same   bool
	}{
		{"raised fault", "fault", Fault{Code: 7, Message: "seven"}, false},
		{"exception", "explode", Fault{Code: 1, Message: "<class 'ValueError'>:bad"}, false},
		{"unknown method", "nope", Fault{Code: 1, Message: `<class 'Exception'>:method "nope" is not supported`}, true},
	}
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Call(ctx, tc.method)
			var f *Fault
			if !errors.As(err, &f) || *f != tc.want {
				t.Fatalf("err = %v, want %+v", err, tc.want)
			}
			if !tc.same {
				return
			}
			_, err = oc.Call(ctx, tc.method)
			var g *Fault
			if !errors.As(err, &g) || *g != *f {
				t.Errorf("our server: %v, python: %v", err, f)
			}
		})
	}
}
