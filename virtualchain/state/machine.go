package state

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/internal/pebblefault"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// Options tune a Machine.
type Options struct {
	// UndoWindow is how many recent blocks can be rolled back (default 144).
	UndoWindow uint64
	// Sync makes every block commit fsync. Off during initial sync: each
	// batch is still atomic, so a crash loses at most the last blocks, which
	// are replayed from the node.
	Sync bool
	// Logger receives per-block debug lines and warnings.
	Logger zerolog.Logger
	// TokenGenesis, when set, is the path of the v1 token genesis
	// allocation; without it the replay stops where token rules begin.
	TokenGenesis string
	// FS is the file system the database lives on (default: the OS's). The
	// daemon passes one that frees its disk-space ballast when a write
	// finds the disk full.
	FS vfs.FS
	// ReadOnly opens an existing database without writing to it, for a
	// start on a full disk: the log is replayed into memory, reads work,
	// and ApplyBlock and Rollback fail with ErrReadOnly.
	ReadOnly bool
}

// Machine is the replay state of one network in one Pebble database.
type Machine struct {
	p    *params.Params
	db   *pebble.DB
	dir  string
	opts Options
	log  zerolog.Logger

	mu      sync.RWMutex
	tip     int64    // last applied height; FirstBlock-1 when empty
	tipHash string   // its block hash, "" when the feeder gave none
	hashes  []string // consensus hash by height-FirstBlock
	slots   uint64   // chunk slots so far
	closed  bool
	// cache holds committed values of recently used keys across blocks.
	cache *readCache
	// senders mirrors the committed sender index keys.
	senders senderIndex
	// empty holds key prefixes with no committed key.
	empty prefixSet
	// hashIdx mirrors the committed consensus hash -> height keys.
	hashIdx hashIndex
	// nsRows holds committed namespace rows, decoded (nil: no row); a
	// block's write to a row drops it, a rollback drops them all.
	nsRows map[string]rec
	// guard notices the first failed write of the log; after it the
	// handle takes no writes (see diskfault.go).
	guard *pebblefault.Guard
}

// readCacheLimit bounds each generation of the cross-block read cache. A
// name row is a few hundred bytes; two generations of 65,536 keys hold the
// recently used rows of a mainnet-sized replay in about 40 MB. Twice that
// was no faster and kept 60 MB more resident.
const readCacheLimit = 1 << 16

// Open opens (or creates) the state in dir for network p.
func Open(dir string, p *params.Params, opts Options) (*Machine, error) {
	if opts.UndoWindow == 0 {
		opts.UndoWindow = 144
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	cache := pebble.NewCache(blockCacheSize)
	// The database takes its own reference; it frees the cache on Close.
	defer cache.Unref()
	fs := opts.FS
	if fs == nil {
		fs = vfs.Default
	}
	guard := pebblefault.New(opts.Logger)
	po := pebbleOptions(cache, guard.Logger(pebbleLogger{opts.Logger}))
	po.FS = guard.FS(fs)
	po.ReadOnly = opts.ReadOnly
	po.EventListener = guard.Listener()
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", dir, err)
	}
	m := &Machine{p: p, db: db, dir: dir, opts: opts, log: opts.Logger, tip: int64(p.FirstBlock) - 1, cache: newReadCache(readCacheLimit), senders: senderIndex{}, hashIdx: hashIndex{}, nsRows: map[string]rec{}, guard: guard}
	if err := m.load(); err != nil {
		db.Close()
		return nil, err
	}
	return m, nil
}

// checkFormat refuses a database written in another storage format: rows
// are binary records whose layout changes between versions, and reading
// them under the wrong layout would corrupt the replay rather than fail.
func (m *Machine) checkFormat() error {
	v, ok, err := m.getRaw(strKey(pfxMeta, metaFormat))
	if err != nil {
		return err
	}
	have := string(v)
	if !ok {
		have = "none"
	}
	if have != formatVersion {
		return fmt.Errorf("%w: %s has format %s, this atlasd reads format %s; move it aside and replay again", ErrFormatVersion, m.dir, have, formatVersion)
	}
	return nil
}

