package service_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// The hostile clients of the attack tests. Each kind of attack comes from
// its own loopback address (Linux routes all of 127/8 to loopback), so
// that the server sees one attacker per kind, apart from the honest peer
// (127.0.0.1) and the honest client (127.0.0.3). They speak raw HTTP so
// that they can send what no client library would, and they read replies
// only to classify them, so that their own memory stays out of the
// server's figures.

// attackCounts are one attack kind's figures.
type attackCounts struct {
	// tried counts hostile requests sent (or connections opened, for the
	// kinds that never send one).
	tried atomic.Int64
	// served counts replies from the methods (v1 error objects and
	// faults included); refused counts "rate limited" and "overloaded"
	// replies; cut counts requests the server cut off (HTTP errors,
	// closed or reset connections, timeouts).
	served, refused, cut atomic.Int64
}

func (c *attackCounts) String() string {
	return fmt.Sprintf("tried %d, served %d, refused %d, cut %d", c.tried.Load(), c.served.Load(), c.refused.Load(), c.cut.Load())
}

// attack is one kind of hostile traffic.
type attack struct {
	name string
	// run sends the traffic until ctx ends.
	run func(ctx context.Context, counts *attackCounts)
	// complete marks a kind with a fixed amount of work, which the round
	// lets finish after the others stop (up to a hard limit).
	complete bool
	// check says what must have happened for the server to have held:
	// empty when it held.
	check func(c *attackCounts) string
}

// hostileClient sends from one source address to the target.
type hostileClient struct {
	target string
	ip     string
}

func (h hostileClient) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(h.ip)}, Timeout: 5 * time.Second}
	return d.DialContext(ctx, "tcp", h.target)
}

// outcome of one request.
type outcome int

const (
	outServed outcome = iota
	outRefused
	outCut
)

// classify reads one reply from br and says what it was. Refusals are
// small; a large body is a method's reply and is discarded unread.
func classify(br *bufio.Reader) outcome {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return outCut
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return outCut
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(resp.Body, head)
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return outCut
	}
	if bytes.Contains(head[:n], []byte("rate limited")) || bytes.Contains(head[:n], []byte("overloaded")) {
		return outRefused
	}
	return outServed
}

func (c *attackCounts) add(o outcome) {
	switch o {
	case outServed:
		c.served.Add(1)
	case outRefused:
		c.refused.Add(1)
	default:
		c.cut.Add(1)
	}
}

// request is the head of a POST with a body of n bytes.
func request(n int, extra string) string {
	return fmt.Sprintf("POST /RPC2 HTTP/1.1\r\nHost: atlas\r\nContent-Type: text/xml\r\n%sContent-Length: %d\r\n\r\n", extra, n)
}

// flood keeps conns connections busy with bodies, in turn, each request
// waiting for its reply, redialling whenever the server closes one.
func (h hostileClient) flood(ctx context.Context, counts *attackCounts, conns int, extra string, bodies [][]byte) {
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i := w
			for ctx.Err() == nil {
				c, err := h.dial(ctx)
				if err != nil {
					pause(ctx, 10*time.Millisecond)
					continue
				}
				stop := context.AfterFunc(ctx, func() { c.Close() })
				br := bufio.NewReader(c)
				for ctx.Err() == nil {
					body := bodies[i%len(bodies)]
					i++
					counts.tried.Add(1)
					_ = c.SetDeadline(time.Now().Add(30 * time.Second))
					if _, err := io.WriteString(c, request(len(body), extra)); err != nil {
						counts.cut.Add(1)
						break
					}
					if _, err := c.Write(body); err != nil {
						counts.cut.Add(1)
						break
					}
					o := classify(br)
					counts.add(o)
					if o == outCut {
						break
					}
				}
				stop()
				c.Close()
			}
		}()
	}
	wg.Wait()
}

// pause sleeps d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func call(method string, params ...xmlrpc.Value) []byte {
	b, err := xmlrpc.AppendCall(nil, method, params...)
	if err != nil {
		panic(err) // the test's own calls always encode
	}
	return b
}

func hashList(hs []inventory.Hash) xmlrpc.Value {
	vs := make([]xmlrpc.Value, len(hs))
	for i, h := range hs {
		vs[i] = xmlrpc.String(h.String())
	}
	return xmlrpc.Array(vs...)
}

// refusedSome is the check of the floods: the limit must have refused
// them.
func refusedSome(c *attackCounts) string {
	if c.refused.Load() == 0 {
		return "never refused"
	}
	return ""
}

// attackTarget is what the attacks need to know about the server.
type attackTarget struct {
	addr string
	// largest are the hundred largest zonefiles the server holds, for the
	// most expensive get_zonefiles; held are some of its zonefiles to put
	// back; first and last are its first and last block.
	largest     []inventory.Hash
	held        [][]byte
	first, last int64
	// exchanges is how many claimed addresses the peer-exchange flood
	// uses per run.
	exchanges int
}

