package peers_test

import (
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/v1rpc"
)

// An external test package, so that v1rpc may import peers one day
// without a cycle.
var _ v1rpc.Peers = peers.ServerPeers{}
