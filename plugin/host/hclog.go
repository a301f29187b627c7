package host

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/rs/zerolog"
)

// hclogBridge is an hclog.Logger writing to zerolog. go-plugin logs its own
// events and re-logs every JSON line of the plugin's stderr through the
// hclog.Logger it is given, so this one adapter carries both into the
// daemon's log, with the hclog name as the "plugin" field.
//
// One child is silenced: go-plugin parses the plugin's stderr itself and
// hands the result to Named(<binary name>), but its parser panics on JSON
// whose "@message" or "@level" is not a string, which would let a faulty
// plugin crash the daemon. Reporting that child as Off makes go-plugin skip
// its parser and pass raw lines to ClientConfig.Stderr, where stderrWriter
// parses them without trusting them.
type hclogBridge struct {
	log     zerolog.Logger
	name    string
	implied []interface{}
	mute    string // Named(mute) returns a silenced logger
	off     bool
}

var _ hclog.Logger = (*hclogBridge)(nil)

func newHCLogBridge(l zerolog.Logger, mute string) *hclogBridge {
	return &hclogBridge{log: l, mute: mute}
}

func toZerolog(l hclog.Level) zerolog.Level {
	switch l {
	case hclog.Trace:
		return zerolog.TraceLevel
	case hclog.Debug:
		return zerolog.DebugLevel
	case hclog.Warn:
		return zerolog.WarnLevel
	case hclog.Error:
		return zerolog.ErrorLevel
	case hclog.Off:
		return zerolog.Disabled
	default:
		return zerolog.InfoLevel
	}
}

func toHCLog(l zerolog.Level) hclog.Level {
	switch {
	case l <= zerolog.TraceLevel:
		return hclog.Trace
	case l == zerolog.DebugLevel:
		return hclog.Debug
	case l == zerolog.InfoLevel:
		return hclog.Info
	case l == zerolog.WarnLevel:
		return hclog.Warn
	case l == zerolog.Disabled:
		return hclog.Off
	default:
		return hclog.Error
	}
}

// effective is the level below which zerolog drops events for this logger.
func (b *hclogBridge) effective() zerolog.Level {
	if b.off {
		return zerolog.Disabled
	}
	if g := zerolog.GlobalLevel(); g > b.log.GetLevel() {
		return g
	}
	return b.log.GetLevel()
}

// Log implements hclog.Logger. Arguments are key/value pairs; an odd one out
// is kept under "EXTRA_VALUE_AT_END", as hclog itself does.
func (b *hclogBridge) Log(level hclog.Level, msg string, args ...interface{}) {
	if b.off {
		return
	}
	ev := b.log.WithLevel(toZerolog(level))
	if ev == nil {
		return
	}
	if b.name != "" {
		ev = ev.Str("plugin", b.name)
	}
	addPairs(ev, b.implied)
	addPairs(ev, args)
	ev.Msg(msg)
}

func addPairs(ev *zerolog.Event, kv []interface{}) {
	for i := 0; i < len(kv); i += 2 {
		if i+1 == len(kv) {
			ev.Interface("EXTRA_VALUE_AT_END", kv[i])
			return
		}
		key, ok := kv[i].(string)
		if !ok {
			key = fmt.Sprint(kv[i])
		}
		// go-plugin adds the plugin's own timestamp; zerolog stamps the
		// event already and two times only confuse.
		if key == "timestamp" {
			continue
		}
		switch v := kv[i+1].(type) {
		case error:
			ev.AnErr(key, v)
		case string:
			ev.Str(key, v)
		default:
			ev.Interface(key, v)
		}
	}
}

// Trace implements hclog.Logger.
func (b *hclogBridge) Trace(msg string, args ...interface{}) { b.Log(hclog.Trace, msg, args...) }

// Debug implements hclog.Logger.
func (b *hclogBridge) Debug(msg string, args ...interface{}) { b.Log(hclog.Debug, msg, args...) }

