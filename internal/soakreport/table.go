package soakreport

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Read parses the rows a report file holds, one JSON object per line.
func Read(r io.Reader) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var row Row
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("soakreport: line %d: %w", n, err)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("soakreport: %w", err)
	}
	return rows, nil
}

// WriteTable prints rows as an aligned table with a totals line, and
// reports whether every row survived everything with nothing lost.
func WriteTable(w io.Writer, rows []Row) (ok bool, err error) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AREA\tSCENARIO\tTRIED\tSURVIVED\tLOST\tTIME\tNOTES")
	var tried, survived, lost int
	var total time.Duration
	ok = true
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", r.Area, r.Scenario, r.Tried, r.Survived, r.Lost,
			r.Duration.Round(time.Second), r.Notes)
		tried += r.Tried
		survived += r.Survived
		lost += r.Lost
		total += r.Duration
		if r.Lost != 0 || r.Survived != r.Tried {
			ok = false
		}
	}
	fmt.Fprintf(tw, "TOTAL\t%d scenarios\t%d\t%d\t%d\t%s\t\n", len(rows), tried, survived, lost, total.Round(time.Second))
	return ok, tw.Flush()
}
