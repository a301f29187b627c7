package v1rpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// testClock is a clock the test moves by hand, so that a rate limit's
// window passes exactly when the test says.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sourced is a client whose connections come from one loopback address:
// Linux routes all of 127/8 to the loopback interface, so each test client
// is a distinct address to the server.
type sourced struct {
	ip string
	c  *xmlrpc.Client
	tr *http.Transport
}

func clientFrom(tb testing.TB, url, ip string) *sourced {
	tb.Helper()
	tr := &http.Transport{
		DialContext:         (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext,
		MaxIdleConnsPerHost: 64,
	}
	tb.Cleanup(tr.CloseIdleConnections)
	c, err := xmlrpc.NewClient(url, xmlrpc.ClientConfig{Transport: tr})
	if err != nil {
		tb.Fatal(err)
	}
	return &sourced{ip: ip, c: c, tr: tr}
}

// outcome of one call: served (any reply of the method, a fault included),
// refused by the rate limit, or failed in transport.
type outcome int

const (
	served outcome = iota
	refusedRate
	failed
)

func (s *sourced) call(ctx context.Context, method string, params ...xmlrpc.Value) (outcome, map[string]any) {
	v, err := s.c.Call(ctx, method, params...)
	var f *xmlrpc.Fault
	switch {
	case errors.As(err, &f):
		return served, nil // garbage gets a fault: that is serving it
	case err != nil:
		return failed, nil
	}
	str, ok := v.AsString()
	if !ok {
		return served, nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(str), &m) == nil && m["error"] == "rate limited" {
		return refusedRate, m
	}
	return served, m
}

// rawCall posts body as is, for payloads our client will not build, and
// classifies the reply as call does.
func (s *sourced) rawCall(ctx context.Context, url string, body []byte) (outcome, map[string]any) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/RPC2", bytes.NewReader(body))
	if err != nil {
		return failed, nil
	}
	resp, err := s.tr.RoundTrip(req)
	if err != nil {
		return failed, nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return failed, nil
	}
	v, err := xmlrpc.ParseResponse(data, xmlrpc.Limits{})
	var f *xmlrpc.Fault
	switch {
	case errors.As(err, &f):
		return served, nil
	case err != nil:
		return failed, nil
	}
	str, _ := v.AsString()
	var m map[string]any
	if json.Unmarshal([]byte(str), &m) == nil && m["error"] == "rate limited" {
		return refusedRate, m
	}
	return served, m
}