// Info implements hclog.Logger.
func (b *hclogBridge) Info(msg string, args ...interface{}) { b.Log(hclog.Info, msg, args...) }

// Warn implements hclog.Logger.
func (b *hclogBridge) Warn(msg string, args ...interface{}) { b.Log(hclog.Warn, msg, args...) }

// Error implements hclog.Logger.
func (b *hclogBridge) Error(msg string, args ...interface{}) { b.Log(hclog.Error, msg, args...) }

// IsTrace implements hclog.Logger.
func (b *hclogBridge) IsTrace() bool { return b.effective() <= zerolog.TraceLevel }

// IsDebug implements hclog.Logger.
func (b *hclogBridge) IsDebug() bool { return b.effective() <= zerolog.DebugLevel }

// IsInfo implements hclog.Logger.
func (b *hclogBridge) IsInfo() bool { return b.effective() <= zerolog.InfoLevel }

// IsWarn implements hclog.Logger.
func (b *hclogBridge) IsWarn() bool { return b.effective() <= zerolog.WarnLevel }

// IsError implements hclog.Logger.
func (b *hclogBridge) IsError() bool { return b.effective() <= zerolog.ErrorLevel }

// ImpliedArgs implements hclog.Logger.
func (b *hclogBridge) ImpliedArgs() []interface{} { return b.implied }

// With implements hclog.Logger.
func (b *hclogBridge) With(args ...interface{}) hclog.Logger {
	c := *b
	c.implied = append(append([]interface{}(nil), b.implied...), args...)
	return &c
}

// Name implements hclog.Logger.
func (b *hclogBridge) Name() string { return b.name }

// Named implements hclog.Logger.
func (b *hclogBridge) Named(name string) hclog.Logger {
	c := *b
	if b.mute != "" && name == b.mute {
		c.off = true
	}
	if c.name != "" {
		name = c.name + "." + name
	}
	c.name = name
	return &c
}

// ResetNamed implements hclog.Logger.
func (b *hclogBridge) ResetNamed(name string) hclog.Logger {
	c := *b
	c.name = name
	return &c
}

// SetLevel implements hclog.Logger. It affects this logger value only:
// zerolog loggers are values, and the daemon's level is set at the root.
func (b *hclogBridge) SetLevel(level hclog.Level) { b.log = b.log.Level(toZerolog(level)) }

// GetLevel implements hclog.Logger. go-plugin uses it to skip parsing plugin
// lines that would be dropped anyway.
func (b *hclogBridge) GetLevel() hclog.Level { return toHCLog(b.effective()) }

// StandardLogger implements hclog.Logger.
func (b *hclogBridge) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(b.StandardWriter(opts), "", 0)
}

// StandardWriter implements hclog.Logger: each line becomes one event, at
// opts.ForceLevel if set, else Info.
func (b *hclogBridge) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	level := hclog.Info
	if opts != nil && opts.ForceLevel != hclog.NoLevel {
		level = opts.ForceLevel
	}
	return &lineWriter{emit: func(line string) { b.Log(level, line) }}
}

// lineWriter turns a byte stream into one callback per line, holding back a
// partial last line until it is completed. Lines are capped so a plugin that
// never writes a newline cannot grow the buffer without bound.
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	emit func(line string)
}

const maxLogLine = 64 << 10

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		i := bytes.IndexByte(w.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		line := string(bytes.TrimRight(w.buf.Next(i+1), "\r\n"))
		if line != "" {
			w.emit(line)
		}
	}
	if w.buf.Len() > maxLogLine {
		w.emit(w.buf.String())
		w.buf.Reset()
	}
	return len(p), nil
}

// stdioWriter logs a plugin's stray stdout or stderr writes (those not made
// through its hclog logger) one line per event.
func stdioWriter(l zerolog.Logger, level zerolog.Level, stream string) io.Writer {
	return &lineWriter{emit: func(line string) {
		l.WithLevel(level).Str("stream", stream).Msg(line)
	}}
}
