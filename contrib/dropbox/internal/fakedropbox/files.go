package fakedropbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// maxListLimit is the largest limit list_folder accepts.
	maxListLimit = 2000
	// maxUpload is the most files/upload takes in one call (150 MiB).
	maxUpload = 150 << 20
	// maxRPCBody bounds RPC argument bodies; ours are tiny.
	maxRPCBody = 1 << 20
)

func apiRoutes(s *Server) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"files/get_metadata":         s.rpc("files/get_metadata", s.getMetadata),
		"files/list_folder":          s.rpc("files/list_folder", s.listFolder),
		"files/list_folder/continue": s.rpc("files/list_folder/continue", s.listFolderContinue),
		"oauth2/token":               s.token,
	}
}

func contentRoutes(s *Server) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"files/upload":   s.upload,
		"files/download": s.download,
	}
}

// rpcFunc answers one RPC call from its JSON argument; it runs with s.mu
// held.
type rpcFunc func(route string, arg []byte) (any, *apiError)

// rpc adapts an rpcFunc to HTTP: POST, bearer auth, a JSON body in, a JSON
// result or error out.
func (s *Server) rpc(route string, f rpcFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		if !s.authorize(w, r, route) {
			return
		}
		ct := r.Header.Get("Content-Type")
		if !slices.Contains([]string{"application/json", "application/json; charset=utf-8", "text/plain; charset=dropbox-cors-hack"}, ct) {
			badRequest(route, `Bad HTTP "Content-Type" header: %q.  Expecting one of "application/json", "application/json; charset=utf-8", "text/plain; charset=dropbox-cors-hack".`, ct).write(w)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRPCBody))
		if err != nil {
			badRequest(route, "request body: %v", err).write(w)
			return
		}
		s.mu.Lock()
		res, aerr := f(route, body)
		s.mu.Unlock()
		if aerr != nil {
			aerr.write(w)
			return
		}
		writeJSON(w, res)
	}
}

// decodeArg parses a JSON argument; where names the argument's origin in
// the error ("request body" or a header).
func decodeArg(route, where string, raw []byte, v any) *apiError {
	if err := json.Unmarshal(raw, v); err != nil {
		return badRequest(route, "%s: could not decode input as JSON", where)
	}
	return nil
}

// headerArg returns the JSON argument of a content route, from the
// Dropbox-API-Arg header or the arg URL parameter.
func headerArg(r *http.Request, route string) ([]byte, *apiError) {
	arg := r.Header.Get("Dropbox-API-Arg")
	if arg == "" {
		arg = r.URL.Query().Get("arg")
	}
	if arg == "" {
		return nil, badRequest(route, `Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg".`)
	}
	for i := 0; i < len(arg); i++ {
		if arg[i] >= 0x7f {
			return nil, badRequest(route, `HTTP header "Dropbox-API-Arg": could not decode input as JSON`)
		}
	}
	return []byte(arg), nil
}

// checkPath applies the path pattern common to the routes: a "/"-rooted
// path, or an id:, ns: or rev: reference. References are accepted by the
// pattern but name nothing in this fake.
func checkPath(route, p string) (ref bool, aerr *apiError) {
	switch {
	case strings.HasPrefix(p, "/"):
		return false, nil
	case strings.HasPrefix(p, "id:"), strings.HasPrefix(p, "ns:"), strings.HasPrefix(p, "rev:"):
		return true, nil
	}
	return false, badRequest(route, "request body: path: %q did not match pattern '(/(.|[\\r\\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/.*)?)'", p)
}

// getMetadata answers files/get_metadata.
func (s *Server) getMetadata(route string, raw []byte) (any, *apiError) {
	var arg struct {
		Path *string `json:"path"`
	}
	if aerr := decodeArg(route, "request body", raw, &arg); aerr != nil {
		return nil, aerr
	}
	if arg.Path == nil {
		return nil, badRequest(route, "request body: missing required field 'path'")
	}
	p := *arg.Path
	if p == "" || p == "/" {
		return nil, badRequest(route, "request body: path: The root folder is unsupported.")
	}
	ref, aerr := checkPath(route, p)
	if aerr != nil {
		return nil, aerr
	}
	if ref {
		return nil, lookupError("not_found")
	}
	if _, ok := splitPath(p); !ok {
		return nil, lookupError("malformed_path")
	}
	n := s.tree.lookup(strings.ToLower(p))
	if n == nil {
		return nil, lookupError("not_found")
	}
	return n.metadata(true), nil
}

