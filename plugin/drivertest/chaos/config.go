package chaos

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/atlasd/atlasd/plugin/driver"
)

// Kind is one sort of fault.
type Kind string

// The faults. Rates are per call; a kind drawn for a call it makes no sense
// for (Torn outside Put, Corrupt outside Get) injects nothing.
const (
	// None injects nothing; in a script it is written "ok".
	None Kind = "ok"
	// Crash exits the process as the call arrives.
	Crash Kind = "crash"
	// CrashAfter does the call, then exits before answering: the work is
	// done but the caller never hears of it.
	CrashAfter Kind = "crash-after"
	// Torn writes the first half of a Put's blob where the store keeps it,
	// as a store that writes in place leaves it, then exits: a crash in
	// the middle of an upload.
	Torn Kind = "torn"
	// Stall never returns from this one call; the process goes on serving
	// others.
	Stall Kind = "stall"
	// Freeze stops the whole process (SIGSTOP): nothing answers, not even
	// go-plugin's own services, until it is killed.
	Freeze Kind = "freeze"
	// Deadlock makes this call and every later one block for good while
	// the process and go-plugin's health service keep running, as a driver
	// stuck on a lock would.
	Deadlock Kind = "deadlock"
	// Error fails the call without doing it.
	Error Kind = "error"
	// Slow waits up to SlowMax, ignoring the caller's deadline, then does
	// the call: an answer that may come after the caller gave up.
	Slow Kind = "slow"
	// Corrupt returns a Get's blob with one byte changed.
	Corrupt Kind = "corrupt"
)

// Kinds lists every fault, in the order a draw walks the rates.
var Kinds = []Kind{Crash, CrashAfter, Torn, Stall, Freeze, Deadlock, Error, Slow, Corrupt}

// Setting keys. The rate of kind k is the setting Prefix+k ("chaos.crash").
const (
	// Prefix starts every chaos setting; other settings belong to the
	// wrapped driver.
	Prefix = "chaos."
	// SettingSeed seeds the fault stream (an integer; default 1).
	SettingSeed = Prefix + "seed"
	// SettingSlowMax is the longest Slow wait (a Go duration; default 1s).
	SettingSlowMax = Prefix + "slow_max"
	// SettingOps lists the calls faults are drawn for, comma-separated,
	// from describe, configure, put, get, stat and list (default: the
	// four data calls).
	SettingOps = Prefix + "ops"
	// SettingScript fixes the faults of the first calls of chosen starts:
	// "1:torn,ok,crash;3:freeze" makes the first process's first call
	// tear, its third crash, and the third process's first call freeze.
	// Scripted calls draw nothing from the rates.
	SettingScript = Prefix + "script"
	// SettingJournal is a file every start and fault is appended to.
	SettingJournal = Prefix + "journal"
	// SettingState is a file holding the number of processes started so
	// far. Without it every process counts as start 0 and salts its seed
	// with its pid, so faults differ between processes but do not repeat.
	SettingState = Prefix + "state"
)

// ops are the calls a fault can be drawn for.
var ops = []string{"describe", "configure", "put", "get", "stat", "list"}

// Config is the parsed chaos settings.
type Config struct {
	Seed    int64
	Rates   map[Kind]float64
	SlowMax time.Duration
	// Ops holds the calls faults are drawn for.
	Ops map[string]bool
	// Script holds, by start number, the faults of that process's first
	// calls, in order of arrival.
	Script  map[int][]Kind
	Journal string
	State   string
}

// DefaultOps are the calls faults are drawn for unless SettingOps says.
var DefaultOps = []string{"put", "get", "stat", "list"}

