//go:build soak

package backup

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/internal/soakreport"
	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/drivertest"
	"github.com/atlasd/atlasd/plugin/drivertest/chaos"
)

// Soak timings: short enough that a run of thousands of faults takes
// minutes, long enough that the loaded shared machine does not time out
// healthy calls.
const (
	soakCallTimeout  = 2 * time.Second
	soakProbeTimeout = time.Second
	// soakStopLimit bounds a clean stop of a manager process whose plugins
	// may be frozen or deadlocked: the host must not wait on them.
	soakStopLimit = 20 * time.Second
	// soakStuckLimit is how long uploads may stay in flight with no upload
	// finishing either way before the host counts as hung: a call timeout,
	// a probe and a restart, with room for a loaded machine.
	soakStuckLimit = soakCallTimeout + soakProbeTimeout + 15*time.Second
	soakDrainLimit = 10 * time.Minute
	// soakSettle is how long a phase runs on after its last zonefile.
	soakSettle = 8 * time.Second
	// soakRestorePasses bounds the restores through the chaos driver
	// alone. Each hang trips the restore's breaker and ends a pass early,
	// so thousands of zonefiles take tens of passes.
	soakRestorePasses = 500
)

// soakRates are the chaos driver's fault rates per call while chaos is on:
// about one call in four misbehaves, one in twelve kills or hangs the
// process or the call.
var soakRates = map[chaos.Kind]float64{
	chaos.Crash:      0.01,
	chaos.CrashAfter: 0.01,
	chaos.Torn:       0.01,
	chaos.Stall:      0.01,
	chaos.Freeze:     0.003,
	chaos.Deadlock:   0.003,
	chaos.Error:      0.10,
	chaos.Slow:       0.05,
	chaos.Corrupt:    0.05,
}

// TestSoakPluginFaults puts ATLASD_SOAK_ZONEFILES zonefiles (default 3000:
// every distinct real one from the shared exports, then copies of real ones
// with a comment line added to make them distinct) into a backup manager
// over ATLASD_SOAK_PLUGIN_PHASES phases (default 6), a few at a time. The
// manager runs in a process of its own with two plugin drivers: the chaos
// driver with high fault rates (crashes at and after calls and half way
// through Puts, stalled calls, frozen and deadlocked processes, errors, slow
// and damaged answers) and the directory plugin, healthy. Half way through
// each phase one plugin is killed with SIGKILL; each phase ends with a clean
// stop or a SIGKILL of the manager, alternately. Between phases every
// zonefile the manager acknowledged must be, for each driver, either stored
// with bytes hashing to its name or still queued. Then chaos is turned off
// and the queue must drain: both stores hold every zonefile, intact, and
// nothing is left queued. Throughout, uploads must keep finishing (call
// timeouts fire), a stop must end within soakStopLimit, no plugin process
// may outlive its manager, and faults must show in the status and metrics.
// Last, everything is restored through the chaos driver, flaky again, first
// ahead of the healthy one and then alone.
func TestSoakPluginFaults(t *testing.T) {
	n := soakEnvInt(t, "ATLASD_SOAK_ZONEFILES", 3000)
	phases := soakEnvInt(t, "ATLASD_SOAK_PLUGIN_PHASES", 6)
	seed := int64(soakEnvInt(t, "ATLASD_SOAK_SEED", int(time.Now().UnixNano()%1e9)))
	t.Logf("seed %d (ATLASD_SOAK_SEED), %d zonefiles over %d phases", seed, n, phases)
	start := time.Now()
	s := newPluginSoak(t, n, seed)

	row := soakreport.Row{Area: "plugin", Scenario: "chaos driver + healthy plugin; manager and plugins killed"}
	defer func() {
		row.Duration = time.Since(start)
		row.Notes = s.notes()
		soakreport.Record(t, row)
	}()

	per := (n + phases - 1) / phases
	for p := 0; p < phases; p++ {
		lo, hi := min(p*per, n), min((p+1)*per, n)
		before := s.faults()
		s.phase(p, s.zfs[lo:hi])
		s.checkNothingLost()
		tried := s.faults() - before
		row.Tried += tried
		row.Survived += tried // checkNothingLost stops the test otherwise
	}
	s.drain()
	row.Lost = s.checkComplete()

	before := s.faults()
	row.Lost += s.restore()
	tried := s.faults() - before
	row.Tried += tried
	row.Survived += tried
	s.checkHangs()
}

