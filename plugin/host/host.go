package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/plugin/driver"
)

// ErrUnavailable means no running plugin could serve the call: Run has not
// started it yet and the caller's context ended first, or Run has returned.
var ErrUnavailable = errors.New("host: driver unavailable")

// Host runs one plugin driver and implements driver.Driver on top of it.
type Host struct {
	cfg     Config
	sum     []byte
	log     zerolog.Logger
	metrics *metrics
	backoff backoff
	// suspect carries an instance a call found unreachable to the
	// supervisor, which then replaces it without waiting for the next check.
	suspect chan *instance
	// probe carries an instance a call timed out on to the supervisor,
	// which then checks that it still answers.
	probe chan *instance
	// restarts mirrors the restarts metric for Restarts.
	restarts atomic.Uint64

	mu       sync.Mutex
	settings map[string]string
	cur      *instance     // nil while (re)starting
	changed  chan struct{} // closed and replaced whenever cur or done changes
	done     error         // non-nil once Run has returned
	running  bool
}

// instance is one started plugin process.
type instance struct {
	client *plugin.Client
	drv    driver.Driver
	desc   driver.Description
	pid    int
	// proc is the plugin process, for killing it without go-plugin's
	// help when it does not answer.
	proc *os.Process
}

var _ driver.Driver = (*Host)(nil)

// New checks cfg and returns a Host that does nothing until Run. Logs go to
// log with a "driver" field; metrics are registered on reg unless it is nil.
func New(cfg Config, log zerolog.Logger, reg prometheus.Registerer) (*Host, error) {
	cfg, sum, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(reg, cfg.Name)
	if err != nil {
		return nil, fmt.Errorf("host: driver %q: metrics: %w", cfg.Name, err)
	}
	return &Host{
		cfg:      cfg,
		sum:      sum,
		log:      log.With().Str("driver", cfg.Name).Logger(),
		metrics:  m,
		backoff:  backoff{min: cfg.MinBackoff, max: cfg.MaxBackoff},
		suspect:  make(chan *instance, 1),
		probe:    make(chan *instance, 1),
		settings: cfg.Settings,
		changed:  make(chan struct{}),
	}, nil
}

// Run starts the plugin and keeps it running until ctx ends, then stops it
// and returns nil. It returns an error early only for failures a restart
// cannot fix: a missing, unreadable or mismatching binary, or settings the
// driver refuses. Run may be called once.
func (h *Host) Run(ctx context.Context) error {
	h.mu.Lock()
	if h.running || h.done != nil {
		h.mu.Unlock()
		return fmt.Errorf("host: driver %q: Run called twice", h.cfg.Name)
	}
	h.running = true
	h.mu.Unlock()

	err := h.supervise(ctx)
	stopped := err
	if stopped == nil {
		stopped = fmt.Errorf("%w: driver %q stopped", ErrUnavailable, h.cfg.Name)
	}
	h.setState(nil, stopped)
	return err
}

