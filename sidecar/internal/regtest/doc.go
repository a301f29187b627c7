// Package regtest runs a real btcd regtest node for integration tests and
// gives them a small wallet for it, so the follower, the name-state machine
// and the daemon can be driven against a live JSON-RPC chain with reorgs and
// outages. bitcoind cannot be installed here; btcd speaks the same RPC for
// everything atlasd uses except ZMQ, which package zmqpub stands in for.
//
// # Use
//
//	n := regtest.Start(t)          // btcd on 127.0.0.1, stopped at cleanup
//	n.Mature()                     // mine to height 101: coinbases spendable
//	k := n.NewKey()                // a sender with its own key
//	n.Fund(k, btcutil.SatoshiPerBitcoin)
//	txid, err := n.NewTx(k).OpReturn(payload).Pay(other, 5500).Send()
//	n.Generate(1)
//	r, err := n.Reorg(3)           // replace the top 3 blocks with 4 new ones
//
// Start needs bin/btcd under the module root (`make btcd`), or a path in
// $ATLASD_BTCD. btcd runs with --regtest --txindex --notls, RPC and P2P on
// free loopback ports, no peers, a temporary data directory and
// --miningaddr set to MinerKey. Client returns an HTTP POST mode rpcclient;
// RPCHost, RPCUser, RPCPass and CookiePath describe the node for atlasd's
// own client.
//
// The wallet tracks P2PKH outputs paying the harness keys. It is rebuilt
// from the node (best chain plus the transactions it broadcast that are in
// the mempool) before every use, so it stays right after reorgs, manual
// invalidateblock calls and restarts. Keys are derived from a fixed seed and
// their index, so runs are repeatable. TxBuilder puts the sender's output
// first among the inputs (BNS takes the sender from the first input) and
// always adds a change output, placed by ChangeHere or last.
//
// # btcd v0.24.2 behaviour the harness relies on or works around
//
// These were checked against the pinned binary (see the tests), except
// where marked as read from btcd's source:
//
//   - btcd deletes its regtest block database at every start
//     (removeRegressionDB in btcd.go), so a plain restart would come back at
//     genesis. Stop and Kill record the best chain first, and Restart
//     resubmits those blocks with submitblock: the hashes are unchanged.
//     After Stop the mempool is resubmitted too, as bitcoind reloads
//     mempool.dat; after Kill it is lost. Side branches and invalidateblock
//     marks do not survive a restart.
//   - After invalidateblock on the best chain, btcd disconnects back to the
//     parent and puts the disconnected transactions back into its mempool.
//     generate then mines on that parent and picks those transactions up
//     again, so they reappear in the first new block. Use MineBlock to build
//     blocks with exactly the transactions you choose (for example a
//     double spend that removes an op for good); it ignores the mempool.
//   - Blocks re-mined on the same parent differ even with the same
//     transactions in the same second: btcd's CPU miner puts a random extra
//     nonce in the coinbase script (<height> <extranonce> "/P2SH/btcd/").
//     Block times are max(now, median time past + 1) in whole seconds, so a
//     fast burst of blocks shares timestamps and can run ahead of the clock.
//   - From the source (cpuminer.go): generate reports a hash for every block
//     it solved even if submitting it failed, and loops forever if it cannot
//     build a block template.
//     Generate therefore checks the last hash is the tip and times out.
//   - reconsiderblock switches back only to a branch with more work. Reorg
//     leaves the old branch invalid: with valid side branches around, a
//     later invalidateblock of the best chain's top makes btcd activate
//     them, sometimes settling below the block's parent.
//   - Stale and invalidated blocks stay retrievable raw: getblock with
//     verbosity 0 and getblockheader with verbose=false work. The verbose
//     forms fail with -32603 "block ... is not in the main chain", where
//     bitcoind would answer with confirmations -1. getrawtransaction fails
//     for a transaction that is only in a stale block (the txindex drops it
//     on disconnect). A follower must revert from raw blocks.
//   - Regtest relays non-standard transactions, so OP_RETURN payloads over
//     80 bytes are accepted and mined.
//   - The coinbase maturity is 100: at tip h the coinbase of block h-99 is
//     the newest spendable. The subsidy halves every 150 blocks.
//   - rpcclient in HTTP POST mode retries a refused connection ten times
//     with growing pauses (about 22 seconds) before failing, so a call made
//     while btcd is stopped blocks that long. Pause (SIGSTOP) makes calls
//     time out instead of being refused.
package regtest
