package main

import "github.com/atlasd/atlasd/plugin/driver"

func main() {
	driver.Serve(newDriver(driver.NewLogger("dropbox")))
}
