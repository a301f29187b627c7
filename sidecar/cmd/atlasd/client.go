package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/atlasd/atlasd/plugin/backup"
	"github.com/atlasd/atlasd/virtualchain/nameop"
)

// The commands below are clients of a running daemon's REST API (api.listen
// from the same settings as `run`, or --api URL).

// apiClient talks to the daemon's REST API.
type apiClient struct {
	base string
	http *http.Client
}

func newAPIClient(fs *flag.FlagSet, name, example string, args []string) (*apiClient, *flag.FlagSet, int, bool) {
	api := fs.String("api", "", "the daemon's REST API, e.g. http://127.0.0.1:6270 (default: from api.listen)")
	l, code, ok := loadConfigWith(fs, name, example, args)
	if !ok {
		return nil, nil, code, false
	}
	base := *api
	if base == "" {
		host, port, _ := net.SplitHostPort(l.Config.API.Listen)
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	return &apiClient{base: strings.TrimSuffix(base, "/"), http: &http.Client{Timeout: 30 * time.Second}}, fs, 0, true
}

// get fetches path; a non-2xx answer becomes an error with the API's message.
func (c *apiClient) get(ctx context.Context, path string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	return c.do(req)
}

func (c *apiClient) do(req *http.Request) ([]byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("is atlasd running? %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s (HTTP %d)", e.Error, resp.StatusCode)
		}
		return nil, fmt.Errorf("HTTP %d from %s", resp.StatusCode, req.URL)
	}
	return body, nil
}

func fail(cmd string, err error) int {
	fmt.Fprintf(os.Stderr, "atlasd %s: %v\n", cmd, err)
	return exitFailure
}

func printJSON(body []byte) {
	var v any
	if json.Unmarshal(body, &v) == nil {
		out, _ := json.MarshalIndent(v, "", "  ")
		os.Stdout.Write(append(out, '\n'))
		return
	}
	os.Stdout.Write(body)
}

const statusExample = `
Example:
  atlasd status          # human summary
  atlasd status --json   # everything, for scripts`