type pebbleLogger struct{ l zerolog.Logger }

func (l pebbleLogger) Infof(f string, a ...any)  { l.l.Debug().Msgf(f, a...) }
func (l pebbleLogger) Errorf(f string, a ...any) { l.l.Error().Msgf(f, a...) }
func (l pebbleLogger) Fatalf(f string, a ...any) { l.l.Error().Msgf(f, a...); os.Exit(70) }

func (m *Machine) getRaw(key []byte) ([]byte, bool, error) {
	return newOverlay(m.db).get(key)
}

// paramsFingerprint identifies the rule set a database was built with.
func paramsFingerprint(p *params.Params) string {
	b, _ := json.Marshal(p)
	return string(b)
}

func (m *Machine) load() error {
	fp := paramsFingerprint(m.p)
	v, ok, err := m.getRaw(strKey(pfxMeta, metaParams))
	if err != nil {
		return err
	}
	if ok {
		if err := m.checkFormat(); err != nil {
			return err
		}
		if string(v) != fp {
			return ErrParamsMismatch
		}
	} else if m.opts.ReadOnly {
		return fmt.Errorf("%w: %s holds no replay state yet", ErrReadOnly, m.dir)
	} else {
		b := m.db.NewBatch()
		_ = b.Set(strKey(pfxMeta, metaParams), []byte(fp), nil)
		_ = b.Set(strKey(pfxMeta, metaFormat), []byte(formatVersion), nil)
		if err := m.commit(b, pebble.Sync); err != nil {
			return err
		}
	}
	if v, ok, err := m.getRaw(strKey(pfxMeta, metaTip)); err != nil {
		return err
	} else if ok {
		t, err := decodeTip(v)
		if err != nil {
			return fmt.Errorf("state: corrupt tip record in %s: %w", m.dir, err)
		}
		m.tip, m.tipHash, m.slots = t.Height, t.Hash, t.Slots
	}
	if err := m.senders.load(m.db); err != nil {
		return fmt.Errorf("state: sender index of %s: %w", m.dir, err)
	}
	if err := m.empty.loadEmpty(m.db); err != nil {
		return err
	}
	if err := m.hashIdx.load(m.db); err != nil {
		return fmt.Errorf("state: consensus hash index of %s: %w", m.dir, err)
	}
	it, err := m.db.NewIter(&pebble.IterOptions{LowerBound: []byte{pfxConsensus}, UpperBound: []byte{pfxConsensus + 1}})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		if len(it.Key()) != 9 {
			return &InvariantError{Msg: fmt.Sprintf("malformed consensus hash key %q in %s", it.Key(), m.dir)}
		}
		h := binary.BigEndian.Uint64(it.Key()[1:])
		if int64(h) > m.tip {
			break
		}
		if h-m.p.FirstBlock != uint64(len(m.hashes)) {
			return &InvariantError{Height: int64(h), Msg: "gap in stored consensus hashes"}
		}
		m.hashes = append(m.hashes, string(it.Value()))
	}
	if err := it.Error(); err != nil {
		return err
	}
	if int64(len(m.hashes)) != m.tip-int64(m.p.FirstBlock)+1 {
		return &InvariantError{Height: m.tip, Msg: "consensus hashes do not reach the tip"}
	}
	return nil
}

// Close flushes and closes the database. It skips the flush when the disk
// has no room for it (the log already holds every committed block), so a
// full disk never holds up a shutdown.
func (m *Machine) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	return m.guard.Close(m.db, !m.opts.ReadOnly)
}

// Params returns the network rules.
func (m *Machine) Params() *params.Params { return m.p }

// Tip returns the last applied height (FirstBlock-1 when nothing is applied)
// and its block hash.
func (m *Machine) Tip() (int64, string) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.tip, m.tipHash
}

// hashAt returns the consensus hash of an applied height.
func (m *Machine) hashAt(h uint64) (string, bool) {
	if h < m.p.FirstBlock {
		return "", false
	}
	i := h - m.p.FirstBlock
	if i >= uint64(len(m.hashes)) {
		return "", false
	}
	return m.hashes[i], true
}

