package xmlrpc

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// newTestServer serves echo (returns its params as an array), fault (returns
// a *Fault), fail (returns a plain error), whoami (returns RemoteHost) and
// big (returns a long string).
func newTestServer(t *testing.T, cfg ServerConfig) (*Server, *httptest.Server) {
	t.Helper()
	s := NewServer(cfg)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Register("echo", func(_ context.Context, params []Value) (Value, error) {
		return Array(params...), nil
	}))
	must(s.Register("fault", func(context.Context, []Value) (Value, error) {
		return Value{}, &Fault{Code: 42, Message: "the answer"}
	}))
	must(s.Register("fail", func(context.Context, []Value) (Value, error) {
		return Value{}, errors.New("disk on fire")
	}))
	must(s.Register("whoami", func(ctx context.Context, _ []Value) (Value, error) {
		h, ok := RemoteHost(ctx)
		if !ok {
			return Value{}, errors.New("no remote host")
		}
		return String(h), nil
	}))
	must(s.Register("big", func(_ context.Context, params []Value) (Value, error) {
		n, _ := params[0].AsInt()
		return String(strings.Repeat("z", int(n))), nil
	}))
	must(s.Register("badresult", func(context.Context, []Value) (Value, error) {
		return Int(1 << 40), nil
	}))
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

func post(t *testing.T, url, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestServerFaults(t *testing.T) {
	_, hs := newTestServer(t, ServerConfig{})
	tests := []struct {
		name string
		body string
		code int
		msg  string // exact, or prefix when it ends in "…"
	}{
		// Exact texts of Python 3.11's SimpleXMLRPCServer for the same input.
		{"unknown method", "<methodCall><methodName>nope</methodName></methodCall>", 1, `<class 'Exception'>:method "nope" is not supported`},
		{"method fault", "<methodCall><methodName>fault</methodName></methodCall>", 42, "the answer"},
		{"method error", "<methodCall><methodName>fail</methodName></methodCall>", 1, "<class 'Exception'>:disk on fire"},
		{"bad xml", "<methodCall><junk", 1, "<class 'xml.parsers.expat.ExpatError'>:…"},
		{"empty body", "", 1, "<class 'xml.parsers.expat.ExpatError'>:…"},
		{"bad int", call(param("<int>x</int>")), 1, "<class 'ValueError'>:…"},
		{"bad boolean", call(param("<boolean>2</boolean>")), 1, "<class 'TypeError'>:…"},
		{"bad base64", call(param("<base64>QQ=</base64>")), 1, "<class 'binascii.Error'>:…"},
		{"unknown tag", call(param("<foo>1</foo>")), 1, "<class 'xmlrpc.client.ResponseError'>:…"},
		{"too deep", call(param(nested(40)[7 : len(nested(40))-8])), 1, "<class 'ValueError'>:xmlrpc: more than 16 nested…"},
		{"unencodable result", "<methodCall><methodName>badresult</methodName></methodCall>", 1, "<class 'TypeError'>:…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, hs.URL+"/RPC2", tc.body, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 (faults travel in 200 replies)", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type %q", ct)
			}
			_, err := ParseResponse(body, Limits{})
			var f *Fault
			if !errors.As(err, &f) {
				t.Fatalf("reply %q is not a fault: %v", body, err)
			}
			if f.Code != tc.code {
				t.Errorf("code %d, want %d", f.Code, tc.code)
			}
			if prefix, ok := strings.CutSuffix(tc.msg, "…"); ok {
				if !strings.HasPrefix(f.Message, prefix) || len(f.Message) == len(prefix) {
					t.Errorf("message %q, want prefix %q", f.Message, prefix)
				}
			} else if f.Message != tc.msg {
				t.Errorf("message %q, want %q", f.Message, tc.msg)
			}
		})
	}
}

func TestServerHTTPChecks(t *testing.T) {
	_, hs := newTestServer(t, ServerConfig{})
	ping := "<methodCall><methodName>echo</methodName></methodCall>"
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		hdr    map[string]string
		status int
		want   string
	}{
		{"root path", http.MethodPost, "/", ping, nil, 200, ""},
		{"RPC2 path", http.MethodPost, "/RPC2", ping, nil, 200, ""},
		{"other path", http.MethodPost, "/RPC3", ping, nil, 404, "No such page"},
		{"query string", http.MethodPost, "/RPC2?x=1", ping, nil, 404, "No such page"},
		{"GET", http.MethodGet, "/RPC2", "", nil, 501, `Unsupported method ("GET")`},
		{"gzip body", http.MethodPost, "/RPC2", ping, map[string]string{"Content-Encoding": "gzip"}, 501, ""},
		{"deflate body", http.MethodPost, "/", ping, map[string]string{"Content-Encoding": "Deflate"}, 501, ""},
		{"identity body", http.MethodPost, "/", ping, map[string]string{"Content-Encoding": "IDENTITY"}, 200, ""},
		{"at size cap", http.MethodPost, "/", padTo(ping, DefaultMaxRequestBytes), nil, 200, ""},
		{"over size cap", http.MethodPost, "/", padTo(ping, DefaultMaxRequestBytes+1), nil, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, hs.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			resp, err := hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 && string(body) != tc.want {
				t.Errorf("body %q, want %q", body, tc.want)
			}
			if tc.status == 200 {
				if _, err := ParseResponse(body, Limits{}); err != nil {
					t.Errorf("reply: %v", err)
				}
			}
		})
	}
}

