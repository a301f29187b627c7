package soakreport

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// EnvFile names the environment variable that holds the path rows are
// appended to.
const EnvFile = "ATLASD_SOAK_REPORT"

// Row is one scenario's outcome. Tried counts fault injections (kill points,
// reorgs, outages, plugin faults); Survived counts those after which every
// check passed; Lost counts anything lost or corrupted (zonefiles, blocks,
// queue entries, hashes that differ) and must be zero.
type Row struct {
	Area     string        `json:"area"`
	Scenario string        `json:"scenario"`
	Tried    int           `json:"tried"`
	Survived int           `json:"survived"`
	Lost     int           `json:"lost"`
	Duration time.Duration `json:"duration_ns"`
	// Notes carries the scenario's own figures (blocks, depths, peak RSS).
	Notes string `json:"notes,omitempty"`
}

var mu sync.Mutex

// Record logs the row on t and appends it to the report file when one is
// configured. A row whose Lost is not zero, or whose Survived is short of
// Tried, also fails the test: the table is a summary, never the only place a
// failure shows.
func Record(t testing.TB, r Row) {
	t.Helper()
	t.Logf("soak: %s / %s: tried %d, survived %d, lost %d in %s; %s",
		r.Area, r.Scenario, r.Tried, r.Survived, r.Lost, r.Duration.Round(time.Second), r.Notes)
	if r.Lost != 0 || r.Survived != r.Tried {
		t.Errorf("soak: %s / %s: %d of %d survived, %d lost", r.Area, r.Scenario, r.Survived, r.Tried, r.Lost)
	}
	path := os.Getenv(EnvFile)
	if path == "" {
		return
	}
	if err := appendRow(path, r); err != nil {
		t.Errorf("soakreport: %v", err)
	}
}

func appendRow(path string, r Row) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode row: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
