package chaos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

func TestParseSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		want     string // error substring; "" for success
	}{
		{"inner only", map[string]string{"root": "/x"}, ""},
		{"all", map[string]string{"root": "/x", SettingSeed: "7", "chaos.crash": "0.1", "chaos.error": "0.5",
			SettingSlowMax: "3s", SettingOps: "put,describe", SettingScript: "1:torn,ok;4:freeze", SettingJournal: "/j", SettingState: "/s"}, ""},
		{"unknown key", map[string]string{"chaos.explode": "0.1"}, "unknown setting"},
		{"rate above 1", map[string]string{"chaos.crash": "1.5"}, "not in [0, 1]"},
		{"rate not a number", map[string]string{"chaos.crash": "often"}, "chaos.crash"},
		{"rates over 1", map[string]string{"chaos.crash": "0.6", "chaos.error": "0.6"}, "add up"},
		{"bad seed", map[string]string{SettingSeed: "x"}, "chaos.seed"},
		{"negative slow", map[string]string{SettingSlowMax: "-1s"}, "negative"},
		{"unknown op", map[string]string{SettingOps: "put,delete"}, "delete"},
		{"bad script kind", map[string]string{SettingScript: "1:melt"}, "melt"},
		{"bad script start", map[string]string{SettingScript: "x:crash"}, "x:crash"},
		{"script start twice", map[string]string{SettingScript: "1:crash;1:ok"}, "twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, inner, err := ParseSettings(tc.settings)
			if tc.want != "" {
				if !errors.Is(err, driver.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error = %v, want ErrInvalidArgument mentioning %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k := range inner {
				if strings.HasPrefix(k, Prefix) {
					t.Errorf("chaos setting %q passed to the wrapped driver", k)
				}
			}
			// Rendering and parsing again gives the same configuration.
			again, inner2, err := ParseSettings(cfg.Settings(inner))
			if err != nil {
				t.Fatalf("parsing rendered settings: %v", err)
			}
			if again.Seed != cfg.Seed || again.SlowMax != cfg.SlowMax || len(again.Rates) != len(cfg.Rates) ||
				len(again.Ops) != len(cfg.Ops) || len(again.Script) != len(cfg.Script) || len(inner2) != len(inner) {
				t.Errorf("round trip: %+v became %+v", cfg, again)
			}
		})
	}
}

// fake records the process-level actions instead of taking them.
type fake struct {
	exits, freezes, blocks atomic.Int32
	torn                   atomic.Value // []byte
}

func (f *fake) options() Options {
	return Options{
		Exit:   func(int) { f.exits.Add(1) },
		Freeze: func() { f.freezes.Add(1) },
		Block:  func() { f.blocks.Add(1) },
		Tear: func(settings map[string]string, key string, part []byte) error {
			f.torn.Store(append([]byte(nil), part...))
			path := dirdriver.BlobPath(settings[dirdriver.SettingRoot], key)
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return err
			}
			return os.WriteFile(path, part, 0o600)
		},
	}
}