// padTo appends a trailing comment so the body is exactly n bytes long.
func padTo(body string, n int) string {
	pad := n - len(body) - len("<!---->")
	return body + "<!--" + strings.Repeat("p", pad) + "-->"
}

// TestServerRefusesOversizeBeforeReading declares a huge body and sends none
// of it: the 400 must come back anyway, proving the body was not awaited.
func TestServerRefusesOversizeBeforeReading(t *testing.T) {
	_, hs := newTestServer(t, ServerConfig{})
	conn, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n", 1<<30)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || resp.ContentLength != 0 {
		t.Errorf("status %d, length %d; want 400 with empty body", resp.StatusCode, resp.ContentLength)
	}
}

// TestServerRefusesOversizeChunked sends a body with no length: it is read
// only up to the cap.
func TestServerRefusesOversizeChunked(t *testing.T) {
	_, hs := newTestServer(t, ServerConfig{MaxRequestBytes: 1000})
	tests := []struct {
		size   int
		status int
	}{{1000, 200}, {1001, 400}, {5 << 20, 400}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			body := padTo(call(""), tc.size)
			// An io.Reader that is not a *strings.Reader makes the request chunked.
			req, err := http.NewRequest(http.MethodPost, hs.URL+"/RPC2", io.MultiReader(strings.NewReader(body)))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if req.ContentLength != 0 || resp.StatusCode != tc.status {
				t.Errorf("request length %d, status %d; want chunked and %d", req.ContentLength, resp.StatusCode, tc.status)
			}
		})
	}
}

func TestServerGzipReplies(t *testing.T) {
	tests := []struct {
		name      string
		threshold int
		size      int64
		accept    string
		gzipped   bool
	}{
		{"small reply stays plain", 0, 100, "gzip", false},
		{"large reply gzipped", 0, 5000, "gzip", true},
		{"q=0 refuses", 0, 5000, "gzip;q=0", false},
		{"listed among others", 0, 5000, "deflate, gzip; q=0.5", true},
		{"not asked", 0, 5000, "", false},
		{"compression off", -1, 5000, "gzip", false},
		{"custom threshold", 10, 100, "gzip", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, hs := newTestServer(t, ServerConfig{GzipThreshold: tc.threshold})
			body, _ := AppendCall(nil, "big", Int(tc.size))
			hdr := map[string]string{}
			if tc.accept != "" {
				hdr["Accept-Encoding"] = tc.accept
			}
			resp, raw := post(t, hs.URL+"/RPC2", string(body), hdr)
			gz := resp.Header.Get("Content-Encoding") == "gzip"
			if gz != tc.gzipped {
				t.Fatalf("gzipped = %v, want %v", gz, tc.gzipped)
			}
			if gz {
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				if raw, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			v, err := ParseResponse(raw, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := v.AsString(); int64(len(s)) != tc.size {
				t.Errorf("reply of %d chars, want %d", len(s), tc.size)
			}
		})
	}
}

func TestServerRegister(t *testing.T) {
	s := NewServer(ServerConfig{})
	nop := func(context.Context, []Value) (Value, error) { return Nil(), nil }
	if err := s.Register("a", nop); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		name string
		m    Method
	}{"duplicate": {"a", nop}, "empty name": {"", nop}, "nil method": {"b", nil}} {
		t.Run(name, func(t *testing.T) {
			if err := s.Register(tc.name, tc.m); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestServerNotFoundHookAndRemoteHost(t *testing.T) {
	s := NewServer(ServerConfig{NotFound: func(ctx context.Context, method string, params []Value) (Value, error) {
		h, _ := RemoteHost(ctx)
		return String(fmt.Sprintf("%s/%d/%s", method, len(params), h)), nil
	}})
	hs := httptest.NewServer(s)
	defer hs.Close()
	c, err := NewClient(hs.URL, ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Call(context.Background(), "whatever", Int(1), Int(2))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := v.AsString(); s != "whatever/2/127.0.0.1" {
		t.Errorf("got %q", s)
	}
}
