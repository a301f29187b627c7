package backup

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/cockroachdb/pebble"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/host"
)

// Manager keeps zonefiles backed up to its drivers and restores them. Create
// it with New, run it with Run, and Close it after Run has returned.
type Manager struct {
	cfg     Config
	log     zerolog.Logger
	q       *queue
	targets []*target
	names   []string

	// restoring holds (driver, hash) pairs being handed to a Sink: the
	// node's notification for them comes back through Enqueue, and the
	// driver they came from need not get them again.
	rmu       sync.Mutex
	restoring map[restoredFrom]struct{}

	runMu   sync.Mutex
	started bool
}

type restoredFrom struct {
	name string
	hash Hash
}

// New checks cfg, prepares every driver and opens the queue. Plugin binaries
// are checked against their SHA-256 here, so a wrong checksum fails New with
// an error matching host.ErrChecksum; the built-in driver is configured here,
// plugins when Run starts them.
func New(ctx context.Context, cfg Config) (*Manager, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	m := &Manager{
		cfg:       cfg,
		log:       cfg.Logger.With().Str("component", "backup").Logger(),
		restoring: make(map[restoredFrom]struct{}),
	}
	for _, spec := range cfg.Drivers {
		t, err := m.newTarget(ctx, spec)
		if err != nil {
			return nil, err
		}
		m.targets = append(m.targets, t)
		m.names = append(m.names, spec.Name)
	}
	if m.q, err = openQueueOn(cfg.FS, cfg.Dir, m.log.With().Str("db", "backup-queue").Logger()); err != nil {
		return nil, err
	}
	if err := m.loadCounts(); err != nil {
		m.q.close()
		return nil, err
	}
	m.q.reopened = m.recount
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(&collector{m: m}); err != nil {
			m.q.close()
			return nil, fmt.Errorf("backup: metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Manager) newTarget(ctx context.Context, spec Spec) (*target, error) {
	log := m.log.With().Str("driver", spec.Name).Logger()
	scrub := newScrubber(spec.Settings)
	if spec.Path == BuiltinDir {
		d := dirdriver.New()
		if err := d.Configure(ctx, driver.ConfigureRequest{Settings: spec.Settings}); err != nil {
			return nil, fmt.Errorf("backup: driver %q: %s", spec.Name, scrub.Replace(err.Error()))
		}
		return newTarget(spec, d, nil, log), nil
	}
	h, err := host.New(host.Config{
		Name:          spec.Name,
		Path:          spec.Path,
		SHA256:        spec.SHA256,
		Settings:      spec.Settings,
		StartTimeout:  m.cfg.Plugin.StartTimeout,
		MinBackoff:    m.cfg.Plugin.MinBackoff,
		MaxBackoff:    m.cfg.Plugin.MaxBackoff,
		CheckInterval: m.cfg.Plugin.CheckInterval,
		ProbeTimeout:  m.cfg.Plugin.ProbeTimeout,
	}, m.cfg.Logger, m.cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("backup: driver %q: %w", spec.Name, err)
	}
	if err := h.Verify(); err != nil {
		return nil, fmt.Errorf("backup: driver %q refused: %w", spec.Name, err)
	}
	return newTarget(spec, h, h, log), nil
}

// loadCounts sets each driver's queue depth from the database and reports
// items left behind by drivers no longer configured.
func (m *Manager) loadCounts() error {
	counts, err := m.q.counts()
	if err != nil {
		return err
	}
	for _, t := range m.targets {
		t.queued.Store(counts[t.spec.Name])
		delete(counts, t.spec.Name)
	}
	orphans := make([]string, 0, len(counts))
	for name := range counts {
		orphans = append(orphans, name)
	}
	sort.Strings(orphans)
	for _, name := range orphans {
		m.log.Warn().Str("driver", name).Int64("queued", counts[name]).
			Msg("queued uploads for a driver that is no longer configured; they stay until it is configured again")
	}
	return nil
}

// recount sets the drivers' depths from a queue database just reopened
// after a failed write (see queue.heal).
func (m *Manager) recount(db *pebble.DB) {
	counts, err := countIn(db)
	if err != nil {
		m.log.Warn().Err(err).Msg("recounting the upload queue after a reopen")
		return
	}
	for _, t := range m.targets {
		t.queued.Store(counts[t.spec.Name])
	}
}

// Run starts the plugin drivers and drains the queue until ctx ends. A plugin
// whose binary or settings are refused is marked failed in Status and its
// items stay queued; the other drivers carry on. Run may be called once.
func (m *Manager) Run(ctx context.Context) error {
	m.runMu.Lock()
	if m.started {
		m.runMu.Unlock()
		return errors.New("backup: Run called twice")
	}
	m.started = true
	m.runMu.Unlock()

	var wg sync.WaitGroup
	for _, t := range m.targets {
		tctx, cancel := context.WithCancel(ctx)
		if t.host != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := t.host.Run(tctx)
				if err != nil && ctx.Err() == nil {
					t.giveUp(m.cfg.Now(), err)
					t.log.Error().Str("error", t.redact(err)).Msg("backup driver stopped for good; its uploads stay queued")
					cancel()
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel()
			m.drain(tctx, t)
		}()
	}
	wg.Wait()
	return nil
}

// Close closes the queue. Call it after Run has returned.
func (m *Manager) Close() error { return m.q.close() }

// Enqueue queues hashes for upload to every driver, durably: when it returns
// nil the items survive a crash. Hashes already queued for a driver are left
// as they are. The daemon calls it from the node's notification hook.
func (m *Manager) Enqueue(ctx context.Context, hashes ...Hash) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("backup: enqueue: %w", err)
	}
	if len(hashes) == 0 || len(m.targets) == 0 {
		return nil
	}
	added, err := m.q.enqueue(m.names, hashes, m.skipRestoring, true)
	if err != nil {
		return err
	}
	m.credit(added)
	return nil
}

