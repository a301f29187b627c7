package zmqsub

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// Subscriber follows bitcoind's ZMQ notifications. Create it with New,
// read Events and Missed, and run it with Run.
type Subscriber struct {
	cfg     Config
	links   []*link
	events  chan Event
	missed  chan struct{}
	stats   Stats
	running atomic.Bool
}

// New validates cfg and prepares a Subscriber with one connection per
// distinct endpoint.
func New(cfg Config) (*Subscriber, error) {
	cfg, err := cfg.Validate()
	if err != nil {
		return nil, err
	}
	s := &Subscriber{
		cfg:    cfg,
		events: make(chan Event, cfg.EventBuffer),
		missed: make(chan struct{}, 1),
	}
	byEndpoint := map[string]*link{}
	for _, sub := range []struct{ endpoint, topic string }{
		{cfg.HashBlock, TopicHashBlock},
		{cfg.Sequence, TopicSequence},
	} {
		if sub.endpoint == "" {
			continue
		}
		l := byEndpoint[sub.endpoint]
		if l == nil {
			network, addr, _ := parseEndpoint(sub.endpoint) // checked by Validate
			l = &link{s: s, endpoint: sub.endpoint, network: network, addr: addr,
				counters: map[string]*counterState{}}
			byEndpoint[sub.endpoint] = l
			s.links = append(s.links, l)
		}
		l.topics = append(l.topics, sub.topic)
		l.counters[sub.topic] = &counterState{}
	}
	for _, l := range s.links {
		l.log = cfg.Logger.With().Str("endpoint", l.endpoint).Strs("topics", l.topics).Logger()
	}
	return s, nil
}

// Events delivers notifications in the order each connection received
// them. It is never closed; stop reading when Run's context is done.
func (s *Subscriber) Events() <-chan Event { return s.events }

// Missed receives a token whenever a notification may have been lost
// since the last token was taken; see the package doc for when. It is
// never closed.
func (s *Subscriber) Missed() <-chan struct{} { return s.missed }

// Stats returns the live counters.
func (s *Subscriber) Stats() *Stats { return &s.stats }

// Run connects, reads and reconnects until ctx is done, then closes every
// connection, waits for its goroutines and returns nil. It may run once.
func (s *Subscriber) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("zmqsub: Run called twice")
	}
	var wg sync.WaitGroup
	for _, l := range s.links {
		wg.Go(func() { l.run(ctx) })
	}
	wg.Wait()
	return nil
}

// raise signals Missed without blocking: one pending token is enough,
// since the consumer's answer, reconciling with RPC, covers every loss
// before it.
func (s *Subscriber) raise() {
	s.stats.Missed.Add(1)
	select {
	case s.missed <- struct{}{}:
	default:
	}
}
