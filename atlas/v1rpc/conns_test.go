package v1rpc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// dialFrom opens a raw connection to the server from the loopback address
// ip.
func dialFrom(tb testing.TB, url, ip string) net.Conn {
	tb.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// pingOn sends one ping on c and returns the JSON error of the reply, ""
// for a successful one.
func pingOn(tb testing.TB, c net.Conn) string {
	tb.Helper()
	body, _ := xmlrpc.AppendCall(nil, "ping")
	fmt.Fprintf(c, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	return readReply(tb, c)
}

// readReply reads one HTTP reply from c and returns its JSON error, "" if
// it has none.
func readReply(tb testing.TB, c net.Conn) string {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		tb.Fatalf("read reply: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := xmlrpc.ParseResponse(data, xmlrpc.Limits{})
	if err != nil {
		tb.Fatalf("reply %q: %v", data, err)
	}
	s, _ := v.AsString()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		tb.Fatal(err)
	}
	if m["error"] == nil {
		return ""
	}
	if m["http_status"] != 429.0 {
		tb.Errorf("refusal without http_status 429: %v", m)
	}
	return m["error"].(string)
}

// TestConnectionCaps: an address holding MaxConnsPerAddr connections gets
// the rate-limited reply on its next one, at once and unread, while other
// addresses connect; past MaxConns everyone gets "overloaded"; closing a
// connection frees its place.
func TestConnectionCaps(t *testing.T) {
	e := newEnv(t, func(c *v1rpc.Config) { c.Limits = v1rpc.Limits{MaxConns: 5, MaxConnsPerAddr: 3} })
	var held []net.Conn
	for range 3 {
		c := dialFrom(t, e.url, "127.0.2.1")
		if got := pingOn(t, c); got != "" {
			t.Fatalf("ping within the cap: %s", got)
		}
		held = append(held, c)
	}
	// The fourth is refused without being read: the reply is there even
	// though nothing was sent, held back for a second.
	start := time.Now()
	if got := readReply(t, dialFrom(t, e.url, "127.0.2.1")); got != "rate limited" {
		t.Errorf("fourth connection of one address: %q", got)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("refusal answered after %v, want about a second", d)
	}
	other := dialFrom(t, e.url, "127.0.2.2")
	if got := pingOn(t, other); got != "" {
		t.Errorf("other address refused: %s", got)
	}
	held = append(held, other, dialFrom(t, e.url, "127.0.2.3"))
	waitFor(t, func() bool { return e.srv.OpenConns() == 5 })
	if got := readReply(t, dialFrom(t, e.url, "127.0.2.4")); got != "overloaded" {
		t.Errorf("connection past MaxConns: %q", got)
	}
	held[0].Close()
	waitFor(t, func() bool { return e.srv.OpenConns() == 4 })
	if got := pingOn(t, dialFrom(t, e.url, "127.0.2.1")); got != "" {
		t.Errorf("after a close: %s", got)
	}
	st := e.srv.Stats()
	if st.ConnsRefused.Load() != 1 || st.Overloaded.Load() != 1 {
		t.Errorf("refused %d, overloaded %d; want 1 and 1", st.ConnsRefused.Load(), st.Overloaded.Load())
	}
	for _, c := range held {
		c.Close()
	}
	waitFor(t, func() bool { return e.srv.OpenConns() == 1 })
}

// TestManyAddressesBounded calls from 2,000 addresses, each once on its own
// connection: the server remembers at most Tracked of them, and every
// call is served (a new address starts with a full bucket).
func TestManyAddressesBounded(t *testing.T) {
	const tracked, n = 300, 2000
	e := newEnv(t, func(c *v1rpc.Config) { c.Limits = v1rpc.Limits{Tracked: tracked} })
	for i := range n {
		c := dialFrom(t, e.url, fmt.Sprintf("127.3.%d.%d", i/250, 1+i%250))
		if got := pingOn(t, c); got != "" {
			t.Fatalf("address %d refused: %s", i, got)
		}
		c.Close()
		// Connections the server has not yet seen close still pin their
		// addresses; a handful may be closing at any time.
		if got := e.srv.Tracked(); got > tracked+8 {
			t.Fatalf("after %d addresses %d tracked", i+1, got)
		}
	}
	waitFor(t, func() bool { return e.srv.OpenConns() == 0 })
	if got := e.srv.Tracked(); got != tracked {
		t.Errorf("%d tracked, want %d", got, tracked)
	}
	if _, ok := e.srv.Tokens("127.3.0.1"); ok {
		t.Error("the first address is still remembered")
	}
	if _, ok := e.srv.Tokens(fmt.Sprintf("127.3.%d.%d", (n-1)/250, 1+(n-1)%250)); !ok {
		t.Error("the last address is forgotten")
	}
}

// waitFor polls cond for up to five seconds.
func waitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for !cond() {
		if ctx.Err() != nil {
			tb.Fatal("condition not met in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
