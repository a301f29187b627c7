package driver

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	driverpb "github.com/atlasd/atlasd/plugin/driver/proto"
)

// ProtocolVersion is the contract version this package speaks. Bump it on any
// breaking change to the Driver interface or the proto, and keep serving the
// old version in VersionedPlugins for as long as old hosts or plugins exist.
const ProtocolVersion = 1

// PluginName is the name the driver is registered and dispensed under.
const PluginName = "driver"

// HandshakeConfig returns the go-plugin handshake both sides must agree on.
// The cookie is a UX guard that stops the binary from being run by hand or by
// another plugin system; it is not a security measure (checksums and mTLS in
// the host are).
func HandshakeConfig() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   "BLOB_DRIVER_PLUGIN",
		MagicCookieValue: "6f1b2f0e-3a51-4c7e-9a57-0c2d8f4b7e19",
	}
}

// VersionedPlugins returns the plugin sets by protocol version. Plugins pass
// their implementation; hosts pass nil. A future version 2 is added here as a
// second entry, so one binary can serve both and go-plugin negotiates the
// highest version both ends know.
func VersionedPlugins(impl Driver) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		1: {PluginName: &GRPCPlugin{Impl: impl}},
	}
}

// GRPCPlugin is the go-plugin glue for protocol version 1. It supports gRPC
// only: net/rpc would tie plugins to Go and gob.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the driver served on the plugin side; nil on the host side.
	Impl Driver
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers Impl on the plugin's gRPC server.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	driverpb.RegisterDriverServer(s, &grpcServer{impl: p.Impl})
	return nil
}

// GRPCClient returns a Driver that calls the plugin over conn. go-plugin
// passes a context that ends when the plugin process goes away.
func (p *GRPCPlugin) GRPCClient(doneCtx context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (interface{}, error) {
	return &grpcClient{client: driverpb.NewDriverClient(conn), doneCtx: doneCtx}, nil
}
