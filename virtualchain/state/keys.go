package state

import "encoding/binary"

// Key layout. Every key of the replay state starts with one prefix byte; a
// test checks that no prefix is a prefix of another.
//
//	'n' name                          -> name row (binary record, codec.go)
//	'N' namespace id                  -> namespace row
//	'p' preorder hash                 -> preorder row (name and namespace preorders)
//	's' sender script hex 0x00 name   -> "" (names whose row has this sender)
//	'H' name_hash128                  -> name
//	'P' preorder hash                 -> name created from that preorder
//	'Q' preorder hash                 -> namespace created from that preorder
//	'h' history id 0x00 height vtx seq -> history entry (canonical record)
//	'c' height                        -> consensus hash (32 hex)
//	'C' consensus hash hex            -> lowest height with that hash
//	'k' namespace id                  -> import keychain (list of addresses)
//	'a' address 0x00 token type       -> account
//	'z' slot                          -> chunk announcement
//	'b' height                        -> block hash (hex), when the feeder gave one
//	'u' height                        -> undo record of that block
//	'm' name                          -> metadata (tip record, params, format version)
//
// Heights and slots are big-endian uint64 so scans run in chain order.
const (
	pfxName         = 'n'
	pfxNamespace    = 'N'
	pfxPreorder     = 'p'
	pfxSender       = 's'
	pfxHash128      = 'H'
	pfxNamePreorder = 'P'
	pfxNSPreorder   = 'Q'
	pfxHistory      = 'h'
	pfxConsensus    = 'c'
	pfxConsensusRev = 'C'
	pfxKeychain     = 'k'
	pfxAccount      = 'a'
	pfxSlot         = 'z'
	pfxBlockHash    = 'b'
	pfxUndo         = 'u'
	pfxMeta         = 'm'
	metaTip         = "tip"
	metaSlots       = "slots"
	metaFormat      = "format"
	metaParams      = "params"
	// formatVersion names the storage layout (binary rows, undo, slots and
	// tip record). Bump it on any change to how keys or values are written.
	formatVersion      = "2"
	keySep        byte = 0x00
)

var allPrefixes = []byte{
	pfxName, pfxNamespace, pfxPreorder, pfxSender, pfxHash128, pfxNamePreorder, pfxNSPreorder,
	pfxHistory, pfxConsensus, pfxConsensusRev, pfxKeychain, pfxAccount, pfxSlot,
	pfxBlockHash, pfxUndo, pfxMeta,
}

func strKey(pfx byte, s string) []byte {
	k := make([]byte, 0, 1+len(s))
	return append(append(k, pfx), s...)
}

func pairKey(pfx byte, a, b string) []byte {
	k := make([]byte, 0, 2+len(a)+len(b))
	k = append(k, pfx)
	k = append(k, a...)
	k = append(k, keySep)
	return append(k, b...)
}

func heightKey(pfx byte, h uint64) []byte {
	k := make([]byte, 9)
	k[0] = pfx
	binary.BigEndian.PutUint64(k[1:], h)
	return k
}

func historyKey(id string, height uint64, vtx uint32, seq uint32) []byte {
	k := make([]byte, 0, len(id)+18)
	k = append(k, pfxHistory)
	k = append(k, id...)
	k = append(k, keySep)
	k = binary.BigEndian.AppendUint64(k, height)
	k = binary.BigEndian.AppendUint32(k, vtx)
	return binary.BigEndian.AppendUint32(k, seq)
}

func historyPrefix(id string) []byte { return pairKey(pfxHistory, id, "") }

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
