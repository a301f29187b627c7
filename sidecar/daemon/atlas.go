package daemon

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/atlas/zonestore"
	"github.com/atlasd/atlasd/internal/replaychain"
	"github.com/atlasd/atlasd/plugin/backup"
	"github.com/atlasd/atlasd/sidecar/api"
)

// startAtlas opens the Atlas peer and, if configured, the backup drivers,
// and runs them until ctx ends.
func (d *Daemon) startAtlas(ctx context.Context, wg *sync.WaitGroup) error {
	if !d.cfg.Atlas.Enabled {
		d.log.Info().Msg("Atlas peer disabled (atlas.enabled = false)")
		return nil
	}
	var mgr *backup.Manager
	var feed *backupFeed
	// The four genesis-snapshot heights answer as v1's snapshot table did.
	chain := replaychain.Chain{Machine: d.Machine, Genesis: d.p.GenesisSnapshot, FirstBlock: d.p.FirstBlock}
	limits, err := atlasLimits(d.cfg.Atlas)
	if err != nil {
		return err
	}
	svc, err := service.Open(ctx, chain, filepath.Join(d.dir, "atlas"), service.Config{
		Listen:     d.cfg.Atlas.Listen,
		Hostname:   d.cfg.Atlas.Hostname,
		Seeds:      d.cfg.Atlas.Seeds,
		Blacklist:  d.cfg.Atlas.Blacklist,
		Limits:     limits,
		Testnet:    d.p.Network != "mainnet",
		Version:    "",
		FirstBlock: int64(d.p.FirstBlock),
		BlockCount: func(context.Context) (int64, error) {
			if t := d.nodeTip(); t >= 0 {
				return t, nil
			}
			return 0, errors.New("node tip not known yet")
		},
		Indexing: func() bool { t := d.nodeTip(); return t < 0 || t-d.indexed() > 6 },
		OnStored: func(h inventory.Hash, _ int32) {
			if feed != nil {
				feed.stored(ctx, h)
			}
		},
		// Zonefiles from peers and the replicator wait for room too.
		Store:  zonestore.Options{FS: d.guard.fs(), WriteGate: func() error { return d.guard.check("zonefile") }},
		Logger: d.log,
	})
	if err != nil {
		return fmt.Errorf("daemon: atlas: %w", err)
	}
	if len(d.cfg.Backup) > 0 {
		specs := make([]backup.Spec, len(d.cfg.Backup))
		for i, b := range d.cfg.Backup {
			specs[i] = backup.Spec{Name: b.Name, Path: b.Path, SHA256: b.SHA256, Settings: b.Settings}
		}
		if mgr, err = backup.New(ctx, backup.Config{
			Dir: filepath.Join(d.dir, "backup"), FS: d.guard.fs(), Drivers: specs, Source: coreSource{svc.Core()},
			Logger: d.log.With().Str("component", "backup").Logger(), Registerer: d.metrics.Registerer(),
		}); err != nil {
			svc.Close()
			return fmt.Errorf("daemon: backup: %w", err)
		}
		feed = newBackupFeed(d, mgr, svc.Core().Store())
	}
	d.mu.Lock()
	d.atlas, d.backup = svc, mgr
	d.mu.Unlock()
	d.log.Info().Str("listen", svc.Addr().String()).Str("self", svc.Self()).Int("backup_drivers", len(d.cfg.Backup)).Msg("Atlas peer listening")

	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := svc.Run(ctx); err != nil {
			d.log.Error().Err(err).Msg("Atlas peer stopped")
		}
		if err := svc.Close(); err != nil {
			d.log.Error().Err(err).Msg("Atlas store close")
		}
	}()
	go func() {
		defer wg.Done()
		d.atlasSyncLoop(ctx, svc)
	}()
	if mgr != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.runBackup(ctx, svc, mgr, feed)
		}()
	}
	return nil
}

// atlasSyncLoop brings the inventory up to the replay after every applied
// block or rollback (coalesced), and at least every minute so getinfo is
// never stale on a quiet chain.
func (d *Daemon) atlasSyncLoop(ctx context.Context, svc *service.Service) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := svc.SyncChain(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn().Err(err).Msg("Atlas inventory sync failed; retrying at the next block")
		}
		select {
		case <-ctx.Done():
			return
		case <-d.atlasKick:
		case <-t.C:
		}
	}
}

// kickAtlas asks the sync loop for a pass; it never blocks the follower.
func (d *Daemon) kickAtlas() {
	select {
	case d.atlasKick <- struct{}{}:
	default:
	}
}

