//go:build soak

package backup

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/drivertest/chaos"
)

// The plugin-fault soak's checks: on the running manager (progress, status
// against metrics), on the stores and the queue between managers, and on
// the logs at the end.

// watchdog fails the test if uploads stay in flight with none finishing for
// soakStuckLimit: every driver call must end within its timeout, whatever
// the plugin does.
type watchdog struct {
	s        *pluginSoak
	progress map[string]uint64
	since    map[string]time.Time
	last     time.Time
}

func newWatchdog(s *pluginSoak) *watchdog {
	return &watchdog{s: s, progress: map[string]uint64{}, since: map[string]time.Time{}}
}

// run checks the manager every 250ms for d.
func (w *watchdog) run(m *managerProc, d time.Duration) {
	end := time.Now().Add(d)
	for {
		if time.Since(w.last) >= 250*time.Millisecond {
			w.check(m)
		}
		left := time.Until(end)
		if left <= 0 {
			return
		}
		time.Sleep(min(left, 250*time.Millisecond))
	}
}

func (w *watchdog) check(m *managerProc) {
	t := w.s.t
	w.last = time.Now()
	rep, err := m.report()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	w.s.lastReport = rep
	for _, st := range rep.Status {
		done := st.Uploaded + st.Failed + st.Dropped
		if _, seen := w.since[st.Name]; !seen || done != w.progress[st.Name] || st.InFlight == 0 {
			w.progress[st.Name], w.since[st.Name] = done, time.Now()
			continue
		}
		if stuck := time.Since(w.since[st.Name]); stuck > soakStuckLimit {
			t.Fatalf("driver %s: %d uploads in flight and none finished for %v: the host hangs; status %+v",
				st.Name, st.InFlight, stuck.Round(time.Second), st)
		}
	}
}

// checkReport compares a manager's status with its metrics, which must
// say the same, and adds up what they say about the chaos driver.
func (s *pluginSoak) checkReport(p int, m *managerProc) {
	t := s.t
	rep, err := m.report()
	if err != nil {
		t.Fatalf("phase %d: status: %v", p, err)
	}
	for _, st := range rep.Status {
		for metric, want := range map[string]float64{
			"atlasd_backup_upload_failures_total": float64(st.Failed),
			"atlasd_backup_uploaded_total":        float64(st.Uploaded),
			"atlasd_backup_queue_depth":           float64(st.Queued),
			"atlasd_plugin_restarts_total":        float64(st.Restarts),
		} {
			if got, ok := rep.Metrics[metric+"{"+st.Name+"}"]; !ok || got != want {
				t.Errorf("phase %d: %s{%s} = %v (present %v), status says %v", p, metric, st.Name, got, ok, want)
			}
		}
		if st.Name == "chaos" {
			s.seen.failed += st.Failed
			s.seen.restarts += st.Restarts
			if st.LastError != "" && !st.LastErrorAt.IsZero() {
				s.seen.lastErrors++
			}
		}
	}
}

