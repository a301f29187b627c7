package zmqpub

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// HWM is the number of messages queued per subscriber before further ones
// are dropped for it, bitcoind's default for every -zmqpub*hwm option.
const HWM = 1000

// handshakeTimeout bounds the greeting and READY exchange with a new peer.
const handshakeTimeout = 10 * time.Second

// Publisher is a ZMQ PUB endpoint that sends bitcoind-shaped notifications.
// All methods are safe for concurrent use.
type Publisher struct {
	t    testing.TB
	addr string // host:port, fixed at Start so Restart reuses the port

	mu       sync.Mutex
	ln       net.Listener
	subs     map[*subscriber]struct{}
	counters map[string]uint32
	drop     int
	silent   bool
	closed   bool
	wg       sync.WaitGroup // accept loop and per-connection goroutines
}

// subscriber is one connected SUB peer.
type subscriber struct {
	conn   net.Conn
	out    chan []byte
	topics map[string]int // subscribed prefixes with their counts; Publisher.mu
	once   sync.Once
	done   chan struct{}
}

func (s *subscriber) close() {
	s.once.Do(func() {
		close(s.done)
		s.conn.Close()
	})
}

// matches applies ZMQ's rule: a message goes to a subscriber if any of its
// subscriptions is a prefix of the topic frame.
func (s *subscriber) matches(topic string) bool {
	for prefix := range s.topics {
		if strings.HasPrefix(topic, prefix) {
			return true
		}
	}
	return false
}

// Start listens on addr (host:port; port 0 picks a free one) and closes the
// publisher when the test ends. It fails the test if it cannot listen.
func Start(t testing.TB, addr string) *Publisher {
	t.Helper()
	p := &Publisher{t: t, counters: make(map[string]uint32)}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("zmqpub: listen %s: %v", addr, err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Close)
	return p
}

// Addr returns the host:port the publisher listens on.
func (p *Publisher) Addr() string { return p.addr }

// Endpoint returns the address as a ZMQ endpoint, like bitcoind's
// -zmqpubhashblock=tcp://127.0.0.1:28332.
func (p *Publisher) Endpoint() string { return "tcp://" + p.addr }

// serve starts accepting on ln. Callers must not hold p.mu.
func (p *Publisher) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln, p.closed = ln, false
	p.subs = make(map[*subscriber]struct{})
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.handle(c)
			}()
		}
	}()
}

// handle runs one subscriber connection until it fails or is closed.
func (p *Publisher) handle(c net.Conn) {
	r := bufio.NewReader(c)
	if err := handshake(c, r); err != nil {
		c.Close()
		return
	}
	s := &subscriber{conn: c, out: make(chan []byte, HWM), topics: make(map[string]int), done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.subs[s] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.subs, s)
		p.mu.Unlock()
		s.close()
	}()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		writeLoop(s)
	}()
	p.readLoop(s, r)
}

// handshake exchanges greetings and READY commands and checks the peer is a
// SUB or XSUB socket, as libzmq's PUB does.
func handshake(c net.Conn, r *bufio.Reader) error {
	if err := c.SetDeadline(time.Now().Add(handshakeTimeout)); err != nil {
		return err
	}
	if _, err := c.Write(greeting()); err != nil {
		return err
	}
	g := make([]byte, greetingLen)
	if _, err := io.ReadFull(r, g); err != nil {
		return err
	}
	if err := checkGreeting(g); err != nil {
		return err
	}
	if _, err := c.Write(readyCommand()); err != nil {
		return err
	}
	f, err := readFrame(r)
	if err != nil {
		return err
	}
	if !f.command() {
		return errors.New("zmqpub: expected READY command")
	}
	name, data, err := parseCommand(f.body)
	if err != nil {
		return err
	}
	if name != "READY" {
		return fmt.Errorf("zmqpub: expected READY, got %q", name)
	}
	props, err := parseProperties(data)
	if err != nil {
		return err
	}
	if st := props["socket-type"]; st != "SUB" && st != "XSUB" {
		return fmt.Errorf("zmqpub: peer socket type %q cannot talk to PUB", st)
	}
	return c.SetDeadline(time.Time{})
}