// open returns a chaos directory driver configured with chaos settings.
func open(t *testing.T, f *fake, root string, chaos map[string]string) *Driver {
	t.Helper()
	d := New(dirdriver.New(), f.options())
	settings := map[string]string{dirdriver.SettingRoot: root}
	for k, v := range chaos {
		settings[k] = v
	}
	if err := d.Configure(context.Background(), driver.ConfigureRequest{Settings: settings}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return d
}

// TestScript runs each scripted fault against a real zonefile and checks
// what the caller and the store see.
func TestScript(t *testing.T) {
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	b := blobs[0]
	ctx := context.Background()
	tests := []struct {
		kind  Kind
		call  string
		check func(t *testing.T, f *fake, root string, err error, got []byte)
	}{
		{Crash, "put", func(t *testing.T, f *fake, root string, err error, _ []byte) {
			if f.exits.Load() != 1 || err == nil || exists(root, b.Key) {
				t.Errorf("exits %d, err %v, stored %v; want an exit before storing", f.exits.Load(), err, exists(root, b.Key))
			}
		}},
		{CrashAfter, "put", func(t *testing.T, f *fake, root string, err error, _ []byte) {
			if f.exits.Load() != 1 || err == nil || !stored(root, b) {
				t.Errorf("exits %d, err %v; want the blob stored, then an exit", f.exits.Load(), err)
			}
		}},
		{Torn, "put", func(t *testing.T, f *fake, root string, err error, _ []byte) {
			part, _ := f.torn.Load().([]byte)
			onDisk, _ := os.ReadFile(dirdriver.BlobPath(root, b.Key))
			if f.exits.Load() != 1 || err == nil || len(part) != len(b.Data)/2 || !bytes.Equal(onDisk, b.Data[:len(b.Data)/2]) {
				t.Errorf("exits %d, err %v, torn %d bytes, %d on disk; want the first half of %d left behind and an exit",
					f.exits.Load(), err, len(part), len(onDisk), len(b.Data))
			}
		}},
		{Stall, "put", func(t *testing.T, f *fake, root string, err error, _ []byte) {
			if f.blocks.Load() != 1 || err == nil || exists(root, b.Key) {
				t.Errorf("blocks %d, err %v; want the call blocked and nothing stored", f.blocks.Load(), err)
			}
		}},
		{Freeze, "put", func(t *testing.T, f *fake, root string, err error, _ []byte) {
			// The fake freeze returns, as a SIGCONT would; the call
			// then goes ahead.
			if f.freezes.Load() != 1 || err != nil || !stored(root, b) {
				t.Errorf("freezes %d, err %v", f.freezes.Load(), err)
			}
		}},
		{Error, "put", func(t *testing.T, f *fake, root string, err error, _ []byte) {
			if err == nil || errors.Is(err, driver.ErrInvalidArgument) || errors.Is(err, driver.ErrInvalidKey) || exists(root, b.Key) {
				t.Errorf("err %v, stored %v; want a plain failure and nothing stored", err, exists(root, b.Key))
			}
		}},
		{Corrupt, "get", func(t *testing.T, f *fake, root string, err error, got []byte) {
			if err != nil || len(got) != len(b.Data) || bytes.Equal(got, b.Data) || drivertest.Hash160(got) == b.Key || !stored(root, b) {
				t.Errorf("err %v, got %d bytes (equal %v); want the same length, other bytes, the store untouched",
					err, len(got), bytes.Equal(got, b.Data))
			}
		}},
		{Torn, "get", func(t *testing.T, f *fake, root string, err error, got []byte) {
			// Torn means nothing outside Put.
			if err != nil || !bytes.Equal(got, b.Data) || f.exits.Load() != 0 {
				t.Errorf("err %v, exits %d", err, f.exits.Load())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+" "+tc.call, func(t *testing.T) {
			root := t.TempDir()
			journal := filepath.Join(t.TempDir(), "journal")
			f := &fake{}
			script := string(tc.kind)
			if tc.call == "get" {
				script = "ok," + script // the Put that stores the blob first
			}
			d := open(t, f, root, map[string]string{SettingScript: "1:" + script, SettingState: filepath.Join(t.TempDir(), "state"), SettingJournal: journal})
			var err error
			var got []byte
			if tc.call == "get" {
				if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
					t.Fatal(err)
				}
				var resp driver.GetResponse
				resp, err = d.Get(ctx, driver.GetRequest{Key: b.Key})
				got = resp.Data
			} else {
				err = d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data})
			}
			tc.check(t, f, root, err, got)
			j, jerr := ReadJournal(journal)
			if jerr != nil {
				t.Fatal(jerr)
			}
			want := 1
			if !applies(tc.kind, tc.call) {
				want = 0
			}
			if j.Starts != 1 || j.Total() != want || j.Faults[tc.kind] != want {
				t.Errorf("journal = %+v, want 1 start and %d %s", j, want, tc.kind)
			}
		})
	}
}

func exists(root, key string) bool {
	_, err := os.Stat(dirdriver.BlobPath(root, key))
	return err == nil
}

func stored(root string, b drivertest.Blob) bool {
	data, err := os.ReadFile(dirdriver.BlobPath(root, b.Key))
	return err == nil && bytes.Equal(data, b.Data)
}

// TestDeadlock: after a Deadlock fault every call blocks, Describe and
// Configure included, although they draw no faults.
func TestDeadlock(t *testing.T) {
	f := &fake{}
	d := open(t, f, t.TempDir(), map[string]string{SettingScript: "0:deadlock"})
	blob := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	ctx := context.Background()
	if err := d.Put(ctx, driver.PutRequest{Key: blob.Key, Data: blob.Data}); err == nil {
		t.Fatal("deadlocked Put returned no error")
	}
	if _, err := d.Describe(ctx); err != nil {
		t.Fatal(err) // the fake Block returns; the point is that it was called
	}
	if _, err := d.Stat(ctx, driver.StatRequest{Key: blob.Key}); !errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("Stat: %v", err)
	}
	if n := f.blocks.Load(); n != 3 {
		t.Errorf("%d calls blocked, want 3 (the Put, then Describe and Stat)", n)
	}
}

// TestSlowFinishesLate: a slow Put stores the blob even though its caller
// gave up long before.
func TestSlowFinishesLate(t *testing.T) {
	root := t.TempDir()
	d := open(t, &fake{}, root, map[string]string{SettingScript: "0:slow", SettingSlowMax: "50ms"})
	blob := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[1]
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Put(ctx, driver.PutRequest{Key: blob.Key, Data: blob.Data}); err != nil {
		t.Fatalf("slow Put: %v", err)
	}
	if !stored(root, blob) {
		t.Error("the slow Put did not store the blob")
	}
}

