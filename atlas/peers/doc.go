// Package peers is the Atlas peer layer of Blockstack Core v1 (spec
// §4.1–4.4): a typed client for the peer RPCs, the peer table with health
// and admission, and the MHRWDA random walk that discovers peers.
//
// Client wraps an xmlrpc.Client for one peer. Each method applies v1's
// per-method timeout, decodes the JSON document v1 puts inside the XML-RPC
// string, and checks it against the schema v1's client.py enforces (status
// envelope, typed fields, peer strings matching ^([^:]+):([1-9][0-9]{1,4})$,
// base64 without line breaks, inventories no longer than asked). A JSON
// error object comes back as a *RemoteError, a malformed reply as
// ErrSchema; nothing panics on peer input. GetZonefiles returns bytes as the
// peer sent them: verifying them against their hash is the storing
// caller's job (package replicate does it).
//
// Table holds the members, each with its health (successes over requests in
// the last hour), a bounded queue of candidates (MaxPending) and the
// blacklist. Candidates come from peer exchange callers and from the walk;
// they become members only through Admit, which probes them with getinfo
// and applies v1's rules: not stale, same network, version at least 0.17,
// and the fork-set check (a peer not ahead of us must report a consensus
// hash we know). Members sit in one of Slots random slots; a newcomer takes
// a slot only from a member that no longer answers, which bounds the table
// and makes it expensive to crowd out honest peers. Drop removes a peer
// caught lying and keeps it out for a day. Table also answers
// atlas_peer_exchange and get_atlas_peers for the RPC server
// (AtlasPeerExchange, GetAtlasPeers).
//
// Walker is the MHRWDA walk and Crawler the v1 crawler step around it
// (admit, walk, prune). Time and randomness are injected for tests.
//
// Where v1 had a bug or a quirk that matters to nobody on the wire, the
// code does the evident intent and says so: blacklisted peers are kept out
// (v1 added them to its table and protected them from pruning), versions
// must parse (v1 admitted unparseable ones), neighbour lists are
// deduplicated before the walk uses their length as a degree.
package peers
