package v1rpc

import "sync/atomic"

// MethodStats counts one method's calls.
type MethodStats struct {
	// Requests counts calls, well-formed or not.
	Requests atomic.Uint64
	// Errors counts replies in one of v1's error shapes (a JSON object
	// with an "error" key).
	Errors atomic.Uint64
	// Bytes counts the JSON text of the replies.
	Bytes atomic.Uint64
}

// Stats are the server's counters: plain atomics, so the daemon can read
// them from a Prometheus collector at scrape time without locks.
type Stats struct {
	Ping                  MethodStats
	GetInfo               MethodStats
	GetZonefileInventory  MethodStats
	AtlasPeerExchange     MethodStats
	GetAtlasPeers         MethodStats
	GetZonefiles          MethodStats
	PutZonefiles          MethodStats
	GetZonefilesByBlock   MethodStats
	GetConsensusAt        MethodStats
	GetConsensusHashes    MethodStats
	GetBlockFromConsensus MethodStats
	// Unknown counts calls to methods this server does not serve.
	Unknown MethodStats

	// ZonefilesServed counts zonefiles returned by get_zonefiles.
	ZonefilesServed atomic.Uint64
	// ZonefilesStored counts zonefiles put_zonefiles newly stored.
	ZonefilesStored atomic.Uint64
	// Overloaded counts requests refused because MaxInFlight requests were
	// already being served, and connections refused because MaxConns were
	// open.
	Overloaded atomic.Uint64
	// RateLimited counts calls refused because their address had used its
	// rate limit's tokens.
	RateLimited atomic.Uint64
	// ConnsRefused counts connections refused because their address held
	// MaxConnsPerAddr already.
	ConnsRefused atomic.Uint64
}

// Each calls fn with every method's wire name and counters, "" for Unknown.
func (s *Stats) Each(fn func(method string, m *MethodStats)) {
	for _, m := range s.methods() {
		fn(m.name, m.stats)
	}
	fn("", &s.Unknown)
}

type namedStats struct {
	name  string
	stats *MethodStats
}

func (s *Stats) methods() []namedStats {
	return []namedStats{
		{"ping", &s.Ping},
		{"getinfo", &s.GetInfo},
		{"get_zonefile_inventory", &s.GetZonefileInventory},
		{"atlas_peer_exchange", &s.AtlasPeerExchange},
		{"get_atlas_peers", &s.GetAtlasPeers},
		{"get_zonefiles", &s.GetZonefiles},
		{"put_zonefiles", &s.PutZonefiles},
		{"get_zonefiles_by_block", &s.GetZonefilesByBlock},
		{"get_consensus_at", &s.GetConsensusAt},
		{"get_consensus_hashes", &s.GetConsensusHashes},
		{"get_block_from_consensus", &s.GetBlockFromConsensus},
	}
}