// pluginSoak is the scenario's state, kept by the test process.
type pluginSoak struct {
	t    *testing.T
	rng  *rand.Rand
	seed int64
	zfs  []Zonefile
	byH  map[Hash][]byte
	// acked are the zonefiles a manager acknowledged: they must never be
	// lost from then on.
	acked map[Hash]bool

	dir                 string
	queueDir, nodeDir   string
	chaosRoot, dirRoot  string
	journal, chaosState string
	chaosBin, chaosSum  string
	dirBin, dirSum      string
	runs                []*managerRun
	managers            int // manager processes started
	managerKills        int // of them, killed with SIGKILL
	pluginKills         int // plugin processes killed with SIGKILL by the soak
	orphans             int // plugin processes found alive after their manager
	stops               []time.Duration
	lastReport          managerReport
	restoreNote         string
	killed              map[int]bool // plugin pids the soak SIGKILLed
	// strays counts temp files that interrupted writes left in the stores.
	strays int
	// seen sums the chaos driver's figures at the end of each phase.
	seen  struct{ failed, restarts, lastErrors uint64 }
	hangs hangCount
}

// managerRun is one manager's life, for matching plugin restarts in its
// log against the faults that caused them.
type managerRun struct {
	log          string
	began, ended time.Time
}

func newPluginSoak(t *testing.T, n int, seed int64) *pluginSoak {
	dir := t.TempDir()
	s := &pluginSoak{
		t:          t,
		rng:        rand.New(rand.NewPCG(uint64(seed), 0x50a)),
		seed:       seed,
		zfs:        soakZonefiles(t, n),
		byH:        map[Hash][]byte{},
		acked:      map[Hash]bool{},
		killed:     map[int]bool{},
		dir:        dir,
		queueDir:   filepath.Join(dir, "queue"),
		nodeDir:    filepath.Join(dir, "node"),
		chaosRoot:  filepath.Join(dir, "chaos-store"),
		dirRoot:    filepath.Join(dir, "dir-store"),
		journal:    filepath.Join(dir, "chaos-journal"),
		chaosState: filepath.Join(dir, "chaos-starts"),
	}
	for _, z := range s.zfs {
		s.byH[z.Hash] = z.Data
	}
	if err := os.MkdirAll(s.nodeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	s.chaosBin, s.chaosSum = drivertest.SharedPlugin(t, "github.com/atlasd/atlasd/plugin/drivertest/chaosdriver")
	s.dirBin, s.dirSum = drivertest.SharedPlugin(t, "github.com/atlasd/atlasd/contrib/dir")
	return s
}

// soakZonefiles returns n distinct zonefiles: the real ones first, then
// real ones with a comment line appended, which keeps their size and shape.
func soakZonefiles(t *testing.T, n int) []Zonefile {
	seen := map[Hash]bool{}
	var real []Zonefile
	for _, file := range []string{"name_zonefiles-665750.txt", "name_zonefiles-653759.txt", "subdomain_zonefiles.txt"} {
		for _, z := range zonefiles(t, file) {
			if !seen[z.Hash] {
				seen[z.Hash] = true
				real = append(real, z)
			}
		}
	}
	out := real[:min(n, len(real))]
	for i := 0; len(out) < n; i++ {
		base := real[i%len(real)]
		data := append(append([]byte(nil), base.Data...), fmt.Sprintf("\n; soak copy %d\n", i)...)
		out = append(out, Zonefile{Hash: HashOf(data), Data: data})
	}
	return out
}

func soakEnvInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// specs are the two drivers; chaosOn selects the chaos driver's rates.
func (s *pluginSoak) specs(chaosOn bool, phase int) []Spec {
	cfg := chaos.Config{Seed: s.seed*1000 + int64(phase), Rates: map[chaos.Kind]float64{}, SlowMax: 3 * time.Second,
		Journal: s.journal, State: s.chaosState}
	if chaosOn {
		cfg.Rates = soakRates
	}
	return []Spec{
		{Name: "chaos", Path: s.chaosBin, SHA256: s.chaosSum, Settings: cfg.Settings(map[string]string{dirdriver.SettingRoot: s.chaosRoot})},
		{Name: "healthy", Path: s.dirBin, SHA256: s.dirSum, Settings: map[string]string{dirdriver.SettingRoot: s.dirRoot}},
	}
}

func (s *pluginSoak) managerConfig(chaosOn bool, phase int) managerConfig {
	log := s.newRun()
	return managerConfig{
		QueueDir:    s.queueDir,
		NodeDir:     s.nodeDir,
		Log:         log,
		Drivers:     s.specs(chaosOn, phase),
		Concurrency: 4,
		CallTimeout: soakCallTimeout,
		MinRetry:    50 * time.Millisecond,
		MaxRetry:    time.Second,
		Plugin: PluginTuning{
			StartTimeout:  10 * time.Second,
			MinBackoff:    50 * time.Millisecond,
			MaxBackoff:    time.Second,
			CheckInterval: 100 * time.Millisecond,
			ProbeTimeout:  soakProbeTimeout,
		},
	}
}

// newRun starts the record of a manager's life and returns its log path.
func (s *pluginSoak) newRun() string {
	run := &managerRun{log: filepath.Join(s.dir, fmt.Sprintf("manager-%02d.log", len(s.runs))), began: time.Now()}
	s.runs = append(s.runs, run)
	return run.log
}

// endRun records that the latest manager has stopped or been killed.
func (s *pluginSoak) endRun() { s.runs[len(s.runs)-1].ended = time.Now() }

// faults counts every fault so far: the chaos driver's and the soak's own
// kills.
func (s *pluginSoak) faults() int {
	j, err := chaos.ReadJournal(s.journal)
	if err != nil {
		s.t.Fatal(err)
	}
	return j.Total() + s.pluginKills + s.managerKills
}

// phase runs one manager process with chaos on and feeds it zfs.
func (s *pluginSoak) phase(p int, zfs []Zonefile) {
	t := s.t
	s.managers++
	m := startManager(t, s.managerConfig(true, p))
	w := newWatchdog(s)
	half := len(zfs) / 2
	s.feed(m, w, zfs[:half])
	// One plugin killed from outside, alternately the chaos one and the
	// healthy one: the host must notice and restart it.
	victim := []string{s.chaosBin, s.dirBin}[p%2]
	s.killPlugin(victim)
	s.feed(m, w, zfs[half:])
	// Let it work through the backlog under chaos, long enough for a
	// hung plugin to be found out and replaced.
	w.run(m, soakSettle)
	s.checkReport(p, m)
	if p%2 == 0 {
		took, err := m.stop(soakStopLimit)
		s.endRun()
		if err != nil {
			t.Fatalf("phase %d: clean stop: %v", p, err)
		}
		s.stops = append(s.stops, took)
		if left := s.pluginProcs(); len(left) != 0 {
			t.Errorf("phase %d: plugin processes %v still running after their manager stopped", p, left)
			s.killProcs(left)
		}
	} else {
		m.kill()
		s.endRun()
		s.managerKills++
		// A daemon killed outright cannot stop its plugins; they must
		// see it go and exit on their own.
		deadline := time.Now().Add(10 * time.Second)
		for len(s.pluginProcs()) > 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if left := s.pluginProcs(); len(left) != 0 {
			s.orphans += len(left)
			t.Errorf("phase %d: plugin processes %v outlived their SIGKILLed manager by 10s", p, left)
			s.killProcs(left)
		}
	}
}

// feed writes zfs into the node's store and announces them in small
// batches at a steady pace, as blocks bring them. A batch the manager does
// not acknowledge is announced again, as the node would after a restart.
func (s *pluginSoak) feed(m *managerProc, w *watchdog, zfs []Zonefile) {
	t := s.t
	for len(zfs) > 0 {
		k := min(1+s.rng.IntN(16), len(zfs))
		batch := zfs[:k]
		for _, z := range batch {
			s.writeNode(z)
		}
		if err := m.enqueue(hashes(batch)); err != nil {
			t.Fatalf("enqueue: %v", err)
		}
		for _, z := range batch {
			s.acked[z.Hash] = true
		}
		zfs = zfs[k:]
		w.run(m, time.Duration(20+s.rng.IntN(100))*time.Millisecond)
	}
}

func (s *pluginSoak) writeNode(z Zonefile) {
	path := filepath.Join(s.nodeDir, z.Hash.String())
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, z.Data, 0o600); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		s.t.Fatal(err)
	}
}

