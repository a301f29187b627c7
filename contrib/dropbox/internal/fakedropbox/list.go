package fakedropbox

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// cursor is the state a list_folder cursor carries. Dropbox's cursors are
// opaque strings too; this one is base64 JSON, so the server keeps nothing.
type cursor struct {
	Path      string `json:"p"` // lowercased; "" is the root
	Recursive bool   `json:"r"`
	Limit     int    `json:"l"`
	After     uint64 `json:"s"` // entries changed after this seq are still to come
	Epoch     int    `json:"e"` // ResetCursors generation
}

func (c cursor) encode() string {
	raw, _ := json.Marshal(c)
	return "AAFake" + base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(s string) (cursor, bool) {
	rest, ok := strings.CutPrefix(s, "AAFake")
	if !ok {
		return cursor{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return cursor{}, false
	}
	var c cursor
	if json.Unmarshal(raw, &c) != nil {
		return cursor{}, false
	}
	return c, true
}

// listResult is ListFolderResult.
type listResult struct {
	Entries []any  `json:"entries"`
	Cursor  string `json:"cursor"`
	HasMore bool   `json:"has_more"`
}

// listFolder answers files/list_folder.
func (s *Server) listFolder(route string, raw []byte) (any, *apiError) {
	var arg struct {
		Path      *string `json:"path"`
		Recursive bool    `json:"recursive"`
		Limit     *int64  `json:"limit"`
	}
	if aerr := decodeArg(route, "request body", raw, &arg); aerr != nil {
		return nil, aerr
	}
	if arg.Path == nil {
		return nil, badRequest(route, "request body: missing required field 'path'")
	}
	p := *arg.Path
	if p == "/" {
		return nil, badRequest(route, `request body: path: Specify the root folder as an empty string rather than as "/".`)
	}
	limit := 0
	if arg.Limit != nil {
		switch l := *arg.Limit; {
		case l < 1:
			return nil, badRequest(route, "request body: limit: %d is less than 1", l)
		case l > maxListLimit:
			return nil, badRequest(route, "request body: limit: %d is greater than %d", l, maxListLimit)
		default:
			limit = int(l)
		}
	}
	var self *node
	if p != "" {
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
		self = s.tree.lookup(strings.ToLower(p))
		switch {
		case self == nil:
			return nil, lookupError("not_found")
		case !self.folder:
			return nil, lookupError("not_folder")
		}
	}
	c := cursor{Path: strings.ToLower(p), Recursive: arg.Recursive, Limit: limit, Epoch: s.epoch}
	if !arg.Recursive {
		// Only recursive listings include the folder itself.
		self = nil
	}
	return s.page(c, self), nil
}

// listFolderContinue answers files/list_folder/continue.
func (s *Server) listFolderContinue(route string, raw []byte) (any, *apiError) {
	var arg struct {
		Cursor *string `json:"cursor"`
	}
	if aerr := decodeArg(route, "request body", raw, &arg); aerr != nil {
		return nil, aerr
	}
	if arg.Cursor == nil {
		return nil, badRequest(route, "request body: missing required field 'cursor'")
	}
	c, ok := decodeCursor(*arg.Cursor)
	if !ok {
		return nil, badRequest(route, `Invalid "cursor" parameter: %q`, redact(*arg.Cursor))
	}
	if c.Epoch != s.epoch {
		return nil, endpointError("reset", tag("reset"))
	}
	if s.faults.resets > 0 {
		s.faults.resets--
		return nil, endpointError("reset", tag("reset"))
	}
	if c.Path != "" {
		if n := s.tree.lookup(c.Path); n == nil || !n.folder {
			return nil, lookupError("not_found")
		}
	}
	return s.page(c, nil), nil
}

// page returns the next entries for c, self first when given. A cursor
// that reached the end keeps the tree's change counter, so continuing it
// later returns only what changed since, as Dropbox's cursors do.
func (s *Server) page(c cursor, self *node) listResult {
	size := s.cfg.PageSize
	if c.Limit > 0 && c.Limit < size {
		size = c.Limit
	}
	res := listResult{Entries: []any{}}
	if self != nil {
		res.Entries = append(res.Entries, self.metadata(true))
	}
	changed := s.tree.changes(c.Path, c.Recursive, c.After)
	take := changed[:min(len(changed), size-len(res.Entries))]
	for _, n := range take {
		res.Entries = append(res.Entries, n.metadata(true))
	}
	res.HasMore = len(take) < len(changed)
	next := c
	switch {
	case !res.HasMore:
		next.After = s.tree.seq
	case len(take) > 0:
		next.After = take[len(take)-1].seq
	}
	res.Cursor = next.encode()
	return res
}