// upload answers files/upload.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	const route = "files/upload"
	if r.Method != http.MethodPost {
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.authorize(w, r, route) {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/octet-stream" && ct != "text/plain; charset=dropbox-cors-hack" {
		badRequest(route, `Bad HTTP "Content-Type" header: %q.  Expecting one of "application/octet-stream", "text/plain; charset=dropbox-cors-hack".`, ct).write(w)
		return
	}
	raw, aerr := headerArg(r, route)
	if aerr != nil {
		aerr.write(w)
		return
	}
	var arg struct {
		Path           *string         `json:"path"`
		Mode           json.RawMessage `json:"mode"`
		Autorename     bool            `json:"autorename"`
		ClientModified *string         `json:"client_modified"`
		StrictConflict bool            `json:"strict_conflict"`
		ContentHash    string          `json:"content_hash"`
	}
	if aerr := decodeArg(route, `HTTP header "Dropbox-API-Arg"`, raw, &arg); aerr != nil {
		aerr.write(w)
		return
	}
	if arg.Path == nil {
		badRequest(route, `HTTP header "Dropbox-API-Arg": missing required field 'path'`).write(w)
		return
	}
	mode, aerr := parseWriteMode(route, arg.Mode)
	if aerr != nil {
		aerr.write(w)
		return
	}
	if arg.Autorename {
		// Not needed by the driver; refusing beats pretending.
		badRequest(route, "autorename is not implemented by fakedropbox").write(w)
		return
	}
	if arg.ContentHash != "" && len(arg.ContentHash) != 64 {
		badRequest(route, `HTTP header "Dropbox-API-Arg": content_hash: %q must be 64 characters long`, arg.ContentHash).write(w)
		return
	}
	now := s.cfg.Now()
	client := now
	if arg.ClientModified != nil {
		t, err := time.Parse(TimeFormat, *arg.ClientModified)
		if err != nil {
			badRequest(route, `HTTP header "Dropbox-API-Arg": client_modified: %q is not a timestamp of the form "%%Y-%%m-%%dT%%H:%%M:%%SZ"`, *arg.ClientModified).write(w)
			return
		}
		client = t
	}
	if !strings.HasPrefix(*arg.Path, "/") {
		badRequest(route, `HTTP header "Dropbox-API-Arg": path: %q did not match pattern '(/(.|[\r\n])*)|(ns:[0-9]+(/.*)?)|(id:.*)'`, *arg.Path).write(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxUpload+1))
	if err != nil {
		badRequest(route, "request body: %v", err).write(w)
		return
	}
	if len(body) > maxUpload {
		endpointError("payload_too_large", tag("payload_too_large")).write(w)
		return
	}
	if arg.ContentHash != "" && arg.ContentHash != ContentHash(body) {
		endpointError("content_hash_mismatch", tag("content_hash_mismatch")).write(w)
		return
	}
	s.mu.Lock()
	if s.faults.failUploads > 0 {
		s.faults.failUploads--
		s.mu.Unlock()
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	n, aerr := s.tree.put(*arg.Path, body, mode, arg.StrictConflict, client, now, s.faults.quota)
	var res any
	if aerr == nil {
		res = n.metadata(false)
	}
	s.mu.Unlock()
	if aerr != nil {
		aerr.write(w)
		return
	}
	writeJSON(w, res)
}

// parseWriteMode reads a WriteMode: a union object, or for its void members
// the bare tag string.
func parseWriteMode(route string, raw json.RawMessage) (writeMode, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return writeMode{tag: "add"}, nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		if name == "add" || name == "overwrite" {
			return writeMode{tag: name}, nil
		}
		return writeMode{}, badRequest(route, `HTTP header "Dropbox-API-Arg": mode: unknown tag %q or a non-void member given as a string`, name)
	}
	var u struct {
		Tag    string `json:".tag"`
		Update string `json:"update"`
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return writeMode{}, badRequest(route, `HTTP header "Dropbox-API-Arg": mode: could not decode input as JSON`)
	}
	switch u.Tag {
	case "add", "overwrite":
		return writeMode{tag: u.Tag}, nil
	case "update":
		if len(u.Update) < 9 {
			return writeMode{}, badRequest(route, `HTTP header "Dropbox-API-Arg": mode: update: %q is shorter than 9 characters`, u.Update)
		}
		return writeMode{tag: "update", rev: u.Update}, nil
	}
	return writeMode{}, badRequest(route, `HTTP header "Dropbox-API-Arg": mode: unknown tag %q`, u.Tag)
}

// download answers files/download.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	const route = "files/download"
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.authorize(w, r, route) {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !slices.Contains([]string{"text/plain", "text/plain; charset=utf-8", "application/octet-stream", "application/octet-stream; charset=utf-8"}, ct) {
		badRequest(route, `Bad HTTP "Content-Type" header: %q.  Expecting one of "text/plain", "text/plain; charset=utf-8", "application/octet-stream", "application/octet-stream; charset=utf-8".`, ct).write(w)
		return
	}
	raw, aerr := headerArg(r, route)
	if aerr != nil {
		aerr.write(w)
		return
	}
	var arg struct {
		Path *string `json:"path"`
		Rev  string  `json:"rev"`
	}
	if aerr := decodeArg(route, `HTTP header "Dropbox-API-Arg"`, raw, &arg); aerr != nil {
		aerr.write(w)
		return
	}
	if arg.Path == nil {
		badRequest(route, `HTTP header "Dropbox-API-Arg": missing required field 'path'`).write(w)
		return
	}
	data, result, aerr := s.fetch(route, *arg.Path, arg.Rev)
	if aerr != nil {
		aerr.write(w)
		return
	}
	w.Header().Set("Dropbox-API-Result", result)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// fetch returns a file's bytes, after any injected corruption, and its
// metadata for the Dropbox-API-Result header.
func (s *Server) fetch(route, p, rev string) ([]byte, string, *apiError) {
	ref, aerr := checkPath(route, p)
	if aerr != nil {
		return nil, "", aerr
	}
	if ref {
		return nil, "", lookupError("not_found")
	}
	if _, ok := splitPath(p); !ok {
		return nil, "", lookupError("malformed_path")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.tree.lookup(strings.ToLower(p))
	switch {
	case n == nil:
		return nil, "", lookupError("not_found")
	case n.folder:
		return nil, "", lookupError("not_file")
	case rev != "" && rev != n.rev:
		return nil, "", lookupError("not_found")
	}
	result, err := headerJSON(n.metadata(false))
	if err != nil {
		return nil, "", &apiError{status: http.StatusInternalServerError, text: err.Error()}
	}
	data := bytes.Clone(n.data)
	if s.faults.corrupt > 0 && len(data) > 0 {
		s.faults.corrupt--
		data[len(data)/2] ^= 0x20
	}
	return data, result, nil
}
