package host

// Verify checks the binary against the configured checksum now. Run does the
// same before every start; calling it up front lets a daemon refuse a bad
// configuration at startup instead of on the first launch.
func (h *Host) Verify() error {
	return verifyChecksum(h.cfg.Name, h.cfg.Path, h.sum)
}

// Restarts returns how many times Run has replaced a plugin process that
// exited or became unreachable; the same count as the restarts metric, for
// status reports that do not go through Prometheus.
func (h *Host) Restarts() uint64 { return h.restarts.Load() }

// Up reports whether a started and configured plugin process is serving
// calls right now.
func (h *Host) Up() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur != nil
}
