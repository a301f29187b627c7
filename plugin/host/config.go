package host

import (
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for the optional Config fields.
const (
	DefaultStartTimeout  = 30 * time.Second
	DefaultMinBackoff    = 500 * time.Millisecond
	DefaultMaxBackoff    = time.Minute
	DefaultCheckInterval = time.Second
	DefaultProbeTimeout  = 10 * time.Second
)

// Config describes one plugin driver.
type Config struct {
	// Name identifies this driver instance in logs and metrics.
	Name string
	// Path is the absolute path of the plugin binary.
	Path string
	// Args are extra command-line arguments for the plugin.
	Args []string
	// SHA256 is the binary's expected checksum in hex. It is required: it
	// must come from the operator, who vouches for the binary.
	SHA256 string
	// Settings are passed to the driver's Configure after every start.
	Settings map[string]string
	// StartTimeout bounds launching, handshake, Describe and Configure.
	StartTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a restart. The wait
	// doubles with each failure in a row.
	MinBackoff, MaxBackoff time.Duration
	// CheckInterval is how often the process is checked for having exited.
	CheckInterval time.Duration
	// ProbeTimeout bounds the Describe call sent to a plugin after a call
	// to it used up its caller's deadline. A plugin that does not answer
	// it in time is hung: it is killed and restarted.
	ProbeTimeout time.Duration
}

// validate returns a cleaned copy with defaults filled in, and the decoded
// checksum.
func (c Config) validate() (Config, []byte, error) {
	if c.Name == "" {
		return c, nil, errors.New("host: config: empty driver name")
	}
	if !filepath.IsAbs(c.Path) {
		return c, nil, fmt.Errorf("host: config: driver %q: path %q is not absolute", c.Name, c.Path)
	}
	sum, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(c.SHA256)))
	if err != nil || len(sum) != 32 {
		return c, nil, fmt.Errorf("host: config: driver %q: sha256 must be 64 hex digits, got %q", c.Name, c.SHA256)
	}
	c.Path = filepath.Clean(c.Path)
	c.Args = append([]string(nil), c.Args...)
	c.Settings = maps.Clone(c.Settings)
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		return c, nil, fmt.Errorf("host: config: driver %q: max backoff %v below min backoff %v", c.Name, c.MaxBackoff, c.MinBackoff)
	}
	if c.CheckInterval <= 0 {
		c.CheckInterval = DefaultCheckInterval
	}
	if c.ProbeTimeout <= 0 {
		c.ProbeTimeout = DefaultProbeTimeout
	}
	return c, sum, nil
}