// ParseSettings splits settings into the chaos configuration and the
// wrapped driver's own settings. Errors match driver.ErrInvalidArgument, so
// a plugin host treats a bad chaos setting as the configuration error it is.
func ParseSettings(settings map[string]string) (Config, map[string]string, error) {
	c := Config{Seed: 1, Rates: map[Kind]float64{}, SlowMax: time.Second, Ops: map[string]bool{}, Script: map[int][]Kind{}}
	for _, op := range DefaultOps {
		c.Ops[op] = true
	}
	inner := make(map[string]string, len(settings))
	var sum float64
	for k, v := range settings {
		name, ok := strings.CutPrefix(k, Prefix)
		if !ok {
			inner[k] = v
			continue
		}
		var err error
		switch k {
		case SettingSeed:
			c.Seed, err = strconv.ParseInt(v, 10, 64)
		case SettingSlowMax:
			c.SlowMax, err = time.ParseDuration(v)
			if err == nil && c.SlowMax < 0 {
				err = fmt.Errorf("negative")
			}
		case SettingOps:
			c.Ops, err = parseOps(v)
		case SettingScript:
			c.Script, err = parseScript(v)
		case SettingJournal:
			c.Journal = v
		case SettingState:
			c.State = v
		default:
			kind := Kind(name)
			if !slices.Contains(Kinds, kind) {
				return c, nil, fmt.Errorf("chaos: %w: unknown setting %q", driver.ErrInvalidArgument, k)
			}
			var rate float64
			rate, err = strconv.ParseFloat(v, 64)
			if err == nil && (rate < 0 || rate > 1) {
				err = fmt.Errorf("not in [0, 1]")
			}
			c.Rates[kind] = rate
			sum += rate
		}
		if err != nil {
			return c, nil, fmt.Errorf("chaos: %w: setting %q = %q: %v", driver.ErrInvalidArgument, k, v, err)
		}
	}
	if sum > 1 {
		return c, nil, fmt.Errorf("chaos: %w: rates add up to %g, more than 1", driver.ErrInvalidArgument, sum)
	}
	return c, inner, nil
}

func parseOps(v string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, op := range strings.Split(v, ",") {
		op = strings.TrimSpace(op)
		if op == "" {
			continue
		}
		if !slices.Contains(ops, op) {
			return nil, fmt.Errorf("unknown call %q", op)
		}
		out[op] = true
	}
	return out, nil
}

func parseScript(v string) (map[int][]Kind, error) {
	out := map[int][]Kind{}
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		startText, list, ok := strings.Cut(part, ":")
		start, err := strconv.Atoi(strings.TrimSpace(startText))
		if !ok || err != nil || start < 0 {
			return nil, fmt.Errorf("%q is not <start>:<kind>,…", part)
		}
		if _, dup := out[start]; dup {
			return nil, fmt.Errorf("start %d scripted twice", start)
		}
		var kinds []Kind
		for _, name := range strings.Split(list, ",") {
			k := Kind(strings.TrimSpace(name))
			if k != None && !slices.Contains(Kinds, k) {
				return nil, fmt.Errorf("unknown fault %q", k)
			}
			kinds = append(kinds, k)
		}
		out[start] = kinds
	}
	return out, nil
}

// Settings renders c as settings, merged over inner (the wrapped driver's),
// the inverse of ParseSettings.
func (c Config) Settings(inner map[string]string) map[string]string {
	out := maps.Clone(inner)
	if out == nil {
		out = map[string]string{}
	}
	out[SettingSeed] = strconv.FormatInt(c.Seed, 10)
	if c.SlowMax > 0 {
		out[SettingSlowMax] = c.SlowMax.String()
	}
	for k, r := range c.Rates {
		out[Prefix+string(k)] = strconv.FormatFloat(r, 'g', -1, 64)
	}
	if len(c.Ops) > 0 {
		var names []string
		for op, on := range c.Ops {
			if on {
				names = append(names, op)
			}
		}
		sort.Strings(names)
		out[SettingOps] = strings.Join(names, ",")
	}
	if len(c.Script) > 0 {
		starts := slices.Collect(maps.Keys(c.Script))
		sort.Ints(starts)
		parts := make([]string, 0, len(starts))
		for _, s := range starts {
			names := make([]string, len(c.Script[s]))
			for i, k := range c.Script[s] {
				names[i] = string(k)
			}
			parts = append(parts, strconv.Itoa(s)+":"+strings.Join(names, ","))
		}
		out[SettingScript] = strings.Join(parts, ";")
	}
	if c.Journal != "" {
		out[SettingJournal] = c.Journal
	}
	if c.State != "" {
		out[SettingState] = c.State
	}
	return out
}

// applies reports whether kind k means anything for call op.
func applies(k Kind, op string) bool {
	switch k {
	case None:
		return false
	case Torn:
		return op == "put"
	case Corrupt:
		return op == "get"
	}
	return true
}
