package chaos

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/atlasd/atlasd/plugin/driver"
)

// ExitCode is the status a process exits with when a fault crashes it.
const ExitCode = 3

// Options are the process-level actions of faults, replaceable so that the
// decisions can be tested in-process.
type Options struct {
	// Tear writes part of key's blob where the wrapped driver keeps it,
	// given the wrapped driver's settings. Without it Torn crashes like
	// Crash.
	Tear func(settings map[string]string, key string, part []byte) error
	// Exit ends the process; default os.Exit.
	Exit func(code int)
	// Freeze stops the process; default SIGSTOP to itself, never
	// returning.
	Freeze func()
	// Block never returns; default blocks forever. Stall and Deadlock use
	// it.
	Block func()
	// Logger receives a line per fault; default none.
	Logger hclog.Logger
}

// Driver is a driver.Driver that injects faults around another one.
type Driver struct {
	inner driver.Driver
	opts  Options

	mu         sync.Mutex
	cfg        Config
	inSettings map[string]string
	configured bool
	start      int
	rng        *rand.Rand
	calls      int // calls faults were decided for, for the script

	deadlocked atomic.Bool
}

var _ driver.Driver = (*Driver)(nil)

// New wraps inner.
func New(inner driver.Driver, opts Options) *Driver {
	if opts.Exit == nil {
		opts.Exit = os.Exit
	}
	if opts.Freeze == nil {
		opts.Freeze = freezeSelf
	}
	if opts.Block == nil {
		opts.Block = func() { select {} }
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	return &Driver{inner: inner, opts: opts}
}

// Start returns this process's start number (0 until configured, or
// without a state file).
func (d *Driver) Start() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.start
}

// Configure implements driver.Driver. The first successful Configure of a
// process counts a start and seeds the fault stream; later ones only take
// the new rates.
func (d *Driver) Configure(ctx context.Context, req driver.ConfigureRequest) error {
	d.waitIfDeadlocked()
	cfg, inner, err := ParseSettings(req.Settings)
	if err != nil {
		return err
	}
	if err := d.inner.Configure(ctx, driver.ConfigureRequest{Settings: inner}); err != nil {
		return err
	}
	d.mu.Lock()
	first := !d.configured
	if first {
		start, salt := 0, uint64(os.Getpid())
		if cfg.State != "" {
			if start, err = nextStart(cfg.State); err != nil {
				d.mu.Unlock()
				return err
			}
			salt = uint64(start)
		}
		d.start = start
		d.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), salt))
		d.configured = true
	}
	d.cfg, d.inSettings = cfg, inner
	start := d.start
	d.mu.Unlock()
	if first {
		if err := appendLine(cfg.Journal, fmt.Sprintf("start %d pid %d %d", start, os.Getpid(), time.Now().UnixNano())); err != nil {
			return err
		}
	}
	return d.run(ctx, "configure", "", func(context.Context) error { return nil }, nil, nil)
}

// Describe implements driver.Driver.
func (d *Driver) Describe(ctx context.Context) (driver.Description, error) {
	var desc driver.Description
	err := d.run(ctx, "describe", "", func(ctx context.Context) (err error) {
		desc, err = d.inner.Describe(ctx)
		return err
	}, nil, nil)
	return desc, err
}

// Put implements driver.Driver.
func (d *Driver) Put(ctx context.Context, req driver.PutRequest) error {
	return d.run(ctx, "put", req.Key, func(ctx context.Context) error { return d.inner.Put(ctx, req) }, req.Data, nil)
}

// Get implements driver.Driver.
func (d *Driver) Get(ctx context.Context, req driver.GetRequest) (driver.GetResponse, error) {
	var resp driver.GetResponse
	corrupt := false
	err := d.run(ctx, "get", req.Key, func(ctx context.Context) (err error) {
		resp, err = d.inner.Get(ctx, req)
		return err
	}, nil, &corrupt)
	if err == nil && corrupt {
		resp.Data = d.damage(resp.Data)
	}
	return resp, err
}

// Stat implements driver.Driver.
func (d *Driver) Stat(ctx context.Context, req driver.StatRequest) (driver.StatResponse, error) {
	var resp driver.StatResponse
	err := d.run(ctx, "stat", req.Key, func(ctx context.Context) (err error) {
		resp, err = d.inner.Stat(ctx, req)
		return err
	}, nil, nil)
	return resp, err
}

