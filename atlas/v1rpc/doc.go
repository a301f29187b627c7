// Package v1rpc serves the Blockstack Core v1 Atlas peer protocol (spec
// §4.1–4.2) over atlas/xmlrpc: ping, getinfo, get_zonefile_inventory,
// atlas_peer_exchange, get_atlas_peers, get_zonefiles, put_zonefiles,
// get_zonefiles_by_block, get_consensus_at, get_consensus_hashes and
// get_block_from_consensus, on the paths "/" and "/RPC2".
//
// Every reply is what blockstackd.py's rpc_* method of the same name
// returned: one XML-RPC string holding a JSON document, with the same keys,
// the same argument checks in the same order, the same limits (100 hashes
// per get_zonefiles, 5 zonefiles per put_zonefiles, 524,288 inventory bytes,
// 100 rows, 32 heights, 80 peers) and the same error objects. Python quirks
// that a peer can observe are kept: booleans and doubles are not integers,
// `$` in v1's patterns lets one trailing newline through, the
// put_zonefiles payload refusal carries no http_status, upper-case hashes
// pass the checks but find nothing, and calls v1's dispatcher could not
// complete (unknown method, wrong parameter count, non-ASCII string
// parameter) get its exception-shaped reply with Python 2.7's message. A
// hostile request therefore sees a v1 node, and never a panic or a fault of
// ours. Transport limits (512 KiB bodies, identity encoding only) are
// atlas/xmlrpc's; the 1,000-request overload reply is here.
//
// v1 had no per-client limit; this server adds one (Limits), because one
// get_zonefiles call can ask for megabytes. Each client address (an IP, or
// an IPv6 /64) has a token bucket charged with what its calls cost in
// bytes in and out plus a fixed amount per call; an address whose bucket
// is empty is answered, after a short delay, with an error object in the
// shape of v1's "overloaded" reply, which v1's client treats as a failed
// call. Server.Listener caps the open connections, in all and per address,
// and get_zonefiles calls, whose replies can hold tens of megabytes, are
// bounded in all and per address too. Loopback callers, whom v1 trusted,
// are exempt from the per-address limits by default. The table of
// addresses is bounded: idle addresses are forgotten least recently seen
// first. Stats counts the refusals.
//
// The server reads the node (atlas/node.Core) for inventory, zonefiles and
// chain facts, and a Peers table for the peer exchange; it keeps per-method
// request, error and byte counters in Stats for the daemon to export.
package v1rpc
