package config

// Source is the layer a setting's effective value came from.
type Source uint8

// The layers, in increasing precedence.
const (
	SourceDefault Source = iota
	SourceFile
	SourceEnv
	SourceFlag
)

// String names the layer as Print and error messages do.
func (s Source) String() string {
	switch s {
	case SourceDefault:
		return "default"
	case SourceFile:
		return "file"
	case SourceEnv:
		return "env"
	case SourceFlag:
		return "flag"
	}
	return "unknown"
}

// Sources maps a file key ("bitcoind.rpc_host", or "backup" for the whole
// [[backup]] list) to the layer that set it; a missing key is a default.
type Sources map[string]Source

// Of returns the layer that set key.
func (s Sources) Of(key string) Source { return s[key] }
