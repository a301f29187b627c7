package metrics

import "github.com/prometheus/client_golang/prometheus"

// namespace prefixes every series: atlasd_<subsystem>_<name>.
const namespace = "atlasd"

// scalar is a series read from one Value of Sources.
type scalar struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
	read func(*Sources) Value
}

// labeled is a series read from one ByLabel of Sources.
type labeled struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
	read func(*Sources) ByLabel
}

// defs are the descriptions of every series fed from Sources.
type defs struct {
	scalars []scalar
	labeled []labeled
	lag     *prometheus.Desc
}

func desc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, name), help, labels, nil)
}

func newDefs() *defs {
	g, c := prometheus.GaugeValue, prometheus.CounterValue
	return &defs{
		scalars: []scalar{
			{desc("chain", "indexed_height", "Height of the last block the name state includes."), g,
				func(s *Sources) Value { return s.IndexedHeight }},
			{desc("chain", "node_tip_height", "Height of bitcoind's best block as last seen."), g,
				func(s *Sources) Value { return s.NodeTip }},
			{desc("chain", "blocks_applied_total", "Blocks applied to the name state."), c,
				func(s *Sources) Value { return s.BlocksApplied }},
			{desc("chain", "ops_applied_total", "Name operations accepted by the state machine."), c,
				func(s *Sources) Value { return s.OpsApplied }},
			{desc("chain", "ops_rejected_total", "Name operations found on chain and rejected by the consensus rules."), c,
				func(s *Sources) Value { return s.OpsRejected }},
			{desc("chain", "reorgs_total", "Chain reorganisations the follower rolled back."), c,
				func(s *Sources) Value { return s.Reorgs }},
			{desc("zmq", "gaps_total", "Jumps in a ZMQ topic's sequence counter (lost notifications)."), c,
				func(s *Sources) Value { return s.ZMQGaps }},
			{desc("zmq", "reconnects_total", "ZMQ connections re-established after the first."), c,
				func(s *Sources) Value { return s.ZMQReconnects }},
			{desc("zmq", "silences_total", "ZMQ connections dropped for going quiet."), c,
				func(s *Sources) Value { return s.ZMQSilences }},
			{desc("atlas", "zonefiles_present", "Zonefiles the chain announces that are stored locally."), g,
				func(s *Sources) Value { return s.InventoryPresent }},
			{desc("atlas", "zonefiles_expected", "Zonefile hashes the chain announces."), g,
				func(s *Sources) Value { return s.InventoryTotal }},
			{desc("atlas", "served_bytes_total", "Bytes of replies served to Atlas peers."), c,
				func(s *Sources) Value { return s.BytesServed }},
			{desc("disk", "low", "1 while writes are paused because the data directory has less free space than storage.min_free_mib."), g,
				func(s *Sources) Value { return s.DiskLow }},
			{desc("disk", "free_bytes", "Free space in the data directory's file system, as last checked."), g,
				func(s *Sources) Value { return s.DiskFree }},
			{desc("disk", "full_errors_total", "Writes under the data directory that the file system refused for lack of space."), c,
				func(s *Sources) Value { return s.DiskFullErrors }},
		},
		labeled: []labeled{
			{desc("atlas", "peers", "Atlas peers known, by state.", "state"), g,
				func(s *Sources) ByLabel { return s.Peers }},
			{desc("atlas", "refused_total", "Atlas calls and connections turned away by the port's limits, by reason (rate_limited, conns_per_addr, overloaded).", "reason"), c,
				func(s *Sources) ByLabel { return s.AtlasRefused }},
			{desc("disk", "paused_writes_total", "Writes held back or refused because free space was below storage.min_free_mib, by what was to be written.", "what"), c,
				func(s *Sources) ByLabel { return s.DiskPaused }},
		},
		lag: desc("chain", "lag_blocks", "Blocks between bitcoind's tip and the indexed height."),
	}
}

// newReorgDepth and newRPC build the series fed by events rather than by
// Sources.
func newReorgDepth() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "chain", Name: "reorg_depth_blocks",
		Help: "Blocks rolled back by each reorganisation.",
		// Mainnet reorgs are one or two blocks; the deep ones up to the
		// default undo window of 144 matter because they are rare.
		Buckets: []float64{1, 2, 3, 4, 6, 8, 12, 24, 48, 144},
	})
}

func newRPCDuration() *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "bitcoind", Name: "rpc_duration_seconds",
		Help: "Latency of bitcoind RPC calls, failed ones included, by method.",
		// Most calls answer in milliseconds, getblock on a full block in
		// tens to hundreds, and a call ends at the 30s default rpc_timeout.
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method"})
}

func newRPCErrors() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "bitcoind", Name: "rpc_errors_total",
		Help: "Failed bitcoind RPC calls, by kind of failure.",
	}, []string{"kind"})
}