func runStatus(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("atlasd status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	c, _, code, ok := newAPIClient(fs, "status", statusExample, args)
	if !ok {
		return code
	}
	all := map[string]json.RawMessage{}
	for key, path := range map[string]string{"info": "/v1/info", "atlas": "/v1/atlas/inventory", "peers": "/v1/atlas/peers", "backup": "/v1/backup/status"} {
		body, err := c.get(ctx, path)
		if err != nil {
			if key == "info" {
				return fail("status", err)
			}
			continue // Atlas off, for instance
		}
		all[key] = body
	}
	if *asJSON {
		out, _ := json.MarshalIndent(all, "", "  ")
		fmt.Println(string(out))
		return exitOK
	}
	var info struct {
		Network   string  `json:"network"`
		Height    int64   `json:"last_block_processed"`
		Consensus *string `json:"consensus"`
		Tip       *int64  `json:"node_tip"`
		Lag       *int64  `json:"lag"`
	}
	json.Unmarshal(all["info"], &info)
	fmt.Printf("network      %s\nheight       %d\n", info.Network, info.Height)
	if info.Tip != nil {
		fmt.Printf("node tip     %d (lag %d)\n", *info.Tip, *info.Lag)
	}
	if info.Consensus != nil {
		fmt.Printf("consensus    %s\n", *info.Consensus)
	}
	if raw, ok := all["atlas"]; ok {
		var inv struct{ Present, Total int }
		json.Unmarshal(raw, &inv)
		fmt.Printf("zonefiles    %d of %d announced slots held\n", inv.Present, inv.Total)
	}
	if raw, ok := all["peers"]; ok {
		var pl struct {
			Peers []struct {
				State string `json:"state"`
			} `json:"peers"`
		}
		json.Unmarshal(raw, &pl)
		by := map[string]int{}
		for _, p := range pl.Peers {
			by[p.State]++
		}
		fmt.Printf("atlas peers  %d (%d healthy)\n", len(pl.Peers), by["healthy"])
	}
	if raw, ok := all["backup"]; ok {
		var bs struct {
			Drivers []backup.DriverStatus `json:"drivers"`
		}
		json.Unmarshal(raw, &bs)
		fmt.Println("backups")
		backup.WriteStatus(os.Stdout, bs.Drivers, time.Now())
	}
	return exitOK
}

func runBackup(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "status" {
		fmt.Fprintln(os.Stderr, "usage: atlasd backup status [--json] [--api URL]\n\nShows each backup driver's queue depth, last error and last success.\n\nExample:\n  atlasd backup status --json")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return exitOK
		}
		return exitUsage
	}
	fs := flag.NewFlagSet("atlasd backup status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	c, _, code, ok := newAPIClient(fs, "backup status", "\nExample:\n  atlasd backup status --json", args[1:])
	if !ok {
		return code
	}
	body, err := c.get(ctx, "/v1/backup/status")
	if err != nil {
		return fail("backup status", err)
	}
	if *asJSON {
		printJSON(body)
		return exitOK
	}
	var bs struct {
		Drivers []backup.DriverStatus `json:"drivers"`
	}
	if err := json.Unmarshal(body, &bs); err != nil {
		return fail("backup status", err)
	}
	if err := backup.WriteStatus(os.Stdout, bs.Drivers, time.Now()); err != nil {
		return fail("backup status", err)
	}
	return exitOK
}

func runNames(ctx context.Context, args []string) int {
	if len(args) < 1 || args[0] != "show" {
		fmt.Fprintln(os.Stderr, "usage: atlasd names show NAME [--history] [--api URL]\n\nExample:\n  atlasd names show muneeb.id")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return exitOK
		}
		return exitUsage
	}
	fs := flag.NewFlagSet("atlasd names show", flag.ContinueOnError)
	hist := fs.Bool("history", false, "print the name's history instead of its record")
	c, fs, code, ok := newAPIClient(fs, "names show", "\nExample:\n  atlasd names show muneeb.id", args[1:])
	if !ok {
		return code
	}
	if fs.NArg() != 1 || !nameop.IsNameValid(fs.Arg(0)) {
		fmt.Fprintln(os.Stderr, "atlasd names show: want one valid name, e.g. muneeb.id")
		return exitUsage
	}
	path := "/v1/names/" + fs.Arg(0)
	if *hist {
		path += "/history"
	}
	body, err := c.get(ctx, path)
	if err != nil {
		return fail("names show", err)
	}
	printJSON(body)
	return exitOK
}

func runZonefile(ctx context.Context, args []string) int {
	usage := "usage: atlasd zonefile get HASH|NAME [--api URL]\n       atlasd zonefile put FILE [--api URL]\n\nExample:\n  atlasd zonefile get muneeb.id\n  atlasd zonefile put ./alice.zone"
	if len(args) < 1 || (args[0] != "get" && args[0] != "put") {
		fmt.Fprintln(os.Stderr, usage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return exitOK
		}
		return exitUsage
	}
	sub := args[0]
	fs := flag.NewFlagSet("atlasd zonefile "+sub, flag.ContinueOnError)
	c, fs, code, ok := newAPIClient(fs, "zonefile "+sub, "\n"+usage, args[1:])
	if !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, usage)
		return exitUsage
	}
	arg := fs.Arg(0)
	if sub == "get" {
		path := "/v1/zonefiles/" + arg
		if nameop.IsNameValid(arg) {
			path = "/v1/names/" + arg + "/zonefile"
		}
		body, err := c.get(ctx, path)
		if err != nil {
			return fail("zonefile get", err)
		}
		os.Stdout.Write(body)
		return exitOK
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return fail("zonefile put", err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/zonefile", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/octet-stream")
	body, err := c.do(req)
	if err != nil {
		return fail("zonefile put", err)
	}
	printJSON(body)
	return exitOK
}
