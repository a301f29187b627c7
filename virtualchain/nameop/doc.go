// Package nameop finds Blockstack v1 (BNS) operations in Bitcoin
// transactions and decodes their payloads byte for byte the way Blockstack
// Core v1 and virtualchain did.
//
// Work happens in two steps, mirroring the reference:
//
//  1. Extract looks at one transaction. It picks the OP_RETURN payload the
//     way virtualchain's block downloader did (the last nulldata output
//     wins, a truncated push still counts), checks the magic bytes and the
//     opcode, looks up the output that funded every input, and applies the
//     sender-type filter of db_parse. The result is a Tx holding what every
//     op's tx_extract reads.
//  2. One Parse function per operation (ParsePreorder, ParseRegistration, …)
//     applies that op's tx_extract and parse rules to a Tx under the epoch
//     Rules of the block, and returns a typed struct with exactly the fields
//     the reference extracted. Parse dispatches on the opcode.
//
// Nothing here looks at name state: whether an op is accepted is the job of
// the state machine that consumes these values. Conventions shared by every
// struct: hashes are lower-case hex strings, scripts are lower-case hex, and
// an empty string stands for Python's None (or an absent key).
//
// Three kinds of failure are kept apart. Extract returns (nil, nil) for a
// transaction that is not a BNS candidate at all, a *RejectError for a
// candidate v1 ignores, and a plain error only when the PrevoutSource fails
// or lacks an input's funding output. Parsers return a *ParseError when v1's
// tx_extract would have raised or returned None.
//
// The reference this follows is blockstack-v1.md §1.1–1.5 (in
// ../shared/reference beside the module root) and the v1 Python sources it
// cites.
package nameop