// attacks are the kinds of hostile traffic, each from its own address.
func attacks(tg attackTarget) []attack {
	from := func(ip string) hostileClient { return hostileClient{target: tg.addr, ip: ip} }
	heights := make([]xmlrpc.Value, 32)
	for i := range heights {
		heights[i] = xmlrpc.Int(tg.first + int64(i))
	}
	put := make([]xmlrpc.Value, 0, 5)
	for _, z := range tg.held[:5] {
		put = append(put, xmlrpc.String(base64String(z)))
	}
	// 5 strings of 100,000 characters: a 500 KB body under the 512 KiB
	// cap that parses, then fails v1's payload check.
	bigStrings := make([]xmlrpc.Value, 5)
	for i := range bigStrings {
		bigStrings[i] = xmlrpc.String(strings.Repeat("A", 100_000))
	}
	return []attack{
		{
			name: "get_zonefiles flood",
			run: func(ctx context.Context, c *attackCounts) {
				// Asking for gzip makes the server compress each reply too.
				from("127.0.10.1").flood(ctx, c, 24, "Accept-Encoding: gzip\r\n",
					[][]byte{call("get_zonefiles", hashList(tg.largest))})
			},
			check: refusedSome,
		},
		{
			name: "other expensive calls flood",
			run: func(ctx context.Context, c *attackCounts) {
				from("127.0.10.2").flood(ctx, c, 24, "", [][]byte{
					call("get_zonefile_inventory", xmlrpc.Int(0), xmlrpc.Int(524288)),
					call("get_zonefiles_by_block", xmlrpc.Int(tg.first), xmlrpc.Int(tg.last), xmlrpc.Int(0), xmlrpc.Int(100)),
					call("get_consensus_hashes", xmlrpc.Array(heights...)),
					call("put_zonefiles", xmlrpc.Array(put...)),
					call("getinfo"),
				})
			},
			check: refusedSome,
		},
		{
			name: "bodies over and at 512 KiB",
			run: func(ctx context.Context, c *attackCounts) {
				hugeBodies(ctx, from("127.0.10.3"), c, 24, call("put_zonefiles", xmlrpc.Array(bigStrings...)))
			},
			check: func(c *attackCounts) string {
				if c.cut.Load() == 0 {
					return "no oversized body was refused"
				}
				return ""
			},
		},
		{
			name: "invalid base64 and XML",
			run: func(ctx context.Context, c *attackCounts) {
				from("127.0.10.4").flood(ctx, c, 8, "", garbageBodies())
			},
			check: func(c *attackCounts) string {
				if c.served.Load() == 0 {
					return "no garbage was answered"
				}
				return ""
			},
		},
		{
			name: "slow-loris",
			run: func(ctx context.Context, c *attackCounts) {
				slowLoris(ctx, from("127.0.10.5"), c, 48, call("get_zonefiles", hashList(tg.largest)))
			},
			check: func(c *attackCounts) string {
				if c.cut.Load() == 0 {
					return "no slow connection was cut off"
				}
				return ""
			},
		},
		{
			name: "connection flood",
			run: func(ctx context.Context, c *attackCounts) {
				connFlood(ctx, from("127.0.10.6"), c, 48)
			},
			check: refusedSome,
		},
		{
			name: fmt.Sprintf("peer exchange from %d addresses", tg.exchanges),
			run: func(ctx context.Context, c *attackCounts) {
				claimedAddresses(ctx, tg.addr, tg.exchanges, c)
			},
			complete: true,
			check: func(c *attackCounts) string {
				if c.tried.Load() != int64(tg.exchanges) || c.served.Load() < int64(tg.exchanges)*9/10 {
					return "not nine in ten exchanges answered"
				}
				return ""
			},
		},
	}
}

// hugeBodies sends, in turn: a declared 600 KiB body (refused unread), a
// chunked 1 MiB body (refused at 512 KiB) and a 500 KB body that parses.
func hugeBodies(ctx context.Context, h hostileClient, counts *attackCounts, conns int, big []byte) {
	var wg sync.WaitGroup
	chunk := bytes.Repeat([]byte("<value><string>AAAA</string></value>"), 1800)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i++ {
				c, err := h.dial(ctx)
				if err != nil {
					pause(ctx, 10*time.Millisecond)
					continue
				}
				stop := context.AfterFunc(ctx, func() { c.Close() })
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				counts.tried.Add(1)
				br := bufio.NewReader(c)
				switch i % 3 {
				case 0:
					_, _ = io.WriteString(c, request(600<<10, ""))
					_, _ = c.Write(bytes.Repeat([]byte{'<'}, 600<<10))
				case 1:
					_, _ = io.WriteString(c, "POST /RPC2 HTTP/1.1\r\nHost: atlas\r\nTransfer-Encoding: chunked\r\n\r\n")
					for sent := 0; sent < 1<<20; sent += len(chunk) {
						if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
							break
						}
					}
					_, _ = io.WriteString(c, "0\r\n\r\n")
				default:
					_, _ = io.WriteString(c, request(len(big), ""))
					_, _ = c.Write(big)
				}
				counts.add(classify(br))
				stop()
				c.Close()
			}
		}()
	}
	wg.Wait()
}