// decisions runs n Stat calls on a fresh process sharing state and journal
// files and returns the faults its journal gained.
func decisions(t *testing.T, settings map[string]string, n int) []string {
	t.Helper()
	journal := settings[SettingJournal]
	before, _ := os.ReadFile(journal)
	d := open(t, &fake{}, t.TempDir(), settings)
	for range n {
		_, _ = d.Stat(context.Background(), driver.StatRequest{Key: "00112233"})
	}
	after, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	var faults []string
	for _, line := range strings.Split(strings.TrimSpace(string(after[len(before):])), "\n") {
		if strings.HasPrefix(line, "fault ") {
			faults = append(faults, strings.Fields(line)[2])
		}
	}
	return faults
}

// TestSeeded: the same seed and start number draw the same faults; the next
// start draws others; the rates are roughly what was asked.
func TestSeeded(t *testing.T) {
	settings := func(dir string) map[string]string {
		return map[string]string{SettingSeed: "42", "chaos.error": "0.3", "chaos.slow": "0.2", SettingSlowMax: "0s",
			SettingState: filepath.Join(dir, "state"), SettingJournal: filepath.Join(dir, "journal")}
	}
	dirA, dirB := t.TempDir(), t.TempDir()
	a1 := decisions(t, settings(dirA), 1000)
	b1 := decisions(t, settings(dirB), 1000)
	a2 := decisions(t, settings(dirA), 1000)
	if strings.Join(a1, ",") != strings.Join(b1, ",") {
		t.Error("the same seed and start drew different faults")
	}
	if strings.Join(a1, ",") == strings.Join(a2, ",") {
		t.Error("the second start drew the same faults as the first")
	}
	counts := map[string]int{}
	for _, k := range a1 {
		counts[k]++
	}
	if counts["error"] < 240 || counts["error"] > 360 || counts["slow"] < 150 || counts["slow"] > 250 {
		t.Errorf("fault counts %v over 1000 calls, want about 300 errors and 200 slow", counts)
	}
	j, err := ReadJournal(filepath.Join(dirA, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Starts != 2 || j.Total() != len(a1)+len(a2) || j.ByCall["error stat"] != j.Faults[Error] {
		t.Errorf("journal = %+v", j)
	}
}

// TestUnconfiguredDescribe: a plugin host describes a driver before
// configuring it, so nothing may be injected then.
func TestUnconfiguredDescribe(t *testing.T) {
	f := &fake{}
	d := New(dirdriver.New(), f.options())
	if _, err := d.Describe(context.Background()); err != nil || f.exits.Load()+f.blocks.Load() != 0 {
		t.Errorf("Describe before Configure: %v", err)
	}
	settings := map[string]string{dirdriver.SettingRoot: "relative", "chaos.crash": "1"}
	if err := d.Configure(context.Background(), driver.ConfigureRequest{Settings: settings}); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("Configure with the wrapped driver's bad root: %v", err)
	}
	if d.Start() != 0 {
		t.Errorf("a refused Configure counted a start")
	}
}

func TestReadJournal(t *testing.T) {
	tests := []struct {
		name, text string
		starts     int
		faults     int
		err        bool
	}{
		{"empty", "", 0, 0, false},
		{"two starts", "start 1 pid 10 5\nfault 1 crash put 00aa 6\nstart 2 pid 11 7\nfault 2 error get 00bb 8\nfault 2 stall list - 9\n", 2, 3, false},
		{"last line cut by a crash", "start 1 pid 10 5\nfault 1 crash put 00aa 6\nfau", 1, 1, false},
		{"garbage inside", "start 1 pid 10 5\nnonsense\nfault 1 crash put 00aa 6\n", 0, 0, true},
		{"time not a number", "start 1 pid 10 5\nfault 1 crash put 00aa six\n", 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := ReadJournal(path)
			if tc.err {
				if err == nil {
					t.Fatal("no error for a malformed journal")
				}
				return
			}
			if err != nil || j.Starts != tc.starts || j.Total() != tc.faults || len(j.Events) != tc.faults {
				t.Errorf("ReadJournal = %+v, %v; want %d starts, %d faults", j, err, tc.starts, tc.faults)
			}
			if tc.faults > 0 && (j.PIDs[1] != 10 || j.Events[0] != (Event{Start: 1, Kind: Crash, Call: "put", Key: "00aa", At: time.Unix(0, 6)})) {
				t.Errorf("first start and fault = pid %d, %+v", j.PIDs[1], j.Events[0])
			}
		})
	}
	if j, err := ReadJournal(filepath.Join(t.TempDir(), "none")); err != nil || j.Starts != 0 {
		t.Errorf("missing journal = %+v, %v", j, err)
	}
}
