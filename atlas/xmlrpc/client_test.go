package xmlrpc

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClientAgainstServer(t *testing.T) {
	_, hs := newTestServer(t, ServerConfig{})
	c, err := NewClient(hs.URL, ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != hs.URL+"/RPC2" {
		t.Errorf("endpoint %q, want the /RPC2 default", c.Endpoint())
	}
	ctx := context.Background()
	params := []Value{Int(1), String("two"), Array(Bool(true), Nil()), Struct(Member{"b", Base64([]byte{0, 255})}), Double(0.5)}
	tests := []struct {
		name   string
		method string
		params []Value
		want   Value
		fault  *Fault
	}{
		{"echo", "echo", params, Array(params...), nil},
		{"no params", "echo", nil, Array(), nil},
		{"large reply (gzipped on the wire)", "big", []Value{Int(100000)}, String(strings.Repeat("z", 100000)), nil},
		{"fault", "fault", nil, Value{}, &Fault{Code: 42, Message: "the answer"}},
		{"unknown method", "nope", nil, Value{}, &Fault{Code: 1, Message: `<class 'Exception'>:method "nope" is not supported`}},
		{"remote host", "whoami", nil, String("127.0.0.1"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := c.Call(ctx, tc.method, tc.params...)
			if tc.fault != nil {
				var f *Fault
				if !errors.As(err, &f) || *f != *tc.fault {
					t.Fatalf("err = %v, want %+v", err, tc.fault)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !v.Equal(tc.want) {
				t.Errorf("got %#v, want %#v", v, tc.want)
			}
		})
	}
}

// rawServer answers every request with the given status, headers and body.
func rawServer(t *testing.T, status int, hdr map[string]string, body []byte, delay time.Duration) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets net/http notice a client hang-up and cancel
		// r.Context(), so a delayed handler ends when the client gives up.
		_, _ = io.Copy(io.Discard, r.Body)
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(hs.Close)
	return hs
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestClientFailures(t *testing.T) {
	okReply, _ := AppendResponse(nil, String(strings.Repeat("a", 2000)))
	// A gzip bomb: the reply, then 8 MiB of zeros as repeated gzip members
	// (readers join members), about 8 KiB on the wire.
	bomb := gzipped(t, okReply)
	zeros := gzipped(t, make([]byte, 1<<20))
	for range 8 {
		bomb = append(bomb, zeros...)
	}
	tests := []struct {
		name   string
		status int
		hdr    map[string]string
		body   []byte
		delay  time.Duration
		cfg    ClientConfig
		check  func(error) bool
	}{
		{"http 500", 500, nil, nil, 0, ClientConfig{}, func(err error) bool {
			var he *HTTPError
			return errors.As(err, &he) && he.StatusCode == 500
		}},
		{"redirect not followed", 302, map[string]string{"Location": "/elsewhere"}, nil, 0, ClientConfig{}, func(err error) bool {
			var he *HTTPError
			return errors.As(err, &he) && he.StatusCode == 302
		}},
		{"declared too large", 200, nil, okReply, 0, ClientConfig{MaxResponseBytes: 1000}, func(err error) bool {
			return errors.Is(err, ErrTooLarge)
		}},
		{"gzip bomb stopped at cap", 200, map[string]string{"Content-Encoding": "gzip"}, bomb, 0, ClientConfig{}, func(err error) bool {
			return errors.Is(err, ErrTooLarge)
		}},
		{"malformed reply", 200, nil, []byte("<methodResponse><params>"), 0, ClientConfig{}, func(err error) bool {
			var pe *ParseError
			return errors.As(err, &pe)
		}},
		{"html reply", 200, nil, []byte("<html><body>hi</body></html>"), 0, ClientConfig{}, func(err error) bool {
			var pe *ParseError
			return errors.As(err, &pe)
		}},
		{"timeout", 200, nil, okReply, 5 * time.Second, ClientConfig{Timeout: 50 * time.Millisecond}, func(err error) bool {
			return errors.Is(err, context.DeadlineExceeded)
		}},
		{"reply limits apply", 200, nil, mustResponse(t, deepArray(5)), 0, ClientConfig{Limits: Limits{MaxNesting: 4}}, func(err error) bool {
			return errors.Is(err, ErrTooDeep)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := rawServer(t, tc.status, tc.hdr, tc.body, tc.delay)
			c, err := NewClient(hs.URL+"/", tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.Call(context.Background(), "m")
			if err == nil || !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
			if !strings.HasPrefix(err.Error(), "xmlrpc: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func mustResponse(t *testing.T, v Value) []byte {
	t.Helper()
	b, err := AppendResponse(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClientContextCancel(t *testing.T) {
	hs := rawServer(t, 200, nil, nil, 5*time.Second)
	c, err := NewClient(hs.URL, ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := c.Call(ctx, "m"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestClientRefusesBadInput(t *testing.T) {
	for _, endpoint := range []string{"", "localhost:6264", "ftp://x/", "http://", "http://[::1"} {
		t.Run(endpoint, func(t *testing.T) {
			if _, err := NewClient(endpoint, ClientConfig{}); err == nil {
				t.Error("accepted")
			}
		})
	}
	c, err := NewClient("http://127.0.0.1:1/", ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(context.Background(), "m", String("\x00")); !errors.Is(err, ErrCannotEncode) {
		t.Errorf("unencodable param: err = %v", err)
	}
	if _, err := c.Call(context.Background(), "m"); err == nil {
		t.Error("call to a closed port succeeded")
	}
}