// garbageBodies are calls v1 refused or could not parse.
func garbageBodies() [][]byte {
	deep := strings.Repeat("<value><array><data>", 20_000)
	return [][]byte{
		call("put_zonefiles", xmlrpc.Array(xmlrpc.String("not base64!"), xmlrpc.String("AAA"))),
		call("put_zonefiles", xmlrpc.Array(xmlrpc.String(strings.Repeat("A", 54_617)))),
		call("get_zonefiles", xmlrpc.Array(xmlrpc.String(strings.Repeat("g", 40)))),
		call("get_zonefiles", xmlrpc.String("0123")),
		call("atlas_peer_exchange", xmlrpc.String("hôte:6264")),
		call("no_such_method"),
		[]byte("<?xml version='1.0'?><methodCall><methodName>ping</methodName><params>"),
		[]byte("<methodCall><methodName>get_zonefiles</methodName><params><param>" + deep + "</param></params></methodCall>"),
		[]byte("\xff\xfe<methodCall>\x00\x01</methodCall>"),
		[]byte("<methodCall><methodName>get_zonefile_inventory</methodName><params><param><value><int>99999999999999999999</int></value></param><param><value><int>1</int></value></param></params></methodCall>"),
	}
}

// slowLoris holds connections in the three slow ways: a header dribbled a
// byte at a time, a body dribbled a byte at a time, and a large reply
// never read. Each is redialled when the server cuts it off.
func slowLoris(ctx context.Context, h hostileClient, counts *attackCounts, conns int, expensive []byte) {
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				c, err := h.dial(ctx)
				if err != nil {
					pause(ctx, 10*time.Millisecond)
					continue
				}
				counts.tried.Add(1)
				stop := context.AfterFunc(ctx, func() { c.Close() })
				var cut bool
				switch w % 3 {
				case 0:
					cut = dribble(ctx, c, []byte("POST /RPC2 HTTP/1.1\r\nHost: atlas\r\nX-Pad: "+strings.Repeat("a", 4096)))
				case 1:
					if _, err := io.WriteString(c, request(4096, "")); err == nil {
						cut = dribble(ctx, c, bytes.Repeat([]byte{' '}, 4096))
					}
				default:
					if tc, ok := c.(*net.TCPConn); ok {
						_ = tc.SetReadBuffer(4096)
					}
					if _, err := io.WriteString(c, request(len(expensive), "")); err == nil {
						_, _ = c.Write(expensive)
					}
					// Never read; wait for the server to give up.
					_ = c.SetReadDeadline(time.Now().Add(2 * time.Minute))
					<-ctx.Done()
				}
				if cut {
					counts.cut.Add(1)
				}
				stop()
				c.Close()
			}
		}()
	}
	wg.Wait()
}

// dribble writes data a byte every 200 ms and reports whether the server
// cut the connection before it was all sent.
func dribble(ctx context.Context, c net.Conn, data []byte) bool {
	for _, b := range data {
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte{b}); err != nil {
			return ctx.Err() == nil
		}
		pause(ctx, 200*time.Millisecond)
		if ctx.Err() != nil {
			return false
		}
	}
	return false
}

// connFlood keeps n connections open from one address without sending
// anything: those over the address's share are refused at once, the rest
// are closed by the server's header timeout, and all are reopened.
func connFlood(ctx context.Context, h hostileClient, counts *attackCounts, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				c, err := h.dial(ctx)
				if err != nil {
					pause(ctx, 10*time.Millisecond)
					continue
				}
				counts.tried.Add(1)
				stop := context.AfterFunc(ctx, func() { c.Close() })
				_ = c.SetReadDeadline(time.Now().Add(time.Minute))
				buf := make([]byte, 1024)
				n, _ := io.ReadAtLeast(c, buf, 1)
				switch {
				case ctx.Err() != nil:
				case bytes.Contains(buf[:n], []byte("rate limited")) || bytes.Contains(buf[:n], []byte("overloaded")):
					counts.refused.Add(1)
				default:
					counts.cut.Add(1)
				}
				stop()
				c.Close()
				pause(ctx, 50*time.Millisecond)
			}
		}()
	}
	wg.Wait()
}

// claimedAddresses makes n peer exchanges, each from its own address in
// 127.20/16, each on a connection of its own, naming a peer of its
// choice; the server records non-local callers by their socket address,
// so n addresses reach its candidate queue and its rate-limit table.
func claimedAddresses(ctx context.Context, target string, n int, counts *attackCounts) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				h := hostileClient{target: target, ip: fmt.Sprintf("127.20.%d.%d", i/250, 1+i%250)}
				c, err := h.dial(ctx)
				if err != nil {
					// Only the end of the run fails a loopback dial.
					return
				}
				counts.tried.Add(1)
				stop := context.AfterFunc(ctx, func() { c.Close() })
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				body := call("atlas_peer_exchange", xmlrpc.String(fmt.Sprintf("198.51.%d.%d:6264", i/250, 1+i%250)))
				if _, err := io.WriteString(c, request(len(body), "")+string(body)); err != nil {
					counts.cut.Add(1)
				} else {
					counts.add(classify(bufio.NewReader(c)))
				}
				stop()
				c.Close()
			}
		}()
	}
	wg.Wait()
}
