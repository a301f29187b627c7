// Package zmqsub subscribes to bitcoind's ZMQ "hashblock" and "sequence"
// notifications and turns them into typed hints for the follower.
//
// ZMQ is only a wake-up. bitcoind's PUB socket drops messages for a slow
// subscriber, a TCP connection can die without either side noticing
// (bitcoin/bitcoin#12754), and bitcoind forgets its counters when it
// restarts. So besides Events, a Subscriber raises Missed whenever it knows
// or suspects that a notification was lost, and the consumer answers it by
// reconciling with RPC. Missed is raised on:
//
//   - a gap in a topic's 4-byte little-endian message counter (Stats.Gaps
//     counts them, Stats.Lost the messages they skipped) or a counter that
//     goes back, as after a bitcoind restart (Stats.Resets);
//   - silence: no message on a connection for Config.Silence, after which
//     the connection is also dropped and redialled (Stats.Silences);
//   - every successful reconnection after the first connection
//     (Stats.Reconnects);
//   - a malformed message, which is skipped (Stats.Malformed);
//   - an event dropped because Events was full (Stats.Overflows): the
//     reader never blocks on a slow consumer, since blocking would only
//     move the loss into bitcoind's send queue where nobody counts it.
//
// Missed is a channel with room for one token, so bursts coalesce into a
// single reconciliation. Counters are kept per topic across reconnections,
// so messages published while disconnected show up as a gap too.
//
// Hashes arrive in display order (bitcoind reverses them before sending);
// Event.Hash holds them as chainhash.Hash values, so Hash.String() prints
// what getblockhash prints.
//
// # Library
//
// The ZMTP work (greeting, NULL handshake, READY metadata, frame codec,
// answering PING) is done by github.com/go-zeromq/zmq4, pure Go, on one
// connection at a time through zmq4.Open; zmqsub owns the TCP connection
// and everything around it. That choice over github.com/lightninglabs/gozmq
// and over zmq4's own Socket type:
//
//   - gozmq (last commit 2019) redials by itself inside Receive and swaps
//     its connection field there, racing with a Close from another
//     goroutine, which is the only way to interrupt a Receive at shutdown;
//     its dial (up to a minute) cannot be cancelled; and it offers no hook
//     to count or log reconnections.
//   - zmq4's Socket reads each connection in a goroutine that can block
//     forever on its internal 10-message queue once the reader stops, its
//     handshake has no deadline, and its automatic reconnection is
//     invisible to the caller.
//   - zmq4.Open on a net.Conn we dialled gives a context-aware dial, a
//     handshake deadline, shutdown by closing the socket, read deadlines for
//     silence, and no goroutines we do not start. zmq4 trusts the peer (it
//     allocates whatever size a frame header announces and collects any
//     number of frames per message), so the connection is wrapped in a
//     guard that ends it on a frame over 1 MiB or a message over 16 frames
//     before zmq4 sees the offending header; hashblock and sequence
//     messages are three frames of at most 41 bytes.
//
// Endpoints are bitcoind's: tcp://host:port, or ipc:///path for a Unix
// socket. When -zmqpubhashblock and -zmqpubsequence name the same address,
// bitcoind serves both topics on one socket and the Subscriber uses one
// connection for them.
package zmqsub
