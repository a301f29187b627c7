// Package replay feeds a recorded block stream (the JSON-lines format of
// ../shared/data/consensus/README.md) through the state machine: each line
// is one block with its BNS candidate transactions and the funding scripts
// of their inputs.
package replay
