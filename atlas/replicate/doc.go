// Package replicate moves zonefiles between this node and its Atlas peers
// (spec §4.5): it keeps each neighbour's inventory vector, plans which
// zonefile to fetch from whom, fetches and verifies, and pushes new
// zonefiles to neighbours that lack them.
//
// Plan is pure: our wants (hashes with their inventory bits) and the
// peers' cached inventories in, batches out. Wants are ranked rarest first
// (fewest peers advertising, ties by hash) and each goes to the healthiest
// peer advertising it, in batches of at most 100, the most one
// get_zonefiles call may name. Replicator.Fetch runs plans in rounds, at
// most Concurrency peers at a time and one call per peer at a time.
//
// Nothing reaches Config.Store unchecked: every zonefile is hashed
// (RIPEMD160 of SHA256) and compared with the hash it was asked for. A
// peer that sends bytes that do not match, or leaves out a zonefile it
// advertised, has those bits cleared in its cached inventory — and kept
// cleared across refreshes — and takes a strike for the batch; at
// MaxStrikes it is removed from the peer table. A failed call only costs
// health, as in v1.
//
// Push is the pusher v1 wrote and never started: a zonefile that becomes
// present here is sent, five per put_zonefiles call, to the neighbours
// whose cached inventory lacks it. Run ties refresh, fetch and push
// together for the node.
//
// The peer table and the RPCs come in through small interfaces (PeerSet,
// Source) that *peers.Table and *peers.Client implement.
package replicate
