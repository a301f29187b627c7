package config

import "time"

// Config is every setting of the daemon. The toml tag is the key in the
// file; nested tables are sections. Secret fields are masked by Print. The
// check tag lists the rules Validate applies (see checks.go), so a new
// setting gets its validation where it is declared.
type Config struct {
	// Network is "mainnet", "regtest", or empty with ParamsFile set.
	Network string `toml:"network" help:"network rules: mainnet or regtest"`
	// ParamsFile is a params JSON (the scenario format) for other networks.
	ParamsFile string `toml:"params_file" check:"path" help:"params JSON for a custom network (overrides network)"`
	// DataDir holds the replay state, zonefiles and queues.
	DataDir  string `toml:"datadir" check:"path,required" help:"data directory"`
	LogLevel string `toml:"log_level" check:"oneof=trace|debug|info|warn|error" help:"trace, debug, info, warn or error"`
	// LogFormat is "auto" (text on a terminal, JSON otherwise), "text" or "json".
	LogFormat string `toml:"log_format" check:"oneof=auto|text|json" help:"auto, text or json"`

	Bitcoind Bitcoind `toml:"bitcoind"`
	Replay   Replay   `toml:"replay"`
	Atlas    Atlas    `toml:"atlas"`
	API      API      `toml:"api"`
	Storage  Storage  `toml:"storage"`
	Backup   []Backup `toml:"backup"`
}

// Bitcoind is how to reach the node.
type Bitcoind struct {
	RPCHost     string        `toml:"rpc_host" check:"dial" help:"bitcoind RPC address host:port"`
	RPCUser     string        `toml:"rpc_user" help:"rpcuser (leave empty to use the cookie file)"`
	RPCPassword string        `toml:"rpc_password" secret:"true" help:"rpcpassword"`
	RPCCookie   string        `toml:"rpc_cookie" check:"path" help:"path of bitcoind's .cookie file"`
	RPCTimeout  time.Duration `toml:"rpc_timeout" check:"positive" help:"deadline of one RPC call"`
	RPCConns    int           `toml:"rpc_conns" check:"positive,max=1024" help:"concurrent RPC calls (keep below bitcoind's rpcworkqueue)"`
	// ZMQ endpoints are optional wake-ups; atlasd polls without them.
	ZMQHashBlock string        `toml:"zmq_hashblock" check:"zmq" help:"bitcoind zmqpubhashblock endpoint, e.g. tcp://127.0.0.1:28332"`
	ZMQSequence  string        `toml:"zmq_sequence" check:"zmq" help:"bitcoind zmqpubsequence endpoint"`
	PollInterval time.Duration `toml:"poll_interval" check:"positive" help:"how often the node's tip is checked"`
}

// Replay tunes the name-state replay.
type Replay struct {
	UndoWindow   uint64 `toml:"undo_window" check:"positive,max=1000000" help:"blocks that can be rolled back on a reorg"`
	TokenGenesis string `toml:"token_genesis" check:"path" help:"v1 token genesis allocation JSON (needed from mainnet block 547922)"`
	AutoRebuild  bool   `toml:"auto_rebuild" help:"rebuild the state from scratch after a fork deeper than undo_window"`
}

// Atlas is the zonefile peer.
type Atlas struct {
	Enabled   bool     `toml:"enabled" help:"run the Atlas peer"`
	Listen    string   `toml:"listen" check:"listen" help:"Atlas XML-RPC address (v1 port 6264)"`
	Hostname  string   `toml:"hostname" check:"dial,optional" help:"host:port other peers should use to reach us"`
	Seeds     []string `toml:"seeds" check:"dial" help:"peers to start from, host:port"`
	Blacklist []string `toml:"blacklist" check:"dial" help:"peers never contacted, host:port"`
	// The limits on the Atlas port (atlas/v1rpc.Limits): a token bucket
	// per client IP (an IPv6 /64) charged with the bytes of each call in
	// and out plus 1 KiB, and connection caps.
	RateLimit     int      `toml:"rate_limit" check:"positive" help:"bytes per second one client IP may cost the Atlas port (requests in, replies out, 1 KiB per call)"`
	RateBurst     int      `toml:"rate_burst" check:"positive" help:"bytes a client IP that has been quiet may cost at once"`
	MaxConns      int      `toml:"max_conns" check:"positive,max=65536" help:"open connections to the Atlas port, in all"`
	MaxConnsPerIP int      `toml:"max_conns_per_ip" check:"positive,max=65536" help:"open connections to the Atlas port from one client IP"`
	RateExempt    []string `toml:"rate_exempt" check:"cidr" help:"client networks the per-IP limits do not apply to (CIDR)"`
}

// API is the operator-facing REST API, metrics and health endpoints.
type API struct {
	Listen string `toml:"listen" check:"listen" help:"REST, /metrics and /healthz address"`
}

// Storage guards the data directory's file system.
type Storage struct {
	// MinFreeMiB is the free space below which atlasd stops writing and
	// waits, as bitcoind stops at "Disk space is too low!"; 0 turns the
	// guard off.
	MinFreeMiB uint64 `toml:"min_free_mib" check:"max=1048576" help:"MiB of free space in datadir below which writes pause (0: never)"`
}

// Backup is one backup driver plugin.
type Backup struct {
	Name     string            `toml:"name" help:"driver name used in logs and status"`
	Path     string            `toml:"path" help:"plugin binary, or \"builtin:dir\" for the directory driver"`
	SHA256   string            `toml:"sha256" help:"hex SHA-256 of the plugin binary"`
	Settings map[string]string `toml:"settings" secret:"values" help:"driver settings"`
}

// Default returns the settings used when nothing overrides them.
func Default() Config {
	return Config{
		Network:   "mainnet",
		DataDir:   "~/.atlasd",
		LogLevel:  "info",
		LogFormat: "auto",
		Bitcoind: Bitcoind{
			RPCHost:    "127.0.0.1:8332",
			RPCCookie:  "~/.bitcoin/.cookie",
			RPCTimeout: 30 * time.Second,
			// Half of bitcoind's default rpcworkqueue (16): the initial-sync
			// pipeline keeps that many getblock calls in flight and leaves
			// the other half to the node's other clients (lnd, electrs).
			RPCConns:     8,
			PollInterval: 5 * time.Second,
		},
		Replay: Replay{UndoWindow: 144},
		Atlas: Atlas{
			Enabled: true,
			Listen:  "0.0.0.0:6264",
			// atlas/v1rpc's defaults, which honest replication never meets.
			RateLimit:     8 << 20,
			RateBurst:     64 << 20,
			MaxConns:      512,
			MaxConnsPerIP: 8,
			RateExempt:    []string{"127.0.0.1/32", "::1/128"},
		},
		API: API{Listen: "127.0.0.1:6270"},
		// Room for a few memtable flushes and a compaction of the replay
		// state with margin; bitcoind stops at 50 MB.
		Storage: Storage{MinFreeMiB: 128},
	}
}