// killPlugin SIGKILLs the running process of bin, waiting a little for one
// to be up (the chaos plugin may be between restarts).
func (s *pluginSoak) killPlugin(bin string) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, pid := range pluginPIDs(s.t, bin) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				s.pluginKills++
				s.killed[pid] = true
				return
			}
		}
	}
	s.t.Errorf("no %s process to kill within 10s", filepath.Base(bin))
}

// pluginProcs lists the running processes of both plugin binaries.
func (s *pluginSoak) pluginProcs() []int {
	return append(pluginPIDs(s.t, s.chaosBin), pluginPIDs(s.t, s.dirBin)...)
}

// killProcs SIGKILLs processes this soak's managers started and left.
func (s *pluginSoak) killProcs(pids []int) {
	for _, pid := range pids {
		// SIGKILL also ends a process stopped by a Freeze fault.
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	time.Sleep(200 * time.Millisecond)
}

// drain runs a manager with chaos off until the queue is empty, and stops
// it cleanly.
func (s *pluginSoak) drain() {
	t := s.t
	s.managers++
	m := startManager(t, s.managerConfig(false, 99))
	w := newWatchdog(s)
	deadline := time.Now().Add(soakDrainLimit)
	for {
		w.run(m, 500*time.Millisecond)
		empty := true
		for _, st := range s.lastReport.Status {
			if st.Queued != 0 || st.InFlight != 0 {
				empty = false
			}
		}
		if empty {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue not drained within %v with chaos off: %+v", soakDrainLimit, s.lastReport.Status)
		}
	}
	took, err := m.stop(soakStopLimit)
	s.endRun()
	if err != nil {
		t.Fatalf("final clean stop: %v", err)
	}
	s.stops = append(s.stops, took)
}

// restore brings every zonefile back through the chaos driver, with chaos
// on: first ahead of the healthy driver in one pass, then alone, pass after
// pass, for what is still missing. Damaged bytes must never be stored. It
// returns how many zonefiles did not come back intact.
func (s *pluginSoak) restore() int {
	t := s.t
	wanted := hashes(s.zfs)
	specs := s.specs(true, 100)
	ctx := context.Background()

	both := newMemStore()
	r := s.restoreManager("restore-queue", specs...)
	res, err := r.m.Restore(ctx, wanted, both)
	if err != nil {
		t.Fatalf("restore through both drivers: %v", err)
	}
	r.stop(t)
	s.endRun()
	lost := s.countWrong(both)
	if res.Restored != len(wanted) {
		t.Errorf("restore through both drivers: %+v", res.Drivers)
	}
	corrupt := res.Drivers[0].Corrupt

	only := newMemStore()
	ra := s.restoreManager("restore-queue-alone", specs[0])
	passes := 0
	for missing := wanted; len(missing) > 0 && passes < soakRestorePasses; passes++ {
		res, err := ra.m.Restore(ctx, missing, only)
		if err != nil {
			t.Fatalf("restore pass %d through the chaos driver alone: %v", passes+1, err)
		}
		corrupt += res.Drivers[0].Corrupt
		missing = missing[:0:0]
		only.mu.Lock()
		for _, h := range wanted {
			if _, ok := only.files[h]; !ok {
				missing = append(missing, h)
			}
		}
		only.mu.Unlock()
	}
	ra.stop(t)
	s.endRun()
	lost += s.countWrong(only)
	s.restoreNote = fmt.Sprintf("restore: both drivers 1 pass (%d from chaos, %d from healthy), chaos alone %d passes; %d damaged blobs refused",
		res.Drivers[0].Restored, res.Drivers[1].Restored, passes, corrupt)
	return lost
}

// restoreManager runs a manager in this process over a fresh queue, logging
// to a file like the manager processes. One runs at a time: the chaos
// plugins count their starts in one file.
func (s *pluginSoak) restoreManager(queue string, specs ...Spec) *running {
	log, err := os.OpenFile(s.newRun(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { log.Close() })
	cfg := fastConfig(filepath.Join(s.dir, queue), newMemStore(), &syncBuffer{}, specs...)
	cfg.Logger = zerolog.New(log).Level(zerolog.DebugLevel)
	cfg.CallTimeout = soakCallTimeout
	cfg.Plugin.ProbeTimeout = soakProbeTimeout
	return start(s.t, cfg)
}

// notes summarises the run for the report.
func (s *pluginSoak) notes() string {
	j, _ := chaos.ReadJournal(s.journal)
	kinds := make([]string, 0, len(j.Faults))
	for _, k := range chaos.Kinds {
		if j.Faults[k] > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, j.Faults[k]))
		}
	}
	var slowest time.Duration
	for _, d := range s.stops {
		slowest = max(slowest, d)
	}
	return fmt.Sprintf("seed %d; %d zonefiles; injected: %s; SIGKILL: %d plugins, %d managers; "+
		"%d manager processes, %d chaos plugin starts, %d plugin restarts; hung plugins: %d replaced after a probe, %d killed by the soak first, %d crashed first, %d ended with their manager; "+
		"status under chaos: %d failed uploads, %d restarts; slowest clean stop %s; orphaned plugins %d; temp files left by interrupted writes %d; %s",
		s.seed, len(s.zfs), strings.Join(kinds, ", "), s.pluginKills, s.managerKills,
		s.managers, j.Starts, s.hangs.restarts, s.hangs.probed, s.hangs.killed, s.hangs.crashed, s.hangs.ended,
		s.seen.failed, s.seen.restarts, slowest.Round(10*time.Millisecond), s.orphans, s.strays, s.restoreNote)
}
