package peers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// Protocol limits of the v1 server, checked before calling so that a
// refused request never costs a round trip.
const (
	// MaxInventoryLength is the most inventory bytes one
	// get_zonefile_inventory call may ask for.
	MaxInventoryLength = 524288
	// MaxGetZonefiles is the most hashes one get_zonefiles call may name.
	MaxGetZonefiles = 100
	// MaxPutZonefiles is the most zonefiles one put_zonefiles call may carry.
	MaxPutZonefiles = 5
	// MaxZonefileLen is the largest zonefile v1 stores (RPC_MAX_ZONEFILE_LEN).
	MaxZonefileLen = 40960
	// MaxConsensusHashes is the most heights one get_consensus_hashes call
	// may name.
	MaxConsensusHashes = 32
	// MaxNeighborReply is the longest neighbour list accepted. v1 sends at
	// most NUM_NEIGHBORS (80); the cap is v1's pending-queue bound, so an
	// operator who raised NUM_NEIGHBORS is still heard while a hostile peer
	// cannot hand over a multi-megabyte list.
	MaxNeighborReply = 800
)

// Ping calls ping and returns the version the peer reports. A status other
// than "alive" is ErrNotAlive, as v1's client decides.
func (c *Client) Ping(ctx context.Context) (string, error) {
	obj, err := c.call(ctx, c.to.Ping, "ping")
	if err != nil {
		return "", err
	}
	st, err := obj.reqString("status")
	if err != nil {
		return "", fmt.Errorf("ping: %w", err)
	}
	if st != "alive" {
		return "", fmt.Errorf("%w: status %q", ErrNotAlive, st)
	}
	v, err := obj.optString("version")
	if err != nil {
		return "", fmt.Errorf("ping: %w", err)
	}
	return v, nil
}

// GetInfo calls getinfo.
func (c *Client) GetInfo(ctx context.Context) (Info, error) {
	obj, err := c.call(ctx, c.to.Ping, "getinfo")
	if err != nil {
		return Info{}, err
	}
	in, err := parseInfo(obj)
	if err != nil {
		return Info{}, fmt.Errorf("getinfo: %w", err)
	}
	return in, nil
}

// GetZonefileInventory calls get_zonefile_inventory for length bytes of the
// peer's inventory vector from byte offset. The reply may be shorter (the
// vector ends) but never longer.
func (c *Client) GetZonefileInventory(ctx context.Context, offset, length int) ([]byte, error) {
	if offset < 0 || length < 0 || length > MaxInventoryLength || offset > xmlrpcMaxInt {
		return nil, fmt.Errorf("%w: inventory offset %d length %d", ErrArgs, offset, length)
	}
	obj, err := c.callStandard(ctx, c.to.Inventory, "get_zonefile_inventory",
		xmlrpc.Int(int64(offset)), xmlrpc.Int(int64(length)))
	if err != nil {
		return nil, err
	}
	s, err := obj.reqString("inv")
	if err != nil {
		return nil, fmt.Errorf("get_zonefile_inventory: %w", err)
	}
	inv, ok := decodeBase64(s)
	if !ok {
		return nil, fmt.Errorf("get_zonefile_inventory: %w", schemaErr("inv", "base64"))
	}
	if len(inv) > length {
		return nil, fmt.Errorf("%w: get_zonefile_inventory: %d bytes for %d asked", ErrSchema, len(inv), length)
	}
	return inv, nil
}

// xmlrpcMaxInt is the largest XML-RPC <int>: Python refuses to marshal more.
const xmlrpcMaxInt = 1<<31 - 1

// PeerExchange calls atlas_peer_exchange, naming self as a peer the callee
// may add, and returns the callee's neighbours. A peer that answers with an
// exception (an older node without the method) is asked get_atlas_peers
// instead, as v1's crawler does.
func (c *Client) PeerExchange(ctx context.Context, self string) ([]string, error) {
	obj, err := c.callStandard(ctx, c.to.Neighbors, "atlas_peer_exchange", xmlrpc.String(self))
	var re *RemoteError
	if errors.As(err, &re) && re.Exception {
		obj, err = c.callStandard(ctx, c.to.Neighbors, "get_atlas_peers")
	}
	if err != nil {
		return nil, err
	}
	return parsePeers(obj)
}

// GetAtlasPeers calls get_atlas_peers, the older form of PeerExchange.
func (c *Client) GetAtlasPeers(ctx context.Context) ([]string, error) {
	obj, err := c.callStandard(ctx, c.to.Neighbors, "get_atlas_peers")
	if err != nil {
		return nil, err
	}
	return parsePeers(obj)
}

// parsePeers checks a neighbour list as v1's client does: every entry a
// peer string, or the whole reply is refused.
func parsePeers(obj object) ([]string, error) {
	items, err := obj.reqArray("peers")
	if err != nil {
		return nil, err
	}
	if len(items) > MaxNeighborReply {
		return nil, fmt.Errorf("%w: %d peers, at most %d accepted", ErrSchema, len(items), MaxNeighborReply)
	}
	out := make([]string, 0, len(items))
	for _, raw := range items {
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil || !ValidPeerString(s) {
			return nil, fmt.Errorf("%w: bad peer entry %.64s", ErrSchema, raw)
		}
		out = append(out, s)
	}
	return out, nil
}

