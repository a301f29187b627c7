package v1rpc

import (
	"context"
	"math/rand/v2"
	"strconv"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// MaxNeighbors is NUM_NEIGHBORS, the most peers one peer exchange returns.
const MaxNeighbors = 80

// atlasPeerExchange records the caller as a candidate peer and returns our
// live neighbours (rpc_atlas_peer_exchange). Only a caller on this host may
// name the peer to record; anyone else is recorded by socket address at our
// own RPC port, so that a remote node cannot fill the peer table with
// addresses of its choosing.
func (s *Server) atlasPeerExchange(ctx context.Context, p []xmlrpc.Value) obj {
	host, _ := xmlrpc.RemoteHost(ctx)
	var peer string
	switch host {
	case "127.0.0.1", "::1", "localhost":
		hp, ok := hostPort(p[0], s.cfg.RPCPort)
		if !ok {
			return refusal("Invalid remote peer address", 400)
		}
		peer = hp
	default:
		peer = host + ":" + strconv.Itoa(s.cfg.RPCPort)
	}
	return s.success(member{"peers", s.exchange(peer)})
}

// getAtlasPeers is the older form of the exchange: the caller is always
// recorded by socket address (rpc_get_atlas_peers).
func (s *Server) getAtlasPeers(ctx context.Context, _ []xmlrpc.Value) obj {
	host, _ := xmlrpc.RemoteHost(ctx)
	return s.success(member{"peers", s.exchange(host + ":" + strconv.Itoa(s.cfg.RPCPort))})
}

// exchange lists the live neighbours other than peer, at most MaxNeighbors
// of them chosen at random, then queues peer.
func (s *Server) exchange(peer string) []string {
	if s.cfg.Peers == nil {
		return []string{}
	}
	peers := append([]string{}, s.cfg.Peers.LiveNeighbors(peer)...)
	if len(peers) > MaxNeighbors {
		rand.Shuffle(len(peers), func(i, j int) { peers[i], peers[j] = peers[j], peers[i] })
		peers = peers[:MaxNeighbors]
	}
	s.cfg.Peers.Enqueue(peer)
	return peers
}
