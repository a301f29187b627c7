// Command dir serves the built-in directory driver (plugin/dirdriver) as a
// backup-driver plugin, for operators who want the store handled in a
// separate process, and as the plugin the host tests launch, kill and
// restart. It takes one setting, "root": an absolute directory.
package main

import (
	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/driver"
)

func main() {
	driver.Serve(dirdriver.New())
}
