// Command chaosdriver is a backup-driver plugin that misbehaves on purpose:
// the directory driver (plugin/dirdriver) wrapped in plugin/drivertest/chaos.
// It takes the directory driver's "root" setting and the "chaos.*" settings
// that say how often it crashes, hangs, fails, dawdles or returns damaged
// bytes. It is built by tests (drivertest.BuildPlugin) and never shipped.
package main