// ConsensusHash returns the consensus hash of height h, if applied.
func (m *Machine) ConsensusHash(h uint64) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.hashAt(h)
}

// Result is what applying one block produced.
type Result struct {
	Height        uint64
	ConsensusHash string
	OpsHash       string
	Accepted      []Accepted
	Rejected      int
	Announcements []Announcement
}

// ApplyBlock applies the BNS candidates of block height (in block order)
// and commits its effects in one batch. hash may be "" when the caller does
// not track block hashes (a replay from a file).
func (m *Machine) ApplyBlock(height uint64, hash string, txs []*nameop.Tx) (*Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.writable(); err != nil {
		return nil, err
	}
	if height < m.p.FirstBlock {
		return nil, ErrBeforeFirstBlock
	}
	if int64(height) != m.tip+1 {
		return nil, fmt.Errorf("%w: tip %d, block %d", ErrNotNext, m.tip, height)
	}
	if ts := m.p.TokenEpochStart(); ts != 0 && height >= ts && m.opts.TokenGenesis == "" {
		return nil, fmt.Errorf("%w (height %d): pass --token-genesis FILE", ErrNeedTokenGenesis, ts)
	}
	ov := newOverlay(m.db)
	ov.shared, ov.empty, ov.senders = m.cache, &m.empty, m.senders
	b := &block{m: m, ov: ov, height: int64(height), last: int64(height) - 1, feats: m.p.Features(height)}
	if m.opts.TokenGenesis != "" {
		if err := b.tokenGenesis(m.opts.TokenGenesis); err != nil {
			return nil, err
		}
	}
	ops, ann, opsHash, ch, rejected, err := b.run(txs)
	if err != nil {
		return nil, fmt.Errorf("apply block %d: %w", height, err)
	}
	// v1 vested the next block's tokens while saving this one.
	if err := b.vest(height + 1); err != nil {
		return nil, fmt.Errorf("apply block %d: vest: %w", height, err)
	}
	slots := m.slots
	for i := range ann {
		ann[i].Slot = slots
		b.ov.putNew(heightKey(pfxSlot, slots), encodeAnnouncement(ann[i]))
		slots++
	}
	b.ov.putNew(heightKey(pfxConsensus, height), []byte(ch))
	if !b.knownHash(ch) {
		// Not in the index, so no committed key either.
		b.ov.putNew(strKey(pfxConsensusRev, ch), binary.BigEndian.AppendUint64(nil, height))
	}
	if hash != "" {
		b.ov.putNew(heightKey(pfxBlockHash, height), []byte(hash))
	}
	if err := b.ov.put(strKey(pfxMeta, metaTip), encodeTip(tipRecord{Height: int64(height), Hash: hash, Slots: slots})); err != nil {
		return nil, err
	}
	batch := m.db.NewBatch()
	defer batch.Close()
	if err := b.ov.flush(batch); err != nil {
		return nil, err
	}
	if err := batch.Set(heightKey(pfxUndo, height), encodeUndo(b.ov.undo), nil); err != nil {
		return nil, err
	}
	if height >= m.p.FirstBlock+m.opts.UndoWindow {
		if err := batch.Delete(heightKey(pfxUndo, height-m.opts.UndoWindow), nil); err != nil {
			return nil, err
		}
	}
	wo := pebble.NoSync
	if m.opts.Sync {
		wo = pebble.Sync
	}
	if err := m.commit(batch, wo); err != nil {
		return nil, fmt.Errorf("commit block %d: %w", height, err)
	}
	b.ov.publish(m.cache, m.senders, m.hashIdx, &m.empty)
	for _, k := range b.ov.order {
		delete(m.nsRows, k)
	}
	m.empty[pfxUndo] = false // written into the batch directly
	m.tip, m.tipHash, m.slots = int64(height), hash, slots
	m.hashes = append(m.hashes, ch)
	return &Result{Height: height, ConsensusHash: ch, OpsHash: opsHash, Accepted: ops, Rejected: rejected, Announcements: ann}, nil
}