// storeState reads a directory store from outside the driver: the keys
// whose file holds exactly the zonefile, and those whose file does not.
func (s *pluginSoak) storeState(root string) (good, bad map[Hash]bool, stray int) {
	good, bad = map[Hash]bool{}, map[Hash]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		key, ok := strings.CutSuffix(d.Name(), ".txt")
		h, perr := ParseHash(key)
		if !ok || perr != nil || filepath.Dir(path) != filepath.Dir(dirdriver.BlobPath(root, key)) {
			stray++ // temporary files of an interrupted write
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if want, known := s.byH[h]; known && string(data) == string(want) && HashOf(data) == h {
			good[h] = true
		} else {
			bad[h] = true
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		s.t.Fatal(err)
	}
	return good, bad, stray
}

// queued reads the queue database (no manager may be running) and returns
// the queued hashes by driver.
func (s *pluginSoak) queued() map[string]map[Hash]bool {
	q, err := openQueue(s.queueDir, discard())
	if err != nil {
		s.t.Fatal(err)
	}
	defer q.close()
	out := map[string]map[Hash]bool{}
	for _, name := range []string{"chaos", "healthy"} {
		items, _, err := q.due(name, nil, math.MaxInt32, math.MaxInt64)
		if err != nil {
			s.t.Fatal(err)
		}
		out[name] = map[Hash]bool{}
		for _, it := range items {
			out[name][it.hash] = true
		}
	}
	return out
}

// checkNothingLost: every acknowledged zonefile is, for each driver, stored
// intact or still queued; a blob stored damaged (a Put torn by a crash) is
// still queued, so it will be written again.
func (s *pluginSoak) checkNothingLost() {
	t := s.t
	q := s.queued()
	for name, root := range map[string]string{"chaos": s.chaosRoot, "healthy": s.dirRoot} {
		good, bad, _ := s.storeState(root)
		for h := range bad {
			if !q[name][h] {
				t.Fatalf("driver %s holds damaged bytes for %s, which is no longer queued", name, h)
			}
		}
		missing := 0
		for h := range s.acked {
			if !good[h] && !q[name][h] {
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("driver %s: %d acknowledged zonefiles neither stored nor queued", name, missing)
		}
	}
}

// checkComplete: both stores hold every zonefile intact and nothing else,
// and nothing is queued. It returns how many (driver, zonefile) pairs are
// missing or damaged.
func (s *pluginSoak) checkComplete() int {
	t := s.t
	lost := 0
	for name, items := range s.queued() {
		if len(items) != 0 {
			t.Errorf("driver %s: %d items still queued after the drain", name, len(items))
		}
	}
	for name, root := range map[string]string{"chaos": s.chaosRoot, "healthy": s.dirRoot} {
		good, bad, stray := s.storeState(root)
		for _, z := range s.zfs {
			if !good[z.Hash] {
				lost++
			}
		}
		if len(bad) != 0 || len(good) != len(s.zfs) {
			t.Errorf("driver %s: %d intact, %d damaged, want all %d intact", name, len(good), len(bad), len(s.zfs))
		}
		s.strays += stray
	}
	if len(s.acked) != len(s.zfs) {
		t.Errorf("%d of %d zonefiles acknowledged", len(s.acked), len(s.zfs))
	}
	return lost
}

// countWrong returns how many zonefiles st lacks or holds other bytes for.
func (s *pluginSoak) countWrong(st *memStore) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	wrong := 0
	for _, z := range s.zfs {
		if got, ok := st.files[z.Hash]; !ok || string(got) != string(z.Data) {
			wrong++
		}
	}
	if wrong > 0 {
		s.t.Errorf("restore: %d of %d zonefiles missing or wrong", wrong, len(s.zfs))
	}
	return wrong
}

// hangCount is what became of the plugin processes that froze or
// deadlocked.
type hangCount struct {
	total    int // freeze and deadlock faults
	probed   int // killed and replaced by the host after a failed probe
	killed   int // killed by the soak first
	crashed  int // taken down by a crash fault of another call first
	ended    int // still hung when their manager stopped or was killed
	restarts int // plugin restarts logged, any cause
}

// checkHangs matches each freeze and deadlock fault with what the host
// did about the process: replaced after a failed probe, or the process died
// first (killed by the soak, or crashed by a fault drawn by another call
// at the same moment), or the manager ended before the host could have
// noticed. A hung process left running longer than that fails the test.
func (s *pluginSoak) checkHangs() {
	t := s.t
	j, err := chaos.ReadJournal(s.journal)
	if err != nil {
		t.Fatal(err)
	}
	// pid → its manager run, and the reason it was restarted, if it was.
	runOf, reason := map[int]*managerRun{}, map[int]string{}
	for _, run := range s.runs {
		data, err := os.ReadFile(run.log)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			var ev struct {
				Message string  `json:"message"`
				PID     float64 `json:"pid"`
				Reason  string  `json:"reason"`
			}
			if json.Unmarshal([]byte(line), &ev) != nil || ev.PID == 0 {
				continue
			}
			switch ev.Message {
			case "driver started":
				runOf[int(ev.PID)] = run
			case "driver went away; restarting":
				reason[int(ev.PID)] = ev.Reason
				s.hangs.restarts++
			}
		}
	}
	crashes := map[int]bool{} // starts that drew a fault ending the process
	for _, e := range j.Events {
		switch e.Kind {
		case chaos.Crash, chaos.CrashAfter, chaos.Torn:
			crashes[e.Start] = true
		}
	}
	limit := soakCallTimeout + soakProbeTimeout + 15*time.Second
	for _, e := range j.Events {
		if e.Kind != chaos.Freeze && e.Kind != chaos.Deadlock {
			continue
		}
		s.hangs.total++
		pid := j.PIDs[e.Start]
		run := runOf[pid]
		switch why := reason[pid]; {
		case strings.Contains(why, "did not answer a probe"):
			s.hangs.probed++
		case s.killed[pid]:
			s.hangs.killed++
		case why != "" && crashes[e.Start]:
			s.hangs.crashed++
		case why == "" && run != nil && !run.ended.IsZero() && run.ended.Sub(e.At) < limit:
			s.hangs.ended++
		default:
			t.Errorf("start %d (pid %d) hit %s at %s in %s: restart reason %q, manager ended %s; want it replaced within %v",
				e.Start, pid, e.Kind, e.At.Format("15:04:05.000"), e.Call, why, runEnd(run), limit)
		}
	}
	if s.hangs.total >= 3 && s.hangs.probed == 0 {
		t.Errorf("%d hangs and none found out by the host's probe", s.hangs.total)
	}
	if s.hangs.restarts == 0 {
		t.Error("no plugin restart logged")
	}
	if j.Total() >= 50 && (s.seen.failed == 0 || s.seen.restarts == 0 || s.seen.lastErrors == 0) {
		t.Errorf("%d faults injected, yet the status shows %d failed uploads, %d restarts and %d phases with a last error",
			j.Total(), s.seen.failed, s.seen.restarts, s.seen.lastErrors)
	}
}

func runEnd(run *managerRun) string {
	if run == nil {
		return "(no manager started it)"
	}
	return run.ended.Format("15:04:05.000")
}
