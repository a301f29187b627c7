package config

import (
	"flag"
)

// flagLayer is what the command line sets.
type flagLayer struct {
	values    map[string]string // by file key
	config    string
	hasConfig bool
}

// rawFlag stores the text of a flag for decoding after parsing, so that a
// bad value is reported in this package's words (which never quote a
// secret) rather than the flag package's, and after every layer is read.
type rawFlag struct {
	layer *flagLayer
	key   string
	def   string
	bool  bool
}

func (f *rawFlag) String() string {
	if f == nil || f.layer == nil {
		return ""
	}
	if v, ok := f.layer.values[f.key]; ok {
		return v
	}
	return f.def
}

func (f *rawFlag) Set(v string) error {
	f.layer.values[f.key] = v
	return nil
}

// IsBoolFlag lets "--atlas.enabled" stand for "--atlas.enabled=true".
func (f *rawFlag) IsBoolFlag() bool { return f.bool }

type configPathFlag struct{ layer *flagLayer }

func (f *configPathFlag) String() string {
	if f == nil || f.layer == nil {
		return ""
	}
	return f.layer.config
}

func (f *configPathFlag) Set(v string) error {
	f.layer.config, f.layer.hasConfig = v, true
	return nil
}

// bindFlags defines a flag for every setting, and --config, on fs.
func bindFlags(fs *flag.FlagSet, all []setting, defaults *Config) *flagLayer {
	l := &flagLayer{values: map[string]string{}}
	for i := range all {
		s := &all[i]
		def := ""
		if !s.secret {
			def = formatText(s, defaults)
		}
		fs.Var(&rawFlag{layer: l, key: s.key, def: def, bool: s.kind == kindBool}, s.flag, s.help)
	}
	fs.Var(&configPathFlag{layer: l}, configFlag, "config file (default <datadir>/atlasd.toml if it exists; empty for none)")
	return l
}
