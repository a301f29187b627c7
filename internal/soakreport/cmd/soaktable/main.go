// Command soaktable prints the summary table of a `make soak` run from the
// report file the scenarios appended to, and exits 1 if any scenario lost
// something or failed to survive a fault.
package main

import (
	"fmt"
	"os"

	"github.com/atlasd/atlasd/internal/soakreport"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: soaktable REPORT.jsonl")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "soaktable:", err)
		os.Exit(2)
	}
	defer f.Close()
	rows, err := soakreport.Read(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "soaktable: no scenario reported")
		os.Exit(1)
	}
	ok, err := soakreport.WriteTable(os.Stdout, rows)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soaktable:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}
