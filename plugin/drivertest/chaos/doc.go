// Package chaos wraps a blob driver so that it misbehaves on purpose: it
// crashes the process at the start or end of a call or half way through a
// Put, hangs one call or the whole process, fails calls, answers slowly, and
// hands back damaged bytes. It exists to prove that the plugin host and the
// backup manager lose nothing and never hang whatever a driver does;
// plugin/drivertest/chaosdriver serves it over the directory driver as a
// real plugin process.
//
// Faults are drawn per call from rates given as driver settings (keys
// starting with "chaos.", all others go to the wrapped driver), from a
// random stream seeded by chaos.seed and the process's start number, so a
// run is repeatable in what each process decides. chaos.script fixes the
// faults of the first calls of chosen starts exactly, for tests that need
// one particular fault at one particular moment. Every fault is appended to
// the chaos.journal file before it is injected, so a test can count what a
// run went through even when the process died of it.
package chaos
