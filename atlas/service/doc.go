// Package service runs one Atlas peer: the v1 XML-RPC server, peer
// discovery, zonefile replication and the fork re-check, over a zonefile
// store of its own, following the chain it is given.
//
// Open builds the parts (atlas/zonestore in the data directory,
// atlas/node's Core over the chain, the atlas/peers table and crawler, an
// atlas/replicate Replicator and the atlas/v1rpc server) and binds the
// listener; Run runs them until its context ends, then shuts the HTTP
// server down gracefully; Close releases the store.
//
// Replication is event-driven where v1 polled every five or ten minutes:
//
//   - A zonefile that becomes present here (from put_zonefiles, the REST
//     API through Put, or a fetch) is pushed at once to the neighbours
//     whose cached inventory lacks it. Those store it and push it on, so a
//     new zonefile floods the network in a few round trips.
//   - SyncChain, called after each block the chain applies or rolls back,
//     re-reads every neighbour's inventory when the block announced
//     zonefiles we lack, and keeps re-reading with a doubling pause (FetchInterval,
//     2×, 4×, … up to RefreshInterval) while some announced zonefile is
//     still missing, so a zonefile a neighbour received a moment after us
//     is pulled within seconds.
//   - A newly admitted neighbour has its inventory read at once.
//
// Fetched zonefiles are verified against their hash by the replicator and
// written in batches of a few hundred, each one synced batch, rather than
// with one fsync per zonefile as put_zonefiles does: a fetched zonefile
// has been promised to nobody, and one lost in a crash is fetched again.
//
// Every ForkInterval each neighbour's getinfo is checked against our
// chain (and, for a neighbour ahead of us, its hash at our tip through
// get_consensus_hashes); a neighbour on another fork is dropped from the
// table and kept out for a day, as a peer that lies about zonefiles is.
// Seeds are never dropped; the operator named them.
//
// The XML-RPC server is v1rpc's, with its per-address limits
// (Config.Limits), on a listener that caps connections; the HTTP server
// adds header, read, write and idle deadlines against slow clients.
//
// Status and the small read functions beside it are plain snapshots of
// counters, for the REST API and for Prometheus collectors that read them
// at scrape time.
package service
