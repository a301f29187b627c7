package backup

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Driver states in DriverStatus.State.
const (
	// StateUp: the driver is serving calls.
	StateUp = "up"
	// StateDown: the plugin is starting or restarting, or Run has not
	// started it; uploads wait.
	StateDown = "down"
	// StateFailed: the plugin was refused (checksum, settings) and will
	// not be started again until the daemon restarts; uploads stay queued.
	StateFailed = "failed"
)

// DriverStatus is one driver's backup state, for `atlasd backup status` and
// metrics. It never holds settings values.
type DriverStatus struct {
	// Name is the configured driver name.
	Name string `json:"name"`
	// Path is the plugin binary, or BuiltinDir.
	Path string `json:"path"`
	// State is StateUp, StateDown or StateFailed.
	State string `json:"state"`
	// Queued is how many zonefiles wait for upload to this driver.
	Queued int64 `json:"queued"`
	// InFlight is how many uploads are running now.
	InFlight int64 `json:"in_flight"`
	// Uploaded counts acknowledged uploads since the manager started.
	Uploaded uint64 `json:"uploaded"`
	// Failed counts failed upload attempts (each is retried).
	Failed uint64 `json:"failed"`
	// Dropped counts queued uploads given up for good: the node no longer
	// held the zonefile, or the driver refused it.
	Dropped uint64 `json:"dropped"`
	// Restored counts zonefiles restored from this driver.
	Restored uint64 `json:"restored"`
	// Corrupt counts blobs it returned that did not match their hash.
	Corrupt uint64 `json:"corrupt"`
	// LastError is the latest error's text, without settings values.
	LastError string `json:"last_error,omitempty"`
	// LastErrorAt is when LastError happened.
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// LastSuccessAt is when an upload last got through.
	LastSuccessAt time.Time `json:"last_success_at,omitzero"`
	// Restarts counts plugin processes replaced after a crash or hang.
	Restarts uint64 `json:"restarts"`
}

// Status reports every driver, in configuration order.
func (m *Manager) Status() []DriverStatus {
	out := make([]DriverStatus, len(m.targets))
	for i, t := range m.targets {
		s := DriverStatus{
			Name:     t.spec.Name,
			Path:     t.spec.Path,
			State:    StateUp,
			Queued:   t.queued.Load(),
			InFlight: t.inFlight.Load(),
			Uploaded: t.uploaded.Load(),
			Failed:   t.failed.Load(),
			Dropped:  t.dropped.Load(),
			Restored: t.restored.Load(),
			Corrupt:  t.corrupt.Load(),
		}
		if t.host != nil {
			s.Restarts = t.host.Restarts()
			if !t.host.Up() {
				s.State = StateDown
			}
		}
		t.mu.Lock()
		s.LastError, s.LastErrorAt, s.LastSuccessAt = t.lastErr, t.lastErrAt, t.lastOK
		if t.gaveUp {
			s.State = StateFailed
		}
		t.mu.Unlock()
		out[i] = s
	}
	return out
}

// WriteStatus prints statuses for people: a table, then each driver's last
// error on its own line. Times are shown relative to now.
func WriteStatus(w io.Writer, statuses []DriverStatus, now time.Time) error {
	if len(statuses) == 0 {
		_, err := fmt.Fprintln(w, "no backup drivers configured")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DRIVER\tSTATE\tQUEUED\tIN FLIGHT\tUPLOADED\tFAILED\tDROPPED\tRESTORED\tCORRUPT\tRESTARTS\tLAST SUCCESS\tLAST ERROR")
	for _, s := range statuses {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n",
			s.Name, s.State, s.Queued, s.InFlight, s.Uploaded, s.Failed, s.Dropped, s.Restored, s.Corrupt, s.Restarts,
			ago(s.LastSuccessAt, now), ago(s.LastErrorAt, now))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range statuses {
		if s.LastError == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "\n%s: last error: %s\n", s.Name, s.LastError); err != nil {
			return err
		}
	}
	return nil
}

// ago renders t as an age in whole seconds, or "never".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t).Truncate(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}
