//go:build soak

package service_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/internal/soakreport"
)

// TestSoakHostile attacks a real service with every attack kind at once,
// in rounds of ATLASD_SOAK_ATTACK_ROUND (default 30 s), for
// ATLASD_SOAK_ATTACK (default 3m), with the default limits. S holds
// ATLASD_SOAK_ATTACK_ZONEFILES zonefiles (default 20,000, plus 100 near the
// size limit); an honest peer pulls them all from it during the first
// round and every zonefile announced (one each 500 ms) after, and an
// honest client calls it every 100 ms from another address. Each round
// the peer-exchange flood comes from 10,000 addresses.
//
// A kind survives a round when, after it, the honest client was served
// every time within 3 s, the honest peer held every zonefile byte for byte
// within a minute, S still answered a newcomer, memory stayed within
// hostileBounds of the baseline taken before the first round (so it must
// not creep from round to round either), and the kind's own check held.
func TestSoakHostile(t *testing.T) {
	total := soakEnvDuration(t, "ATLASD_SOAK_ATTACK", 3*time.Minute)
	roundLen := soakEnvDuration(t, "ATLASD_SOAK_ATTACK_ROUND", 30*time.Second)
	n := soakEnvInt(t, "ATLASD_SOAK_ATTACK_ZONEFILES", 20_000)
	start := time.Now()
	checkNoLeaksWithin(t, 30*time.Second)
	w := newHostileWorld(t, n, int(total/(500*time.Millisecond))+100, 10_000, v1rpc.Limits{})
	base := baseline()
	kinds := attacks(w.target)

	row := soakreport.Row{Area: "atlas", Scenario: "hostile peers and clients, all attack kinds at once"}
	var (
		rounds, honestCalls, pulled int
		hostile                     int64
		slowest                     time.Duration
		peakHeap, peakRSSNow        uint64
		peakG                       int
	)
	tried := make([]int64, len(kinds))
	defer func() {
		st := w.s.svc.Status()
		row.Duration = time.Since(start)
		row.Notes = fmt.Sprintf("%d rounds of %v, %d hostile requests (%s); S refused %d calls and %d connections, %d overloaded; "+
			"honest client %d calls, slowest %v; honest peer pulled %d zonefiles; peak live heap +%d MiB, peak RSS %d MiB (+%d), VmHWM %d MiB, %d goroutines",
			rounds, roundLen, hostile, perKind(kinds, tried), st.RateLimited, st.ConnsRefused, st.Overloaded,
			honestCalls, slowest.Round(time.Millisecond), pulled, (peakHeap-min(peakHeap, base.heap))>>20,
			peakRSSNow>>20, (peakRSSNow-min(peakRSSNow, base.rss))>>20, uint64(vmHWM(t))>>20, peakG)
		soakreport.Record(t, row)
	}()

	for time.Since(start) < total {
		rep := w.round(t, kinds, roundLen, 3*time.Second, time.Minute, base, hostileBounds)
		rounds++
		hostile += rep.hostileRequests()
		honestCalls += rep.honestCalls
		pulled += rep.pulled
		slowest = max(slowest, rep.honestMax)
		peakHeap, peakRSSNow, peakG = max(peakHeap, rep.peakHeap), max(peakRSSNow, rep.peakRSS), max(peakG, rep.peakGoroutines)
		for _, p := range rep.shared {
			t.Errorf("round %d: %s", rounds, p)
		}
		for i, k := range rep.kinds {
			tried[i] += rep.counts[i].tried.Load()
			row.Tried++
			if rep.problems[i] != "" {
				t.Errorf("round %d: %s: %s (%s)", rounds, k, rep.problems[i], rep.counts[i])
				continue
			}
			if len(rep.shared) == 0 {
				row.Survived++
			}
		}
		t.Logf("round %d: %d hostile requests, honest slowest %v, live heap +%d MiB, RSS +%d MiB",
			rounds, rep.hostileRequests(), rep.honestMax.Round(time.Millisecond),
			(rep.peakHeap-min(rep.peakHeap, base.heap))>>20, (rep.peakRSS-min(rep.peakRSS, base.rss))>>20)
	}
}

// perKind lists the hostile requests of each kind.
func perKind(kinds []attack, tried []int64) string {
	out := ""
	for i, k := range kinds {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %d", k.name, tried[i])
	}
	return out
}

// vmHWM is the process's peak resident set size (VmHWM), which includes
// the corpus and both services, in bytes.
func vmHWM(t *testing.T) float64 { return peakRSS(t) }

func soakEnvDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration", name, v)
	}
	return d
}

func soakEnvInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
