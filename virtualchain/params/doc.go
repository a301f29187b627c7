// Package params holds the network rules a BNS replay runs under: the first
// block, magic bytes, address versions, the epoch table with its features,
// multipliers and price tables, and the expiry windows.
//
// Mainnet is built in. Any other network (the reference implementation's
// regtest scenarios, a devnet) is loaded from a JSON file in the format of
// ../shared/data/consensus/scenarios/*.params.json. The rules are data, not
// code branches, so a replay of a test network runs the same code as mainnet.
package params