func (h *Host) supervise(ctx context.Context) error {
	// Every plugin is started from this goroutine, and the kernel kills a
	// plugin when the thread that started it ends (see setDeathSignal).
	// Go ends a thread only when a goroutine locked to it exits still
	// locked, so locking this goroutine keeps its thread alive, and the
	// plugins with it, exactly as long as Run.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	failures := 0
	for {
		inst, err := h.start(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if fatal(err) {
				h.log.Error().Err(err).Msg("driver cannot be started")
				return err
			}
			failures++
			wait := h.backoff.delay(failures)
			h.log.Warn().Err(err).Dur("retry_in", wait).Msg("driver start failed")
			if !sleep(ctx, wait) {
				return nil
			}
			continue
		}
		started := time.Now()
		h.log.Info().Str("name", inst.desc.Name).Str("version", inst.desc.Version).Int("pid", inst.pid).Msg("driver started")
		h.setState(inst, nil)
		h.metrics.up.Set(1)

		reason := h.watch(ctx, inst)
		h.setState(nil, nil)
		h.metrics.up.Set(0)
		if ctx.Err() != nil {
			inst.stop()
			return nil
		}
		inst.kill()

		if time.Since(started) >= h.cfg.MaxBackoff {
			failures = 0
		}
		failures++
		wait := h.backoff.delay(failures)
		h.metrics.restarts.Inc()
		h.restarts.Add(1)
		h.log.Error().Int("pid", inst.pid).Str("reason", reason).Dur("restart_in", wait).Msg("driver went away; restarting")
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

// watch returns when ctx ends or inst is gone, with the reason.
func (h *Host) watch(ctx context.Context, inst *instance) string {
	tick := time.NewTicker(h.cfg.CheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return "shutdown"
		case s := <-h.suspect:
			if s == inst {
				return "unreachable during a call"
			}
		case s := <-h.probe:
			if s != inst {
				continue
			}
			if why := h.check(ctx, inst); why != "" {
				return why
			}
		case <-tick.C:
		}
		if inst.client.Exited() {
			return "process exited"
		}
	}
}

// start launches the plugin, then describes and configures it.
func (h *Host) start(ctx context.Context) (*instance, error) {
	// Checked here, before go-plugin runs anything, for a clear message;
	// go-plugin checks again right before exec.
	if err := verifyChecksum(h.cfg.Name, h.cfg.Path, h.sum); err != nil {
		return nil, err
	}
	cmd := exec.Command(h.cfg.Path, h.cfg.Args...)
	// go-plugin appends the host environment (the standard credential
	// chains of cloud SDKs read it) after this.
	cmd.Env = []string{driver.LogLevelEnv + "=" + strings.ToLower(toHCLog(h.log.GetLevel()).String())}
	setDeathSignal(cmd)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  driver.HandshakeConfig(),
		VersionedPlugins: driver.VersionedPlugins(nil),
		Cmd:              cmd,
		SecureConfig:     &plugin.SecureConfig{Checksum: h.sum, Hash: sha256.New()},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		StartTimeout:     h.cfg.StartTimeout,
		Logger:           newHCLogBridge(h.log, filepath.Base(h.cfg.Path)),
		Stderr:           stderrWriter(h.log.With().Str("plugin", filepath.Base(h.cfg.Path)).Logger()),
		SyncStdout:       stdioWriter(h.log, zerolog.InfoLevel, "stdout"),
		SyncStderr:       stdioWriter(h.log, zerolog.WarnLevel, "stderr"),
	})
	inst, err := h.connect(ctx, client, cmd)
	if err != nil {
		// A plugin that hung while being described or configured
		// would keep go-plugin's Kill waiting for good.
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
		client.Kill()
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			return nil, fmt.Errorf("%w: driver %q: %s changed between check and exec", ErrChecksum, h.cfg.Name, h.cfg.Path)
		}
		return nil, fmt.Errorf("host: driver %q: start %s: %w", h.cfg.Name, h.cfg.Path, err)
	}
	return inst, nil
}

func (h *Host) connect(ctx context.Context, client *plugin.Client, cmd *exec.Cmd) (*instance, error) {
	rpc, err := client.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense(driver.PluginName)
	if err != nil {
		return nil, err
	}
	drv, ok := raw.(driver.Driver)
	if !ok {
		return nil, fmt.Errorf("plugin dispensed %T, not a driver", raw)
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.StartTimeout)
	defer cancel()
	desc, err := drv.Describe(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	settings := h.settings
	h.mu.Unlock()
	if err := drv.Configure(ctx, driver.ConfigureRequest{Settings: settings}); err != nil {
		return nil, fmt.Errorf("configure: %w", err)
	}
	// go-plugin started cmd inside client.Client, so Process is set.
	inst := &instance{client: client, drv: drv, desc: desc, proc: cmd.Process}
	if rc := client.ReattachConfig(); rc != nil {
		inst.pid = rc.Pid
	}
	return inst, nil
}

// fatal reports start errors that a restart cannot fix: the binary is not
// the vouched-for one or cannot be read at all (a wrong path), or the driver
// refuses its settings.
func fatal(err error) bool {
	return errors.Is(err, ErrChecksum) ||
		errors.Is(err, fs.ErrNotExist) ||
		errors.Is(err, fs.ErrPermission) ||
		errors.Is(err, driver.ErrInvalidArgument)
}

// setState publishes a new current instance (or none) and wakes waiters.
func (h *Host) setState(inst *instance, done error) {
	h.mu.Lock()
	h.cur = inst
	if done != nil {
		h.done = done
	}
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// acquire returns a running instance other than not, waiting for one as long
// as ctx allows.
func (h *Host) acquire(ctx context.Context, not *instance) (*instance, error) {
	for {
		h.mu.Lock()
		cur, done, changed := h.cur, h.done, h.changed
		h.mu.Unlock()
		if cur != nil && cur != not {
			return cur, nil
		}
		if done != nil {
			return nil, done
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: driver %q not running: %w", ErrUnavailable, h.cfg.Name, ctx.Err())
		case <-changed:
		}
	}
}

// sleep waits d or until ctx ends; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
