package v1rpc

import (
	"context"
	"encoding/base64"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// Limits of the inventory methods (blockstackd.py).
const (
	// MaxInventoryLength is the most bytes of inventory one
	// get_zonefile_inventory call returns (524,288 bytes: 4,194,304 slots).
	MaxInventoryLength = 524288
	// MaxByBlockCount is the most rows one get_zonefiles_by_block call
	// returns.
	MaxByBlockCount = 100
)

// getZonefileInventory serves bytes [offset, offset+length) of the
// inventory vector, base64 in "inv" (rpc_get_zonefile_inventory).
func (s *Server) getZonefileInventory(_ context.Context, p []xmlrpc.Value) obj {
	offset, ok := checkOffset(p[0])
	if !ok {
		return refusal("invalid offset", 400)
	}
	length, ok := checkCount(p[1], MaxInventoryLength)
	if !ok {
		return refusal("invalid length", 400)
	}
	var inv []byte
	if offset <= int64(^uint(0)>>1) {
		inv = s.core.Inventory(int(offset), int(length))
	}
	return s.success(member{"inv", base64.StdEncoding.EncodeToString(inv)})
}

// getZonefilesByBlock lists the slots announced in blocks from..to, in slot
// order, after skipping offset (rpc_get_zonefiles_by_block).
func (s *Server) getZonefilesByBlock(_ context.Context, p []xmlrpc.Value) obj {
	from, ok := checkBlock(p[0], s.cfg.FirstBlock)
	if !ok {
		return refusal("Invalid from_block height", 400)
	}
	to, ok := checkBlock(p[1], s.cfg.FirstBlock)
	if !ok {
		return refusal("Invalid to_block height", 400)
	}
	offset, ok := checkOffset(p[2])
	if !ok {
		return refusal("invalid offset", 400)
	}
	count, ok := checkCount(p[3], MaxByBlockCount)
	if !ok {
		return refusal("invalid count", 400)
	}
	rows := []obj{}
	if offset <= int64(^uint32(0)>>1) {
		for _, sl := range s.core.ByBlock(from, to, int(offset), int(count)) {
			rows = append(rows, obj{
				{"name", sl.Name},
				{"zonefile_hash", sl.Hash.String()},
				{"block_height", sl.Height},
				{"txid", sl.TxID.String()},
				{"inv_index", sl.Index},
			})
		}
	}
	return s.success(member{"zonefile_info", rows})
}