// List implements driver.Driver.
func (d *Driver) List(ctx context.Context, req driver.ListRequest) (driver.ListResponse, error) {
	var resp driver.ListResponse
	err := d.run(ctx, "list", "", func(ctx context.Context) (err error) {
		resp, err = d.inner.List(ctx, req)
		return err
	}, nil, nil)
	return resp, err
}

// run decides the fault for one call and does the call around it. data is
// a Put's blob, for Torn; corrupt is a Get's flag, set for Corrupt.
func (d *Driver) run(ctx context.Context, op, key string, do func(context.Context) error, data []byte, corrupt *bool) error {
	d.waitIfDeadlocked()
	k, slow := d.decide(op, key)
	switch k {
	case Crash:
		d.opts.Exit(ExitCode)
		return fmt.Errorf("chaos: %s %s: crashed", op, key)
	case CrashAfter:
		_ = do(ctx)
		d.opts.Exit(ExitCode)
		return fmt.Errorf("chaos: %s %s: crashed after the call", op, key)
	case Torn:
		if d.opts.Tear != nil {
			d.mu.Lock()
			settings := maps.Clone(d.inSettings)
			d.mu.Unlock()
			if err := d.opts.Tear(settings, key, data[:len(data)/2]); err != nil {
				d.opts.Logger.Error("chaos: tearing a blob failed; crashing anyway", "key", key, "error", err)
			}
		}
		d.opts.Exit(ExitCode)
		return fmt.Errorf("chaos: %s %s: crashed half way", op, key)
	case Stall:
		d.opts.Block()
		return fmt.Errorf("chaos: %s %s: stalled", op, key)
	case Deadlock:
		d.deadlocked.Store(true)
		d.opts.Block()
		return fmt.Errorf("chaos: %s %s: deadlocked", op, key)
	case Freeze:
		d.opts.Freeze()
	case Error:
		return fmt.Errorf("chaos: injected failure of %s %s", op, key)
	case Slow:
		time.Sleep(slow)
		// The work goes ahead even if the caller has given up, as a
		// slow store's write would.
		return do(context.WithoutCancel(ctx))
	case Corrupt:
		if corrupt != nil {
			*corrupt = true
		}
	}
	return do(ctx)
}

// waitIfDeadlocked blocks for good once a Deadlock fault has happened.
func (d *Driver) waitIfDeadlocked() {
	if d.deadlocked.Load() {
		d.opts.Block()
	}
}

// decide draws the fault for one call, journals it and logs it. It returns
// None before the first Configure: a driver must describe itself before it
// is configured.
func (d *Driver) decide(op, key string) (Kind, time.Duration) {
	d.mu.Lock()
	if !d.configured || !d.cfg.Ops[op] {
		d.mu.Unlock()
		return None, 0
	}
	k := None
	if script := d.cfg.Script[d.start]; d.calls < len(script) {
		k = script[d.calls]
	} else {
		u, acc := d.rng.Float64(), 0.0
		for _, kind := range Kinds {
			acc += d.cfg.Rates[kind]
			if u < acc {
				k = kind
				break
			}
		}
	}
	d.calls++
	var slow time.Duration
	if k == Slow && d.cfg.SlowMax > 0 {
		slow = time.Duration(d.rng.Int64N(int64(d.cfg.SlowMax) + 1))
	}
	start, journal := d.start, d.cfg.Journal
	d.mu.Unlock()
	if !applies(k, op) {
		return None, 0
	}
	shown := key
	if shown == "" {
		shown = "-"
	}
	if err := appendLine(journal, fmt.Sprintf("fault %d %s %s %s %d", start, k, op, shown, time.Now().UnixNano())); err != nil {
		// An unrecorded fault would make the count a test relies on
		// wrong; better to inject nothing.
		d.opts.Logger.Error("chaos: journal unwritable; fault not injected", "error", err)
		return None, 0
	}
	d.opts.Logger.Warn("chaos: injecting fault", "fault", string(k), "call", op, "key", key, "start", start)
	return k, slow
}

// damage returns a copy of data with one byte changed.
func (d *Driver) damage(data []byte) []byte {
	out := append([]byte(nil), data...)
	if len(out) == 0 {
		return []byte{0}
	}
	d.mu.Lock()
	i := d.rng.IntN(len(out))
	d.mu.Unlock()
	out[i] ^= 0x20
	return out
}
