package chaos

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Journal is what a journal file says a run went through.
type Journal struct {
	// Starts counts processes that were configured.
	Starts int
	// PIDs maps start numbers to process ids.
	PIDs map[int]int
	// Faults counts injected faults by kind.
	Faults map[Kind]int
	// ByCall counts injected faults by kind and call ("crash put").
	ByCall map[string]int
	// Events lists the faults in the order they were written.
	Events []Event
}

// Event is one injected fault.
type Event struct {
	Start int
	Kind  Kind
	Call  string
	Key   string // "-" for calls without a key
	At    time.Time
}

// Total is the number of faults injected.
func (j Journal) Total() int {
	n := 0
	for _, c := range j.Faults {
		n += c
	}
	return n
}

// ReadJournal reads a journal file. A missing file is an empty journal: no
// process got as far as writing one. A last line cut short by a crash is
// ignored; any other malformed line is an error.
func ReadJournal(path string) (Journal, error) {
	j := Journal{PIDs: map[int]int{}, Faults: map[Kind]int{}, ByCall: map[string]int{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return j, fmt.Errorf("chaos: journal: %w", err)
	}
	text := string(data)
	complete := strings.HasSuffix(text, "\n")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, line := range lines {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		nums, ok := journalNumbers(f)
		switch {
		case ok && len(f) == 5 && f[0] == "start" && f[2] == "pid":
			j.Starts++
			j.PIDs[int(nums[1])] = int(nums[3])
		case ok && len(f) == 6 && f[0] == "fault":
			k := Kind(f[2])
			j.Faults[k]++
			j.ByCall[f[2]+" "+f[3]]++
			j.Events = append(j.Events, Event{Start: int(nums[1]), Kind: k, Call: f[3], Key: f[4], At: time.Unix(0, nums[5])})
		case i == len(lines)-1 && !complete:
			// Torn by a crash between two writes; cannot hold a fault,
			// which is written in one.
		default:
			return j, fmt.Errorf("chaos: journal %s:%d: malformed line %q", path, i+1, line)
		}
	}
	return j, nil
}

// journalNumbers parses the numeric fields of a journal line: the second
// and the last (start number and time) of both kinds, and a start line's
// pid.
func journalNumbers(f []string) ([]int64, bool) {
	if len(f) < 5 {
		return nil, false
	}
	nums := make([]int64, len(f))
	idx := []int{1, len(f) - 1}
	if f[0] == "start" {
		idx = append(idx, 3)
	}
	for _, i := range idx {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return nil, false
		}
		nums[i] = n
	}
	return nums, true
}

// appendLine writes one journal line in a single write, which O_APPEND
// keeps whole against other processes appending to the same file. The file
// is opened per line: a process that is about to exit on purpose must not
// leave anything buffered.
func appendLine(path, line string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("chaos: journal: %w", err)
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("chaos: journal: %w", err)
	}
	return f.Close()
}

// nextStart increments the start count kept in path and returns the new
// value. The file is replaced by rename, so a crash leaves the old count or
// the new one. Processes sharing a state file must start one at a time,
// which a plugin host does.
func nextStart(path string) (int, error) {
	n := 0
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return 0, fmt.Errorf("chaos: state: %w", err)
	default:
		if n, err = strconv.Atoi(strings.TrimSpace(string(data))); err != nil {
			return 0, fmt.Errorf("chaos: state %s: %w", path, err)
		}
	}
	n++
	tmp, err := os.CreateTemp(filepath.Dir(path), ".chaos-state-*")
	if err != nil {
		return 0, fmt.Errorf("chaos: state: %w", err)
	}
	_, werr := tmp.WriteString(strconv.Itoa(n) + "\n")
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("chaos: state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("chaos: state: %w", err)
	}
	return n, nil
}