// credit adds enqueued counts to the drivers and wakes their loops.
func (m *Manager) credit(added map[string]int64) {
	for _, t := range m.targets {
		if n := added[t.spec.Name]; n > 0 {
			t.queued.Add(n)
			t.wakeUp()
		}
	}
}

func (m *Manager) skipRestoring(name string, h Hash) bool {
	m.rmu.Lock()
	defer m.rmu.Unlock()
	_, ok := m.restoring[restoredFrom{name, h}]
	return ok
}

// backfillBatch is how many hashes Backfill writes per batch.
const backfillBatch = 1024

// Backfill queues every hash that scan yields for each driver that has never
// been backfilled (a new configuration, or a driver added to one), then
// marks those drivers. scan is called only if some driver needs it; it
// should stream the node's held zonefile hashes and stop with the first
// error fn returns. Backfill returns the names it backfilled. An interrupted
// backfill is redone in full next time, which is harmless.
func (m *Manager) Backfill(ctx context.Context, scan func(fn func(Hash) error) error) ([]string, error) {
	var todo []string
	for _, t := range m.targets {
		done, err := m.q.backfilled(t.spec.Name)
		if err != nil {
			return nil, err
		}
		if !done {
			todo = append(todo, t.spec.Name)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	buf := make([]Hash, 0, backfillBatch)
	flush := func() error {
		// Unsynced: the synced mark below makes them durable, and a crash
		// before it means the backfill runs again.
		added, err := m.q.enqueue(todo, buf, nil, false)
		if err != nil {
			return err
		}
		m.credit(added)
		buf = buf[:0]
		return nil
	}
	err := scan(func(h Hash) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf = append(buf, h)
		if len(buf) == cap(buf) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, fmt.Errorf("backup: backfill: %w", err)
	}
	if err := m.q.markBackfilled(todo, m.cfg.Now().UnixNano()); err != nil {
		return nil, err
	}
	m.log.Info().Strs("drivers", todo).Msg("backfilled the upload queue with every held zonefile")
	return todo, nil
}
