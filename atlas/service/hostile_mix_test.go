package service_test

import (
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/v1rpc"
)

// hostileBounds is what memory may grow by while the attacks run, derived
// from the limits. Two addresses ask for the hundred largest zonefiles (a
// 5.5 MB reply): the flood, and the slow readers that never take their
// reply; each has at most MaxZonefileCallsPerAddr (2) such calls in the
// server, at about 30 MB each (the zonefiles, their base64, the JSON, the
// XML, the gzip), 120 MB. Every other request holds at most its body (512
// KiB, read into up to 1 MiB) and its parsed values: four more addresses
// send requests on at most MaxConnsPerAddr (8) connections each, 64 MiB.
// That 184 MiB is the live heap's bound; the heap itself may hold as much
// garbage again before a collection (GOGC=100), which with the runtime's
// own is the RSS bound. The goroutines are the attackers' own 192, plus
// one or two per open connection on the server, which the per-address
// caps bound, plus the held refusals (64). On the development machine the
// mix took the live heap 41 MiB and RSS 123 MiB above the baseline; with
// the per-address limits lifted, 382 MiB and 958 MiB, and the honest
// client waited two seconds for a reply.
var hostileBounds = memBounds{heap: 192 << 20, rss: 448 << 20, goroutines: 600}

// TestHostileMix runs every attack kind at once against a real service
// holding 3,100 zonefiles, while an honest peer pulls all of them (and the
// ones announced meanwhile) from it and an honest client calls it every
// 100 ms: every honest call must be served within three seconds (v1's
// ping timeout, the shortest it uses), the peer
// must end with every zonefile byte for byte, memory must stay within
// hostileBounds, and each attack must have been held (refused, cut off or
// answered, as its kind calls for). The limits are the defaults but for a
// smaller bucket, so that the floods reach their limit within the run.
func TestHostileMix(t *testing.T) {
	if testing.Short() {
		t.Skip("attack mix: seconds of floods")
	}
	checkNoLeaksWithin(t, 20*time.Second)
	w := newHostileWorld(t, 3000, 200, 10_000, v1rpc.Limits{Rate: 2 << 20, Burst: 16 << 20})
	base := baseline()
	kinds := attacks(w.target)
	rep := w.round(t, kinds, 8*time.Second, 3*time.Second, 30*time.Second, base, hostileBounds)
	for i, k := range rep.kinds {
		t.Logf("%-40s %s", k, rep.counts[i])
		if p := rep.problems[i]; p != "" {
			t.Errorf("%s: %s", k, p)
		}
	}
	for _, p := range rep.shared {
		t.Error(p)
	}
	st := w.s.svc.Status()
	t.Logf("%d hostile requests; honest client: %d calls, slowest %v; honest peer pulled %d; peaks: live heap +%d MiB, RSS +%d MiB, %d goroutines; S refused %d calls, %d connections; tracks %d addresses, %d candidates",
		rep.hostileRequests(), rep.honestCalls, rep.honestMax.Round(time.Millisecond), rep.pulled,
		(rep.peakHeap-min(rep.peakHeap, base.heap))>>20, (rep.peakRSS-min(rep.peakRSS, base.rss))>>20, rep.peakGoroutines,
		st.RateLimited, st.ConnsRefused, w.s.svc.RPC().Tracked(), st.Candidates)
	if n := w.s.svc.RPC().Tracked(); n > v1rpc.DefaultTracked+v1rpc.DefaultMaxConns {
		t.Errorf("S tracks %d addresses", n)
	}
}
