package blockscan

import (
	"bytes"
	"fmt"

	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// headerSize is the length of a serialized block header.
const headerSize = 80

// opReturn starts every nulldata script.
const opReturn = 0x6a

// Block is what Scan learns from one serialized block.
type Block struct {
	// Header is the decoded 80-byte header; Header.PrevBlock links the
	// block to its parent.
	Header wire.BlockHeader
	// Hash is the block hash (double SHA-256 of the header).
	Hash chainhash.Hash
	// TxCount is the number of transactions, coinbase included.
	TxCount int
	// Candidates are the BNS candidates in block order.
	Candidates []Candidate
}

// Candidate is a transaction that nameop.Candidate accepts for the
// network Scan was given.
type Candidate struct {
	// VtxIndex is the transaction's position in the block (coinbase = 0),
	// the vtxindex v1 records for its op.
	VtxIndex int
	// Tx is the full decoding; it shares no memory with the raw block.
	Tx *wire.MsgTx
	// Opcode and Payload are what nameop.Candidate returned: the opcode
	// byte and the payload after it, a slice of Tx's last OP_RETURN script.
	Opcode  byte
	Payload []byte
}

// Scan walks the serialized block raw and returns its header, transaction
// count and BNS candidates for net. It fails with an *Error on any input
// wire.MsgBlock.Deserialize would refuse, on a block over
// wire.MaxBlockPayload bytes and on trailing bytes. raw is only read and
// may be reused once Scan returns.
func Scan(raw []byte, net nameop.Network) (*Block, error) {
	if len(raw) > wire.MaxBlockPayload {
		return nil, &Error{Offset: wire.MaxBlockPayload, Tx: -1, Err: ErrTooLarge}
	}
	if len(raw) < headerSize {
		return nil, &Error{Offset: len(raw), Tx: -1, Err: ErrTruncated}
	}
	blk := &Block{Hash: chainhash.DoubleHashH(raw[:headerSize])}
	if err := blk.Header.Deserialize(bytes.NewReader(raw[:headerSize])); err != nil {
		// Unreachable with 80 bytes in hand; kept so a wire change cannot
		// slip through silently.
		return nil, &Error{Offset: 0, Tx: -1, Err: fmt.Errorf("%w: header: %w", ErrDecode, err)}
	}
	c := cursor{b: raw, pos: headerSize, tx: -1}
	n, err := c.count(minTxSize)
	if err != nil {
		return nil, err
	}
	blk.TxCount = int(n)
	for i := 0; i < blk.TxCount; i++ {
		c.tx = i
		start := c.pos
		maybe, err := scanTx(&c, net.Magic)
		if err != nil {
			return nil, err
		}
		if !maybe {
			continue
		}
		cand, ok, err := confirm(raw[start:c.pos], i, start, net)
		if err != nil {
			return nil, err
		}
		if ok {
			blk.Candidates = append(blk.Candidates, cand)
		}
	}
	if c.left() != 0 {
		return nil, &Error{Offset: c.pos, Tx: -1, Err: ErrTrailingData}
	}
	return blk, nil
}

// scanTx steps over one transaction and reports whether its last OP_RETURN
// output might carry a payload with magic.
func scanTx(c *cursor, magic [2]byte) (bool, error) {
	if err := c.skip(4); err != nil { // version
		return false, err
	}
	nIn, err := c.count(minTxInSize)
	if err != nil {
		return false, err
	}
	segwit := false
	if nIn == 0 {
		// wire reads a zero input count as the segwit marker.
		flagAt := c.pos
		flag, err := c.byte1()
		if err != nil {
			return false, err
		}
		if flag != 0x01 {
			return false, c.failAt(flagAt, ErrWitnessFlag)
		}
		segwit = true
		if nIn, err = c.count(minTxInSize); err != nil {
			return false, err
		}
	}
	for range nIn {
		if err := c.skip(32 + 4); err != nil { // outpoint
			return false, err
		}
		if _, err := c.bytes(); err != nil { // signature script
			return false, err
		}
		if err := c.skip(4); err != nil { // sequence
			return false, err
		}
	}
	nOut, err := c.count(minTxOutSize)
	if err != nil {
		return false, err
	}
	var lastReturn []byte
	for range nOut {
		if err := c.skip(8); err != nil { // value
			return false, err
		}
		script, err := c.bytes()
		if err != nil {
			return false, err
		}
		if len(script) > 0 && script[0] == opReturn {
			lastReturn = script
		}
	}
	if segwit {
		witnessAt := c.pos
		haveWitness := false
		for range nIn {
			items, err := c.count(minWitnessItem)
			if err != nil {
				return false, err
			}
			haveWitness = haveWitness || items > 0
			for range items {
				if _, err := c.bytes(); err != nil {
					return false, err
				}
			}
		}
		if !haveWitness {
			return false, c.failAt(witnessAt, ErrSuperfluousWitness)
		}
	}
	if err := c.skip(4); err != nil { // lock time
		return false, err
	}
	return lastReturn != nil && mayCarry(lastReturn, magic), nil
}

// mayCarry is a superset of nameop.Candidate's test on the last OP_RETURN
// script: it looks for the magic where the data of a direct push or of an
// OP_PUSHDATA1/2/4 would start, followed by at least an opcode byte, and
// leaves the token rules (exactly one push, clipped lengths, the opcode set)
// to the real check after decoding.
func mayCarry(s []byte, magic [2]byte) bool {
	if len(s) < 2 {
		return false
	}
	var at int
	switch op := s[1]; {
	case op >= 0x01 && op <= 0x4b:
		at = 2
	case op == 0x4c:
		at = 3
	case op == 0x4d:
		at = 4
	case op == 0x4e:
		at = 6
	default:
		return false
	}
	return len(s) >= at+3 && s[at] == magic[0] && s[at+1] == magic[1]
}

// confirm decodes the transaction in b (found at byte offset off of the
// block) and applies the real candidate rule.
func confirm(b []byte, vtx, off int, net nameop.Network) (Candidate, bool, error) {
	tx := new(wire.MsgTx)
	r := bytes.NewReader(b)
	if err := tx.Deserialize(r); err != nil {
		return Candidate{}, false, &Error{Offset: off, Tx: vtx, Err: fmt.Errorf("%w: %w", ErrDecode, err)}
	}
	if r.Len() != 0 {
		return Candidate{}, false, &Error{Offset: off, Tx: vtx, Err: fmt.Errorf("%w: %d bytes unread", ErrDecode, r.Len())}
	}
	opcode, payload, ok := nameop.Candidate(tx, net)
	if !ok {
		return Candidate{}, false, nil
	}
	return Candidate{VtxIndex: vtx, Tx: tx, Opcode: opcode, Payload: payload}, true, nil
}
