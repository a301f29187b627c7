// Package follow keeps the replay state on the node's best chain: it
// catches up from the replay's tip to the node's tip with a bounded
// pipeline of concurrent block fetches applied strictly in height order,
// notices when the node's best chain has left the blocks it applied, walks
// back to the fork point, rolls the replay back through its undo records
// and applies the new branch.
//
// The node's RPC is the only truth. Wake-ups (ZMQ notifications, or any
// other hint) and a periodic poll both lead to the same reconcile step,
// which asks the node for its tip and compares block hashes, so a lost,
// duplicated or reordered notification can only make atlasd look sooner or
// later, never make it wrong.
//
// # The reconcile step
//
//  1. Read the node's tip (height, hash) in one getblockchaininfo call.
//  2. If our tip is no longer the node's block at our height (or the node
//     is below us), find the highest height where our recorded block hash
//     equals the node's, roll back to it, and count a reorg of that depth.
//     A node that is still in initial block download, or whose shorter
//     chain is a prefix of ours deeper than the undo window, is waiting to
//     catch up rather than reorganising, so nothing is undone then. A node
//     below the first BNS block (reindexing, or reloading its blocks after
//     a restart) holds none of ours, so its chain counts as such a prefix.
//  3. Fetch and apply the blocks above our tip. Each block must name our
//     tip as its parent; if it does not, the node reorganised while we
//     fetched, and the step starts over from 1.
//
// A fork deeper than the replay's undo window stops the follower with
// ErrForkTooDeep, which names the command that rebuilds the state, unless
// a Rebuild function was configured.
package follow
