// Package bitcoind is atlasd's JSON-RPC client for a Bitcoin node: the
// handful of calls the follower needs (chain tip, block hashes, raw blocks,
// and the funding outputs of BNS candidate inputs), on top of btcd's
// rpcclient in HTTP POST mode.
//
// Three things are added to rpcclient:
//
//   - Deadlines. rpcclient's HTTP client has no timeout, so a node that
//     stops answering would hang a call forever. Every call here takes a
//     context and a per-call timeout; a call that times out leaves
//     rpcclient's goroutine waiting on its socket, so the number of calls in
//     flight is bounded (MaxInFlight) to keep a hung node from leaking
//     goroutines without bound.
//   - Error classes. Errors are values of type *Error with a Kind: warm-up
//     (-28, retry), unreachable (connection refused or reset, retry),
//     timeout (retry), work queue full (HTTP 503, retry), unauthorized (HTTP
//     401, fatal until the operator fixes credentials), and RPC errors with
//     bitcoind's code. Retryable tells the follower which to back off on.
//   - Prevout mode. BNS needs the script and value of the output each input
//     of a candidate transaction spends. Bitcoin Core 23 and later return
//     them in getblock verbosity 3; older nodes need txindex=1 so
//     getrawtransaction can fetch the funding transactions. DetectPrevouts
//     picks at start-up and fails with the bitcoind setting to change.
//
// Credentials come from rpcuser/rpcpassword or bitcoind's .cookie file,
// which rpcclient re-reads when it changes (bitcoind writes a new one at
// every start). They never appear in errors or logs.
package bitcoind