// runBackup runs the drivers, queues zonefiles held before a driver was
// configured, and restores missing zonefiles from the drivers before the
// peers are asked (the replicator asks peers for whatever is still missing).
func (d *Daemon) runBackup(ctx context.Context, svc *service.Service, mgr *backup.Manager, feed *backupFeed) {
	defer mgr.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Run(ctx); err != nil && ctx.Err() == nil {
			d.log.Error().Err(err).Msg("backup drivers stopped")
		}
	}()
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		feed.run(ctx)
	}()
	defer func() { <-fed }()
	// Backfill and restore both write; with the disk nearly full they wait.
	if err := d.guard.wait(ctx, "backup"); err != nil {
		<-done
		return
	}
	store := svc.Core().Store()
	if names, err := mgr.Backfill(ctx, func(fn func(backup.Hash) error) error {
		return store.Scan(func(h inventory.Hash) error { return fn(backup.Hash(h)) })
	}); err != nil && ctx.Err() == nil {
		d.log.Warn().Err(err).Msg("backup backfill failed")
	} else if len(names) > 0 {
		d.log.Info().Strs("drivers", names).Msg("queued every held zonefile for new backup drivers")
	}
	// Restore once the inventory knows what the chain announced.
	for ctx.Err() == nil {
		if svc.Core().SyncedBlock() >= d.indexed() && d.nodeTip() >= 0 && d.indexed() >= d.nodeTip() {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	if missing := svc.Core().MissingHashes(1 << 20); len(missing) > 0 && ctx.Err() == nil {
		wanted := make([]backup.Hash, len(missing))
		for i, h := range missing {
			wanted[i] = backup.Hash(h)
		}
		res, err := mgr.Restore(ctx, wanted, coreSink{d, svc})
		if err != nil && ctx.Err() == nil {
			d.log.Warn().Err(err).Msg("restore from backup drivers failed")
		}
		d.log.Info().Int("wanted", len(wanted)).Int("restored", res.Restored).Msg("restore from backup drivers done")
	}
	<-done
}

// coreSource hands stored zonefiles to the backup uploads.
type coreSource struct{ c *node.Core }

func (s coreSource) Zonefile(_ context.Context, h backup.Hash) ([]byte, error) {
	data, err := s.c.Get(inventory.Hash(h))
	if errors.Is(err, zonestore.ErrNotFound) || errors.Is(err, zonestore.ErrCorrupt) {
		return nil, backup.ErrNotHeld
	}
	return data, err
}

// coreSink stores restored zonefiles through the Atlas peer, which checks
// they were announced.
type coreSink struct {
	d *Daemon
	s *service.Service
}

func (k coreSink) Store(ctx context.Context, zfs []backup.Zonefile) error {
	if err := k.d.guard.check("zonefile"); err != nil {
		return err
	}
	data := make([][]byte, len(zfs))
	for i, z := range zfs {
		data[i] = z.Data
	}
	_, err := k.s.Put(ctx, data)
	return err
}

// errAtlasStarting answers API calls that reach the Atlas peer before it is
// open.
var errAtlasStarting = fmt.Errorf("%w: the Atlas peer is starting", api.ErrUnavailable)

// atlasAPI is the Atlas peer as the REST API sees it.
type atlasAPI struct{ d *Daemon }

func (a atlasAPI) svc() *service.Service {
	a.d.mu.Lock()
	defer a.d.mu.Unlock()
	return a.d.atlas
}

func (a atlasAPI) Zonefile(hash string) ([]byte, bool, error) {
	s := a.svc()
	if s == nil {
		return nil, false, errAtlasStarting
	}
	h, err := inventory.ParseHash(hash)
	if err != nil {
		return nil, false, err
	}
	data, err := s.Core().Get(h)
	if errors.Is(err, zonestore.ErrNotFound) || errors.Is(err, zonestore.ErrCorrupt) {
		return nil, false, nil
	}
	return data, err == nil, err
}

func (a atlasAPI) Put(ctx context.Context, zfs [][]byte) ([]bool, []string, error) {
	s := a.svc()
	if s == nil {
		return nil, nil, errAtlasStarting
	}
	if err := a.d.guard.check("zonefile"); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", api.ErrUnavailable, err)
	}
	st, err := s.Put(ctx, zfs)
	if err != nil {
		return nil, nil, err
	}
	saved, why := make([]bool, len(st)), make([]string, len(st))
	for i, x := range st {
		saved[i] = x.Saved()
		if !saved[i] {
			why[i] = x.String()
		}
	}
	return saved, why, nil
}

func (a atlasAPI) Peers() any {
	s := a.svc()
	if s == nil {
		return []any{}
	}
	return s.Status().Peers
}

func (a atlasAPI) Inventory() (int, int, []byte) {
	s := a.svc()
	if s == nil {
		return 0, 0, nil
	}
	p, t := s.Inventory()
	return p, t, s.Core().Vector().Bytes()
}

// PutZonefiles offers zonefiles to the Atlas peer, as POST /v1/zonefile
// does; saved[i] reports whether zonefiles[i] is now held.
func (d *Daemon) PutZonefiles(ctx context.Context, zonefiles [][]byte) ([]bool, error) {
	saved, _, err := atlasAPI{d}.Put(ctx, zonefiles)
	return saved, err
}

// AtlasAddr is the Atlas peer's listening address, "" when it is off or
// not started.
func (d *Daemon) AtlasAddr() string {
	if s := (atlasAPI{d}).svc(); s != nil {
		return s.Addr().String()
	}
	return ""
}

// ZonefileHeld reports whether the Atlas peer holds a verified copy of the
// zonefile with this hash (hex).
func (d *Daemon) ZonefileHeld(hash string) bool {
	_, ok, err := atlasAPI{d}.Zonefile(hash)
	return ok && err == nil
}
