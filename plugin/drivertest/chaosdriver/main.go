package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest/chaos"
)

func main() {
	log := driver.NewLogger("chaos")
	driver.Serve(chaos.New(dirdriver.New(), chaos.Options{Tear: tear, Logger: log}))
}

// tear leaves part of a blob at its final path, written in place and not
// synced, as a store without dirdriver's atomic rename would after a crash
// in the middle of the write. The directory driver's next Put of the key
// finds the size wrong and replaces it.
func tear(settings map[string]string, key string, part []byte) error {
	root := settings[dirdriver.SettingRoot]
	if root == "" {
		return errors.New("no root setting")
	}
	path := dirdriver.BlobPath(root, key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, part, 0o600)
}
