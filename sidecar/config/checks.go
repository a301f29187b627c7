package config

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// applyChecks runs the rules of s's check tag on its value in cfg,
// expanding ~ in place for paths.
func (s *setting) applyChecks(cfg *Config, home string, errs *errList) {
	f := s.field(cfg)
	optional := slices.Contains(s.checks, "optional")
	for _, c := range s.checks {
		rule, arg, _ := strings.Cut(c, "=")
		var reason string
		switch rule {
		case "optional":
		case "required":
			if f.String() == "" {
				reason = "must be set"
			}
		case "path":
			var p string
			p, reason = expandHome(f.String(), home)
			if reason == "" {
				f.SetString(p)
			}
		case "oneof":
			if v := f.String(); !slices.Contains(strings.Split(arg, "|"), v) {
				reason = fmt.Sprintf("want one of %s, got %s", strings.ReplaceAll(arg, "|", ", "), show(v, s.secret))
			}
		case "dial", "listen":
			reason = s.checkAddrs(cfg, rule == "listen", optional)
		case "zmq":
			reason = checkZMQ(f.String(), s.secret)
		case "cidr":
			reason = checkCIDRs(f.Interface().([]string))
		case "positive":
			if n := s.number(cfg); n <= 0 {
				reason = "must be greater than zero"
			}
		case "max":
			limit, err := strconv.ParseInt(arg, 10, 64)
			if err != nil {
				reason = "bad check tag " + c
			} else if n := s.number(cfg); n > limit {
				reason = fmt.Sprintf("must be at most %d", limit)
			}
		default:
			reason = "unknown check " + c
		}
		if reason != "" {
			errs.add(s.key, "", reason)
			return
		}
	}
}

// number reads a numeric setting as int64, saturating, for range rules.
func (s *setting) number(cfg *Config) int64 {
	f := s.field(cfg)
	switch s.kind {
	case kindInt, kindDuration:
		return f.Int()
	case kindUint:
		if u := f.Uint(); u <= 1<<63-1 {
			return int64(u)
		}
		return 1<<63 - 1
	}
	return 0
}

// checkAddrs applies an address rule to a string or to every item of a
// list.
func (s *setting) checkAddrs(cfg *Config, listen, optional bool) string {
	f := s.field(cfg)
	if s.kind == kindList {
		for i, v := range f.Interface().([]string) {
			if reason := checkHostPort(v, listen, s.secret); reason != "" {
				return fmt.Sprintf("item %d: %s", i, reason)
			}
		}
		return ""
	}
	if optional && f.String() == "" {
		return ""
	}
	return checkHostPort(f.String(), listen, s.secret)
}

// checkHostPort accepts host:port. An address to dial needs a host and a
// port from 1 to 65535; one to listen on may leave the host empty (all
// interfaces) and use port 0 (any free port, for tests).
func checkHostPort(v string, listen, secret bool) string {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "want host:port, got " + show(v, secret)
	}
	if host == "" && !listen {
		return "want host:port with a host, got " + show(v, secret)
	}
	if strings.ContainsAny(host, "@/ \t\r\n") {
		return "want a bare host name or IP, got " + show(v, secret)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || (n == 0 && !listen) {
		return "want a port from 1 to 65535, got " + show(v, secret)
	}
	return ""
}

// checkCIDRs accepts a list of networks in CIDR form ("10.0.0.0/8",
// "::1/128").
func checkCIDRs(v []string) string {
	for i, c := range v {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Sprintf("item %d: want a network such as 127.0.0.1/32, got %s", i, show(c, false))
		}
	}
	return ""
}

// checkZMQ accepts an empty endpoint (ZMQ off), tcp://host:port or
// ipc://path, the transports bitcoind publishes on.
func checkZMQ(v string, secret bool) string {
	if v == "" {
		return ""
	}
	if addr, ok := strings.CutPrefix(v, "tcp://"); ok {
		if reason := checkHostPort(addr, false, secret); reason != "" {
			return "tcp endpoint: " + reason
		}
		return ""
	}
	if p, ok := strings.CutPrefix(v, "ipc://"); ok && p != "" {
		return ""
	}
	return "want tcp://host:port or ipc://path, got " + show(v, secret)
}

// expandHome replaces a leading ~ with home. The ~user form is refused
// rather than looked up: a daemon's paths should not depend on the
// password database of the host it happens to run on.
func expandHome(p, home string) (string, string) {
	if !strings.HasPrefix(p, "~") {
		return p, ""
	}
	rest := p[1:]
	if rest != "" && rest[0] != '/' && rest[0] != filepath.Separator {
		return p, "~user paths are not supported; write the path out"
	}
	if home == "" {
		return p, "cannot expand ~: HOME is not set"
	}
	return filepath.Join(home, rest), ""
}
