// Package zmqpub is a ZMQ PUB endpoint for tests that sends notifications
// in bitcoind's exact format. btcd has no ZMQ, so integration tests pair a
// regtest node with a Publisher and announce the blocks they mine by hand,
// in the order and with the gaps they want to test.
//
//	pub := zmqpub.Start(t, "127.0.0.1:0") // closed at test cleanup
//	// point atlasd at pub.Endpoint(), then
//	pub.WaitSubscribers(zmqpub.TopicSequence, 1, 5*time.Second)
//	pub.Sequence(hash, zmqpub.BlockConnect)
//	pub.HashBlock(hash)
//
// It is pure Go and speaks just enough ZMTP 3.x (rfc.zeromq.org/spec/23 and
// /37) for a PUB socket with the NULL mechanism. Writing it by hand rather
// than using go-zeromq/zmq4's PUB gives the knobs tests need: knowing when a
// subscription has arrived, dropping chosen messages and cutting
// connections. The tests check it against both SUB libraries atlasd may
// use, lightninglabs/gozmq and go-zeromq/zmq4, and byte for byte on the
// wire.
//
// # What is copied from bitcoind and libzmq
//
// From bitcoind's src/zmq/zmqpublishnotifier.cpp:
//
//   - Every message has three frames: the topic, the body, and a 4-byte
//     little-endian counter kept per topic, starting at 0 and kept only in
//     memory, so it restarts at 0 when bitcoind does (Restart).
//   - The counter advances when the send call succeeds, and a PUB send
//     succeeds even when libzmq drops the message for a subscriber over its
//     high-water mark, so a drop shows up as a gap (DropNext, SetSilent,
//     HWM).
//   - Hashes in hashblock, hashtx and sequence bodies are reversed from
//     bitcoind's internal order (data[31 - i] = hash.begin()[i]): the frame
//     holds the bytes of the hex that getblockhash prints. doc/zmq.md has a
//     note calling them "Little Endian and not in the Big Endian format that
//     the RPC interface ... use[s]"; the code does the opposite, and the
//     code is what subscribers receive.
//   - sequence bodies are the 32-byte hash and a label: C (block connected)
//     or D (disconnected) with nothing more; A (added to mempool) or R
//     (removed) followed by an 8-byte little-endian mempool sequence.
//
// From src/zmq/zmqnotificationinterface.cpp, for whoever scripts a test:
// sequence C and D go out for every block connected or disconnected, in
// order, including each step of a reorg; hashblock and rawblock go out once
// per tip update, for the new tip only, and never during initial block
// download. Several topics may share one address and so one socket.
//
// From libzmq 4.3 (bundled with bitcoind): the greeting's padding ends in
// 0x01 and it announces ZMTP 3.1; the READY command carries only
// Socket-Type; subscribers are matched by topic prefix with counted
// subscriptions; each subscriber has a queue of HWM (1000, bitcoind's
// default -zmqpub*hwm) messages beyond which new messages are dropped for
// it. Subscriptions may arrive as ZMTP 3.0 messages (first byte 1 or 0) or
// as 3.1 SUBSCRIBE/CANCEL commands; PING is answered with PONG.
package zmqpub