// TestRateLimitPerAddress floods each expensive method (and cheap calls,
// and garbage) from one address until the limit refuses it, keeps
// flooding on eight connections while an honest client at another address
// is served every time within a deadline, and then checks that the
// flooder is refused until its bucket's window has passed and served right
// after.
func TestRateLimitPerAddress(t *testing.T) {
	clock := &testClock{t: time.Now()}
	lim := v1rpc.Limits{Rate: 64 << 10, Burst: 64 << 10, CallCost: 1 << 10}
	e := newEnv(t, func(c *v1rpc.Config) { c.Now, c.Limits = clock.Now, lim })
	zf := e.f.Zonefiles
	putOK(t, e, zf[0].Data, zf[1].Data, zf[2].Data, zf[3].Data, zf[4].Data)
	held := strs(zf[0].Hash.String(), zf[1].Hash.String(), zf[2].Hash.String(), zf[3].Hash.String(), zf[4].Hash.String())
	heights := make([]int64, 32)
	for i := range heights {
		heights[i] = e.b1 - 16 + int64(i)
	}
	garbage := []byte("<?xml version='1.0'?><methodCall><methodName>get_zonefiles</methodName><params><param><value><array><data>")

	tests := []struct {
		name   string
		method string
		params []xmlrpc.Value
		raw    []byte
	}{
		{"get_zonefiles", "get_zonefiles", []xmlrpc.Value{held}, nil},
		{"get_zonefile_inventory", "get_zonefile_inventory", []xmlrpc.Value{xmlrpc.Int(0), xmlrpc.Int(524288)}, nil},
		{"get_zonefiles_by_block", "get_zonefiles_by_block", []xmlrpc.Value{xmlrpc.Int(e.b1), xmlrpc.Int(e.b4), xmlrpc.Int(0), xmlrpc.Int(100)}, nil},
		{"get_consensus_hashes", "get_consensus_hashes", []xmlrpc.Value{ints(heights...)}, nil},
		{"put_zonefiles", "put_zonefiles", []xmlrpc.Value{xmlrpc.Array(b64(zf[0].Data), b64(zf[1].Data), b64(zf[2].Data))}, nil},
		{"ping", "ping", nil, nil},
		{"invalid XML", "", nil, garbage},
	}
	honest := clientFrom(t, e.url, "127.0.0.3")
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			flooder := clientFrom(t, e.url, fmt.Sprintf("127.0.1.%d", i+1))
			do := func(ctx context.Context, c *sourced) (outcome, map[string]any) {
				if tc.raw != nil {
					return c.rawCall(ctx, e.url, tc.raw)
				}
				return c.call(ctx, tc.method, tc.params...)
			}

			// One call opens the connection; the next shows what a call
			// costs, so the number served from a full bucket is known.
			if o, r := do(ctx, flooder); o != served {
				t.Fatalf("first call: %v %v", o, r)
			}
			before, _ := e.srv.Tokens(flooder.ip)
			if o, _ := do(ctx, flooder); o != served {
				t.Fatal("second call refused")
			}
			after, _ := e.srv.Tokens(flooder.ip)
			cost := before - after
			if cost < float64(lim.CallCost) {
				t.Fatalf("a call cost %.0f, less than CallCost", cost)
			}
			want := 2 + int((after+cost-1)/cost) // calls while tokens > 0
			n := 2
			for ; n <= want+10; n++ {
				o, r := do(ctx, flooder)
				if o == refusedRate {
					if !sameJSON(t, r, map[string]any{"status": false, "indexing": false, "lastblock": -1, "error": "rate limited", "http_status": 429}) {
						t.Errorf("refusal %v", r)
					}
					break
				}
				if o != served {
					t.Fatalf("call %d failed", n)
				}
			}
			if n != want {
				t.Errorf("served %d calls of cost %.0f from a burst of %d, want %d", n, cost, lim.Burst, want)
			}

			// The flood goes on; the honest address is served meanwhile.
			fctx, stop := context.WithCancel(ctx)
			var floodServed, floodRefused atomic.Int64
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for fctx.Err() == nil {
						switch o, _ := do(fctx, flooder); o {
						case served:
							floodServed.Add(1)
						case refusedRate:
							floodRefused.Add(1)
						}
					}
				}()
			}
			deadline := 2 * time.Second
			for k := range 5 {
				start := time.Now()
				o, r := do(ctx, honest)
				if o != served {
					t.Errorf("honest call %d: %v %v", k, o, r)
				}
				if d := time.Since(start); d > deadline {
					t.Errorf("honest call %d took %v during the flood", k, d)
				}
			}
			for wait := time.Now().Add(10 * time.Second); floodRefused.Load() < 8 && time.Now().Before(wait); {
				time.Sleep(10 * time.Millisecond)
			}
			stop()
			wg.Wait()
			if floodServed.Load() != 0 {
				t.Errorf("flooder served %d calls with an empty bucket", floodServed.Load())
			}
			// Its connections gone, the flooder is one client again, not
			// one over its connection cap.
			flooder.tr.CloseIdleConnections()
			waitFor(t, func() bool { return e.srv.ConnsOf(flooder.ip) == 0 })

			// Half the window: still refused. The whole window: served.
			debt, _ := e.srv.Tokens(flooder.ip)
			if debt > 0 {
				t.Fatalf("flooder has %.0f tokens after the flood", debt)
			}
			clock.Advance(time.Duration(-debt / float64(lim.Rate) / 2 * float64(time.Second)))
			if o, _ := do(ctx, flooder); o != refusedRate {
				t.Errorf("flooder served %v into its window", o)
			}
			debt, _ = e.srv.Tokens(flooder.ip)
			clock.Advance(time.Duration(-debt/float64(lim.Rate)*float64(time.Second)) + time.Millisecond)
			if o, r := do(ctx, flooder); o != served {
				t.Errorf("flooder still refused after its window: %v %v", o, r)
			}
		})
	}
	if st := e.srv.Stats(); st.RateLimited.Load() < uint64(len(tests)) {
		t.Errorf("RateLimited %d, want at least one per flood", st.RateLimited.Load())
	}
}
