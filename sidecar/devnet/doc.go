// Package devnet is `atlasd devnet`, the one-command playground: it starts
// a pinned btcd in regtest in a data directory of its own, plays a scripted
// BNS history on it (a namespace preordered, revealed and readied; names
// registered, updated, transferred, renewed and revoked; zonefiles put), runs
// a full atlasd against it, prints where everything is, and keeps producing
// a block every few seconds with new operations until it is stopped.
//
// Everything is real: btcd validates every transaction, atlasd follows it
// over JSON-RPC exactly as it follows bitcoind in production, and the name
// operations are the same bytes a v1 client would have broadcast.
package devnet
