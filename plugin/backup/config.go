package backup

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"time"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// BuiltinDir is the Spec.Path naming the in-process directory driver.
const BuiltinDir = "builtin:dir"

// Spec is one configured driver; it mirrors the daemon's [[backup]] entry.
type Spec struct {
	// Name identifies the driver in the queue, logs, status and metrics.
	// Renaming a driver orphans its queued items.
	Name string
	// Path is the absolute path of a plugin binary, or BuiltinDir.
	Path string
	// SHA256 is the plugin binary's checksum in hex; empty for BuiltinDir.
	SHA256 string
	// Settings go to the driver's Configure. They may hold secrets.
	Settings map[string]string
}

// Defaults for the optional Config fields.
const (
	DefaultConcurrency        = 4
	DefaultRestoreConcurrency = 8
	DefaultCallTimeout        = 30 * time.Second
	DefaultMinRetry           = time.Second
	DefaultMaxRetry           = 5 * time.Minute
)

// Config configures a Manager.
type Config struct {
	// Dir holds the queue's Pebble database; it is created 0700.
	Dir string
	// FS is the file system Dir is on (nil: the OS's). The daemon passes
	// one that frees its disk-space ballast when a write finds the disk
	// full.
	FS vfs.FS
	// Drivers are the backup drivers, in the order restores ask them.
	Drivers []Spec
	// Source reads zonefiles for upload. Required.
	Source Source
	// Logger receives the manager's, the hosts' and Pebble's messages.
	Logger zerolog.Logger
	// Registerer, if set, gets the backup metrics and the plugin hosts'.
	Registerer prometheus.Registerer
	// Concurrency bounds the uploads in flight per driver.
	Concurrency int
	// RestoreConcurrency bounds the fetches in flight during a restore.
	RestoreConcurrency int
	// CallTimeout bounds each driver call, including the wait for a
	// restarting plugin.
	CallTimeout time.Duration
	// MinRetry and MaxRetry bound the backoff of a failed item and of a
	// failing driver; the wait doubles per failure in a row, with jitter.
	MinRetry, MaxRetry time.Duration
	// Plugin tunes the plugin hosts; zero fields take plugin/host's
	// defaults.
	Plugin PluginTuning
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// PluginTuning carries the plugin/host timings the manager passes through.
type PluginTuning struct {
	StartTimeout           time.Duration
	MinBackoff, MaxBackoff time.Duration
	CheckInterval          time.Duration
	// ProbeTimeout bounds the check that a plugin still answers after a
	// call to it timed out; one that does not is killed and restarted.
	ProbeTimeout time.Duration
}

// maxDrivers bounds the driver list; each one runs a process and a loop.
const maxDrivers = 64

// driverName is the name rule of the daemon's configuration; the queue key
// relies on names being short and free of NUL bytes.
var driverName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// validate returns a cleaned copy with defaults filled in.
func (c Config) validate() (Config, error) {
	if c.Dir == "" {
		return c, errors.New("backup: config: empty queue directory")
	}
	if c.Source == nil {
		return c, errors.New("backup: config: no zonefile source")
	}
	if len(c.Drivers) > maxDrivers {
		return c, fmt.Errorf("backup: config: %d drivers, at most %d", len(c.Drivers), maxDrivers)
	}
	specs := make([]Spec, len(c.Drivers))
	seen := make(map[string]bool, len(c.Drivers))
	for i, s := range c.Drivers {
		if !driverName.MatchString(s.Name) {
			return c, fmt.Errorf("backup: config: driver %d: name %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", i, s.Name)
		}
		if seen[s.Name] {
			return c, fmt.Errorf("backup: config: driver name %q used twice", s.Name)
		}
		seen[s.Name] = true
		if s.Path == "" {
			return c, fmt.Errorf("backup: config: driver %q: empty path", s.Name)
		}
		if s.Path == BuiltinDir && s.SHA256 != "" {
			return c, fmt.Errorf("backup: config: driver %q: %s has no binary to check, so sha256 must be empty", s.Name, BuiltinDir)
		}
		s.Settings = maps.Clone(s.Settings)
		specs[i] = s
	}
	c.Drivers = specs
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.RestoreConcurrency <= 0 {
		c.RestoreConcurrency = DefaultRestoreConcurrency
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.MinRetry <= 0 {
		c.MinRetry = DefaultMinRetry
	}
	if c.MaxRetry <= 0 {
		c.MaxRetry = DefaultMaxRetry
	}
	if c.MaxRetry < c.MinRetry {
		return c, fmt.Errorf("backup: config: max retry %v below min retry %v", c.MaxRetry, c.MinRetry)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}
