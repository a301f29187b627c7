package backup

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	const minD, maxD = 100 * time.Millisecond, 2 * time.Second
	tests := []struct {
		n    int
		base time.Duration // before jitter
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, 1600 * time.Millisecond},
		{6, maxD},
		{64, maxD},
		{1 << 30, maxD},
	}
	for _, tc := range tests {
		seen := make(map[time.Duration]bool)
		for range 200 {
			d := retryDelay(minD, maxD, tc.n)
			if d < tc.base/2 || d > tc.base {
				t.Fatalf("retryDelay(%d) = %v, want within [%v, %v]", tc.n, d, tc.base/2, tc.base)
			}
			seen[d] = true
		}
		// Jitter: 200 draws from ~10^8 values cannot all coincide.
		if len(seen) < 2 {
			t.Errorf("retryDelay(%d) returned one value 200 times: no jitter", tc.n)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	src := newMemStore()
	sum := strings.Repeat("ab", 32)
	ok := Spec{Name: "s3-main", Path: "/usr/lib/atlasd/s3", SHA256: sum}
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" for none
	}{
		{"ok", Config{Dir: "/q", Source: src, Drivers: []Spec{ok}}, ""},
		{"no drivers", Config{Dir: "/q", Source: src}, ""},
		{"no dir", Config{Source: src}, "queue directory"},
		{"no source", Config{Dir: "/q"}, "source"},
		{"bad name", Config{Dir: "/q", Source: src, Drivers: []Spec{{Name: "-x", Path: "/p"}}}, "name"},
		{"long name", Config{Dir: "/q", Source: src, Drivers: []Spec{{Name: strings.Repeat("a", 65), Path: "/p"}}}, "name"},
		{"dup name", Config{Dir: "/q", Source: src, Drivers: []Spec{ok, ok}}, "used twice"},
		{"no path", Config{Dir: "/q", Source: src, Drivers: []Spec{{Name: "a"}}}, "empty path"},
		{"builtin with sum", Config{Dir: "/q", Source: src, Drivers: []Spec{{Name: "a", Path: BuiltinDir, SHA256: sum}}}, "sha256 must be empty"},
		{"retry inverted", Config{Dir: "/q", Source: src, MinRetry: time.Minute, MaxRetry: time.Second}, "retry"},
		{"too many", Config{Dir: "/q", Source: src, Drivers: make([]Spec, maxDrivers+1)}, "at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				if got.Concurrency != DefaultConcurrency || got.CallTimeout != DefaultCallTimeout ||
					got.MinRetry != DefaultMinRetry || got.MaxRetry != DefaultMaxRetry || got.Now == nil {
					t.Errorf("defaults not filled: %+v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "backup: ") {
				t.Errorf("validate error = %v, want a backup: error mentioning %q", err, tc.want)
			}
		})
	}
}

// TestScrubber: every settings value long enough to be a secret is removed
// from error text, the longest match first.
func TestScrubber(t *testing.T) {
	s := newScrubber(map[string]string{
		"secret_access_key": "wJalrXUtnFEMI/K7MDENG",
		"access_key_id":     "AKIAIOSFODNN7",
		"token":             "AKIAIOSFODNN7-extended",
		"path_style":        "on",
	})
	tests := []struct{ in, want string }{
		{"signature for wJalrXUtnFEMI/K7MDENG failed", "signature for <secret_access_key> failed"},
		{"key AKIAIOSFODNN7 unknown", "key <access_key_id> unknown"},
		{"token AKIAIOSFODNN7-extended expired", "token <token> expired"},
		{"path style on", "path style on"},
	}
	for _, tc := range tests {
		if got := s.Replace(tc.in); got != tc.want {
			t.Errorf("scrub(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	tg := newTarget(Spec{Settings: map[string]string{"k": "hunter22"}}, nil, nil, discard())
	if got := tg.redact(errors.New("login hunter22 refused")); strings.Contains(got, "hunter22") {
		t.Errorf("redact left the value in: %q", got)
	}
}
