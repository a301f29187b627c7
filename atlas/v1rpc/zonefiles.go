package v1rpc

import (
	"context"
	"encoding/base64"
	"errors"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// Limits of the zonefile methods (blockstackd.py).
const (
	// MaxGetZonefiles is the most hashes one get_zonefiles call may ask for.
	MaxGetZonefiles = 100
	// MaxPutZonefiles is the most zonefiles one put_zonefiles call may
	// carry.
	MaxPutZonefiles = 5
	// MaxZonefileBase64 is the longest base64 text put_zonefiles accepts:
	// (4 × 40960) / 3 + 3 in Python 2's integer division. It admits the
	// encodings of 40,961 and 40,962 bytes, which then fail the decoded
	// size check one by one instead of failing the call.
	MaxZonefileBase64 = 4*zonestore.MaxSize/3 + 3
)

// getZonefiles returns, base64, each asked-for zonefile this node holds and
// that verifies; others are left out (rpc_get_zonefiles).
func (s *Server) getZonefiles(ctx context.Context, p []xmlrpc.Value) obj {
	list, ok := p[0].AsArray()
	if !ok {
		return refusal("Invalid zonefile hashes", 400)
	}
	if len(list) > MaxGetZonefiles {
		return refusal("Too many requests (no more than 100 allowed)", 400)
	}
	keys := make([]string, 0, len(list))
	for _, v := range list {
		h, ok := v.AsString()
		if !ok || pyLen(h) != 40 || !isHexPattern(h) {
			return refusal("Invalid zone file hash", 400)
		}
		keys = append(keys, h)
	}
	// The arguments are v1's; the slot is ours, taken before the
	// zonefiles are read.
	if refused, ok := s.zonefileCallSlot(ctx); !ok {
		return refused
	}
	found := obj{}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			continue // a dict in v1: one entry per key
		}
		seen[k] = true
		// v1 looked the file up by the string as given, so only the
		// lower-case form it stored under can match.
		h, err := inventory.ParseHash(k)
		if err != nil {
			continue
		}
		data, err := s.core.Get(h)
		// v1 treated an empty file as missing (`if res:`).
		if err != nil || len(data) == 0 {
			continue
		}
		found = append(found, member{k, base64.StdEncoding.EncodeToString(data)})
	}
	s.stats.ZonefilesServed.Add(uint64(len(found)))
	return s.success(member{"zonefiles", found})
}

// putZonefiles stores zonefiles whose hash is announced on chain and
// answers one saved flag per input (rpc_put_zonefiles).
func (s *Server) putZonefiles(ctx context.Context, p []xmlrpc.Value) obj {
	list, ok := p[0].AsArray()
	if !ok {
		return refusal("Invalid data", 400)
	}
	if len(list) > MaxPutZonefiles {
		return refusal("Too many zonefiles", 400)
	}
	texts := make([]string, 0, len(list))
	for _, v := range list {
		t, ok := v.AsString()
		if !ok || pyLen(t) > MaxZonefileBase64 || !isBase64Pattern(t) {
			// v1 gave this refusal no http_status.
			return obj{{"error", "Invalid zone file payload (exceeds 40960 bytes and/or not base64-encoded)"}}
		}
		texts = append(texts, t)
	}
	saved := make([]int, len(texts))
	var datas [][]byte
	var at []int // index into saved of each entry of datas
	for i, t := range texts {
		data, err := base64.StdEncoding.DecodeString(dollarEnd(t))
		if err != nil {
			continue // unreachable after the pattern check; v1 saved 0
		}
		datas = append(datas, data)
		at = append(at, i)
	}
	status, err := s.core.Put(ctx, datas)
	if err != nil {
		// v1 answered 0 for each zonefile it failed to write.
		if !errors.Is(err, context.Canceled) {
			s.cfg.Logger.Error().Err(err).Msg("put_zonefiles: store")
		}
		return s.success(member{"saved", saved})
	}
	for j, st := range status {
		if st.Saved() {
			saved[at[j]] = 1
		}
		if st == node.Stored {
			s.stats.ZonefilesStored.Add(1)
		}
	}
	return s.success(member{"saved", saved})
}