// GetZonefiles calls get_zonefiles for up to MaxGetZonefiles hashes and
// returns the zonefiles the peer sent for hashes that were asked for;
// entries for anything else are dropped. The bytes are the peer's claim:
// they are NOT checked against their hash here, because the caller that
// stores them must check anyway (and does so once).
func (c *Client) GetZonefiles(ctx context.Context, hashes []inventory.Hash) (map[inventory.Hash][]byte, error) {
	if len(hashes) == 0 || len(hashes) > MaxGetZonefiles {
		return nil, fmt.Errorf("%w: %d hashes, 1..%d allowed", ErrArgs, len(hashes), MaxGetZonefiles)
	}
	want := make(map[string]inventory.Hash, len(hashes))
	args := make([]xmlrpc.Value, len(hashes))
	for i, h := range hashes {
		s := h.String()
		want[s] = h
		args[i] = xmlrpc.String(s)
	}
	obj, err := c.callStandard(ctx, c.to.GetZonefiles, "get_zonefiles", xmlrpc.Array(args...))
	if err != nil {
		return nil, err
	}
	files, err := obj.reqObject("zonefiles")
	if err != nil {
		return nil, fmt.Errorf("get_zonefiles: %w", err)
	}
	out := make(map[inventory.Hash][]byte, len(files))
	for key, raw := range files {
		h, asked := want[key]
		if !asked {
			// Unsolicited: v1's crawler ignores these too.
			continue
		}
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return nil, fmt.Errorf("get_zonefiles: %w", schemaErr(key, "a base64 string"))
		}
		if len(s) > (MaxZonefileLen+2)/3*4 {
			return nil, fmt.Errorf("%w: get_zonefiles: zonefile %s over %d bytes", ErrSchema, key, MaxZonefileLen)
		}
		data, ok := decodeBase64(s)
		if !ok {
			return nil, fmt.Errorf("get_zonefiles: %w", schemaErr(key, "a base64 string"))
		}
		if len(data) > MaxZonefileLen {
			return nil, fmt.Errorf("%w: get_zonefiles: zonefile %s over %d bytes", ErrSchema, key, MaxZonefileLen)
		}
		out[h] = data
	}
	return out, nil
}

// PutZonefiles calls put_zonefiles with up to MaxPutZonefiles zonefiles and
// returns, for each, whether the peer kept it (v1 keeps only zonefiles whose
// hash its chain announced).
func (c *Client) PutZonefiles(ctx context.Context, zonefiles [][]byte) ([]bool, error) {
	if len(zonefiles) == 0 || len(zonefiles) > MaxPutZonefiles {
		return nil, fmt.Errorf("%w: %d zonefiles, 1..%d allowed", ErrArgs, len(zonefiles), MaxPutZonefiles)
	}
	args := make([]xmlrpc.Value, len(zonefiles))
	for i, z := range zonefiles {
		if len(z) > MaxZonefileLen {
			return nil, fmt.Errorf("%w: zonefile of %d bytes, at most %d", ErrArgs, len(z), MaxZonefileLen)
		}
		args[i] = xmlrpc.String(base64Encode(z))
	}
	obj, err := c.callStandard(ctx, c.to.PutZonefiles, "put_zonefiles", xmlrpc.Array(args...))
	if err != nil {
		return nil, err
	}
	items, err := obj.reqArray("saved")
	if err != nil {
		return nil, fmt.Errorf("put_zonefiles: %w", err)
	}
	if len(items) != len(zonefiles) {
		return nil, fmt.Errorf("%w: put_zonefiles: %d results for %d zonefiles", ErrSchema, len(items), len(zonefiles))
	}
	out := make([]bool, len(items))
	for i, raw := range items {
		n, ok := parseInt(raw)
		if !ok || (n != 0 && n != 1) {
			return nil, fmt.Errorf("%w: put_zonefiles: saved[%d] is %.16s", ErrSchema, i, raw)
		}
		out[i] = n == 1
	}
	return out, nil
}

// GetConsensusHashes calls get_consensus_hashes for up to MaxConsensusHashes
// heights and returns the hashes the peer knows. Heights it answers null for
// are left out: v1 servers send null for heights they have not processed,
// which v1's own client schema would refuse outright.
func (c *Client) GetConsensusHashes(ctx context.Context, heights []int64) (map[int64]string, error) {
	if len(heights) == 0 || len(heights) > MaxConsensusHashes {
		return nil, fmt.Errorf("%w: %d heights, 1..%d allowed", ErrArgs, len(heights), MaxConsensusHashes)
	}
	args := make([]xmlrpc.Value, len(heights))
	for i, h := range heights {
		if h < 0 || h > xmlrpcMaxInt {
			return nil, fmt.Errorf("%w: height %d", ErrArgs, h)
		}
		args[i] = xmlrpc.Int(h)
	}
	obj, err := c.callStandard(ctx, c.to.Other, "get_consensus_hashes", xmlrpc.Array(args...))
	if err != nil {
		return nil, err
	}
	hashes, err := obj.reqObject("consensus_hashes")
	if err != nil {
		return nil, fmt.Errorf("get_consensus_hashes: %w", err)
	}
	out := make(map[int64]string, len(hashes))
	for key := range hashes {
		h, err := strconv.ParseInt(key, 10, 64)
		if err != nil || h < 0 || key[0] == '+' {
			return nil, fmt.Errorf("%w: get_consensus_hashes: key %.32q is not a height", ErrSchema, key)
		}
		if _, known := hashes.field(key); !known {
			continue
		}
		s, err := hashes.reqString(key)
		if err != nil || !isHex(s, 32) {
			return nil, fmt.Errorf("get_consensus_hashes: %w", schemaErr(key, "32 hex digits"))
		}
		out[h] = s
	}
	return out, nil
}

// isHex reports whether s is n hex digits of either case, as v1's
// OP_*_HASH_PATTERN schemas allow.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}