// readLoop applies subscriptions: ZMTP 3.0 peers send them as one-frame
// messages starting with 1 (subscribe) or 0 (cancel); 3.1 peers may use
// SUBSCRIBE and CANCEL commands instead. PING gets a PONG.
func (p *Publisher) readLoop(s *subscriber, r *bufio.Reader) {
	inMessage := false // true while skipping the tail of a multipart message
	for {
		f, err := readFrame(r)
		if err != nil {
			return
		}
		if f.command() {
			name, data, err := parseCommand(f.body)
			if err != nil {
				return
			}
			switch name {
			case "SUBSCRIBE":
				p.subscribe(s, string(data), +1)
			case "CANCEL":
				p.subscribe(s, string(data), -1)
			case "PING":
				if len(data) >= 2 {
					pong := appendFrame(nil, flagCommand, command("PONG", data[2:]))
					select {
					case s.out <- pong:
					default:
					}
				}
			}
			continue
		}
		first := !inMessage
		inMessage = f.more()
		if !first || len(f.body) == 0 {
			continue
		}
		switch f.body[0] {
		case 1:
			p.subscribe(s, string(f.body[1:]), +1)
		case 0:
			p.subscribe(s, string(f.body[1:]), -1)
		}
	}
}

// subscribe counts subscriptions per prefix, as libzmq's trie does, so a
// prefix subscribed twice needs two cancels.
func (p *Publisher) subscribe(s *subscriber, prefix string, delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := s.topics[prefix] + delta; n > 0 {
		s.topics[prefix] = n
	} else {
		delete(s.topics, prefix)
	}
}

// writeLoop sends queued messages until the connection fails or closes.
func writeLoop(s *subscriber) {
	for {
		select {
		case <-s.done:
			return
		case msg := <-s.out:
			if _, err := s.conn.Write(msg); err != nil {
				s.close()
				return
			}
		}
	}
}

// Publish sends body on topic to every subscriber whose subscription
// matches, followed by the topic's 4-byte little-endian counter, and
// returns the counter value used. The counter advances even when the
// message is dropped (DropNext, SetSilent, a full queue, no subscriber or a
// closed publisher), exactly as bitcoind's does.
func (p *Publisher) Publish(topic string, body []byte) uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	seq := p.counters[topic]
	p.counters[topic] = seq + 1
	if p.closed || p.silent {
		return seq
	}
	if p.drop > 0 {
		p.drop--
		return seq
	}
	msg := appendMessage(nil, []byte(topic), body, binary.LittleEndian.AppendUint32(nil, seq))
	for s := range p.subs {
		if !s.matches(topic) {
			continue
		}
		select {
		case s.out <- msg:
		default: // over HWM: libzmq's PUB drops silently
		}
	}
	return seq
}

// Counter returns the counter the next message on topic will carry.
func (p *Publisher) Counter(topic string) uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counters[topic]
}

// DropNext drops the next n published messages, whatever their topic, as a
// subscriber would miss them when its queue overflows; counters advance.
func (p *Publisher) DropNext(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop += n
}

// SetSilent, while on, drops every message but keeps counting, like a
// connection that died without either side noticing (bitcoin/bitcoin#12754).
func (p *Publisher) SetSilent(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.silent = on
}

// Subscribers returns how many connected peers would receive a message on
// topic.
func (p *Publisher) Subscribers(topic string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for s := range p.subs {
		if s.matches(topic) {
			n++
		}
	}
	return n
}

// WaitSubscribers blocks until at least n peers subscribe to topic, failing
// the test after timeout. ZMQ drops messages published before a subscription
// arrives, so tests call this before publishing. Call it from the test's
// goroutine.
func (p *Publisher) WaitSubscribers(topic string, n int, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for p.Subscribers(topic) < n {
		if time.Now().After(deadline) {
			p.t.Fatalf("zmqpub: %d of %d subscribers to %q after %v", p.Subscribers(topic), n, topic, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Disconnect drops every subscriber connection but keeps listening and
// counting, like a network blip; ZMQ subscribers reconnect by themselves.
func (p *Publisher) Disconnect() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropAllLocked()
}

// dropAllLocked closes every subscriber and forgets it at once, so counts
// taken right after do not see peers that are still shutting down.
func (p *Publisher) dropAllLocked() {
	for s := range p.subs {
		s.close()
		delete(p.subs, s)
	}
}

// Close stops listening and drops all subscribers, as when bitcoind exits.
// Closing twice does nothing.
func (p *Publisher) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.ln.Close()
	p.dropAllLocked()
	p.mu.Unlock()
	p.wg.Wait()
}

// Restart closes the publisher if needed and listens again on the same
// address with every counter back at zero, as after a bitcoind restart
// (the counters live only in memory). DropNext and SetSilent carry over.
func (p *Publisher) Restart() error {
	p.Close()
	var ln net.Listener
	var err error
	// The old socket may take a moment to release the port.
	for deadline := time.Now().Add(2 * time.Second); ; {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("zmqpub: relisten %s: %w", p.addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.mu.Lock()
	p.counters = make(map[string]uint32)
	p.mu.Unlock()
	p.serve(ln)
	return nil
}