// Rollback undoes blocks from the tip down to (and excluding) height, one
// batch per block, so an interrupted rollback leaves a consistent tip.
func (m *Machine) Rollback(height uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if int64(height) >= m.tip {
		return nil
	}
	if int64(height) < m.tip-int64(m.opts.UndoWindow) || int64(height) < int64(m.p.FirstBlock)-1 {
		return fmt.Errorf("%w: tip %d, target %d, window %d", ErrBeyondUndo, m.tip, height, m.opts.UndoWindow)
	}
	// Undo records rewrite keys behind the overlays' backs.
	defer m.cache.reset()
	defer clear(m.nsRows)
	for m.tip > int64(height) {
		// A fault while undoing one block stops the rest: the log no
		// longer takes batches (see diskfault.go).
		if err := m.writable(); err != nil {
			return err
		}
		h := uint64(m.tip)
		v, ok, err := m.getRaw(heightKey(pfxUndo, h))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: no undo record for block %d", ErrBeyondUndo, h)
		}
		entries, err := decodeUndo(v)
		if err != nil {
			return fmt.Errorf("block %d: %w", h, err)
		}
		batch := m.db.NewBatch()
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			if e.exists {
				err = batch.Set(e.key, e.old, nil)
			} else {
				err = batch.Delete(e.key, nil)
			}
			if err != nil {
				batch.Close()
				return err
			}
		}
		if err := batch.Delete(heightKey(pfxUndo, h), nil); err != nil {
			batch.Close()
			return err
		}
		if err := m.commit(batch, pebble.Sync); err != nil {
			batch.Close()
			return fmt.Errorf("roll back block %d: %w", h, err)
		}
		batch.Close()
		for _, e := range entries {
			m.senders.apply(e.key, e.exists)
			m.hashIdx.apply(e.key, e.exists, e.old)
			if e.exists && len(e.key) > 0 {
				m.empty[e.key[0]] = false
			}
		}
		m.tip--
		m.hashes = m.hashes[:len(m.hashes)-1]
		if tv, ok, err := m.getRaw(strKey(pfxMeta, metaTip)); err != nil {
			return err
		} else if ok {
			t, err := decodeTip(tv)
			if err != nil {
				return fmt.Errorf("state: corrupt tip record in %s: %w", m.dir, err)
			}
			if t.Height != m.tip {
				return &InvariantError{Height: m.tip, Msg: "tip record disagrees after rollback"}
			}
			m.tipHash, m.slots = t.Hash, t.Slots
		} else {
			m.tipHash, m.slots = "", 0
		}
	}
	return nil
}

// BlockHash returns the block hash recorded for an applied height.
func (m *Machine) BlockHash(h uint64) (string, bool, error) {
	v, ok, err := m.getRaw(heightKey(pfxBlockHash, h))
	return string(v), ok, err
}

// Announcements returns up to n chunk slots starting at slot from.
func (m *Machine) Announcements(from uint64, n int) ([]Announcement, error) {
	var out []Announcement
	it, err := m.db.NewIter(&pebble.IterOptions{LowerBound: heightKey(pfxSlot, from), UpperBound: []byte{pfxSlot + 1}})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	for it.First(); it.Valid() && len(out) < n; it.Next() {
		a, err := decodeAnnouncement(it.Value())
		if err != nil {
			return nil, fmt.Errorf("state: chunk slot in %s: %w", m.dir, err)
		}
		out = append(out, a)
	}
	return out, it.Error()
}

// Slots returns how many chunk slots the replay has announced.
func (m *Machine) Slots() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.slots
}

// BlockOfConsensus returns the first applied height whose consensus hash is
// ch, as v1's get_block_from_consensus answers peers.
func (m *Machine) BlockOfConsensus(ch string) (uint64, bool, error) {
	v, ok, err := m.getRaw(strKey(pfxConsensusRev, ch))
	if err != nil || !ok || len(v) != 8 {
		return 0, false, err
	}
	return binary.BigEndian.Uint64(v), true, nil
}
