package driver

import (
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// Serve runs impl as a plugin and never returns while the host is attached.
// It is the whole body of a plugin's main. It refuses to run when started by
// hand (no handshake cookie in the environment).
func Serve(impl Driver) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  HandshakeConfig(),
		VersionedPlugins: VersionedPlugins(impl),
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger:           NewLogger("serve"),
	})
}

// LogLevelEnv names the environment variable through which a host tells its
// plugins the lowest level worth sending ("trace" … "error"); unset or
// unknown values mean hclog's default (info).
const LogLevelEnv = "BLOB_DRIVER_LOG_LEVEL"

// NewLogger returns the logger a plugin should use. It writes JSON lines to
// the process's original stderr, which the host parses and re-logs under the
// driver's name at the original level. Create it before calling Serve: Serve
// redirects os.Stderr afterwards.
func NewLogger(name string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Level:      hclog.LevelFromString(os.Getenv(LogLevelEnv)),
		Output:     os.Stderr,
		JSONFormat: true,
	})
}
