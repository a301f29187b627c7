package host

import (
	"encoding/json"
	"io"
	"sort"
	"strings"

	"github.com/rs/zerolog"
)

// stderrWriter re-logs a plugin's stderr through zerolog. Lines in hclog's
// JSON format keep their level, message and fields ("@module" becomes
// "module"); anything else, such as a Go panic trace, is logged as is at warn
// level, or error once a panic has started. Nothing in a line is trusted:
// wrong types fall back to the raw line.
func stderrWriter(l zerolog.Logger) io.Writer {
	inPanic := false
	return &lineWriter{emit: func(line string) {
		if logHCLogJSON(l, line) {
			return
		}
		if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
			inPanic = true
		}
		level := zerolog.WarnLevel
		if inPanic {
			level = zerolog.ErrorLevel
		}
		l.WithLevel(level).Str("stream", "stderr").Msg(line)
	}}
}

// logHCLogJSON logs one hclog JSON line and reports whether it was one.
func logHCLogJSON(l zerolog.Logger, line string) bool {
	if !strings.HasPrefix(line, "{") {
		return false
	}
	var raw map[string]interface{}
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		return false
	}
	msg, ok := raw["@message"].(string)
	if !ok {
		return false
	}
	levelName, _ := raw["@level"].(string)
	ev := l.WithLevel(levelFromHCLog(levelName))
	if ev == nil {
		return true
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		switch k {
		case "@message", "@level", "@timestamp":
		default:
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := strings.TrimPrefix(k, "@")
		switch v := raw[k].(type) {
		case string:
			ev = ev.Str(name, v)
		default:
			ev = ev.Interface(name, v)
		}
	}
	ev.Msg(msg)
	return true
}

func levelFromHCLog(s string) zerolog.Level {
	switch strings.ToLower(s) {
	case "trace":
		return zerolog.TraceLevel
	case "debug":
		return zerolog.DebugLevel
	case "warn", "warning":
		return zerolog.WarnLevel
	case "error":
		return zerolog.ErrorLevel
	default:
		return zerolog.InfoLevel
	}
}
