package fakedropbox

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// node is a file or folder. Folders have no data.
type node struct {
	display string // path_display: the case each component was created with
	folder  bool
	data    []byte
	hash    string // content_hash of data
	id      string
	rev     string
	client  time.Time
	server  time.Time
	// seq orders changes: it is set from the tree's counter whenever the
	// node is created or its content replaced. Listings return nodes in
	// seq order, which is not name order, as on Dropbox.
	seq uint64
}

func (n *node) name() string { return path.Base(n.display) }

// metadata returns the node as Dropbox metadata; tagged selects the Metadata
// union form.
func (n *node) metadata(tagged bool) any {
	if n.folder {
		return folderMetadata{Tag: "folder", Name: n.name(), PathLower: strings.ToLower(n.display), PathDisplay: n.display, ID: n.id}
	}
	m := fileMetadata{
		Name:           n.name(),
		PathLower:      strings.ToLower(n.display),
		PathDisplay:    n.display,
		ID:             n.id,
		ClientModified: n.client.UTC().Format(TimeFormat),
		ServerModified: n.server.UTC().Format(TimeFormat),
		Rev:            n.rev,
		Size:           int64(len(n.data)),
		IsDownloadable: true,
		ContentHash:    n.hash,
	}
	if tagged {
		m.Tag = "file"
	}
	return m
}

// tree is the account's namespace, keyed by lowercased path; the root ("")
// is implicit.
type tree struct {
	nodes map[string]*node
	seq   uint64
	used  int64 // bytes in files, for the quota
	ids   uint64
}

func newTree() *tree { return &tree{nodes: make(map[string]*node)} }

// splitPath checks a "/"-rooted path and returns its components. Dropbox
// refuses empty components (a trailing or doubled slash) and dot segments
// as malformed_path.
func splitPath(p string) ([]string, bool) {
	if !strings.HasPrefix(p, "/") || p == "/" {
		return nil, false
	}
	parts := strings.Split(p[1:], "/")
	for _, c := range parts {
		if c == "" || c == "." || c == ".." || strings.ContainsAny(c, "\x00\\") {
			return nil, false
		}
	}
	return parts, true
}

func (t *tree) lookup(lower string) *node { return t.nodes[lower] }

func (t *tree) nextSeq() uint64 {
	t.seq++
	return t.seq
}

func (t *tree) newID() string {
	t.ids++
	return fmt.Sprintf("id:fake%017d", t.ids)
}

func revFor(seq uint64) string { return fmt.Sprintf("%015x", 0x5f0000000+seq) }

// writeMode is upload's WriteMode.
type writeMode struct {
	tag string // add, overwrite or update
	rev string // for update
}

// put stores data at p as upload does, creating missing parent folders. It
// returns the file's node, or a WriteError union and its summary.
func (t *tree) put(p string, data []byte, mode writeMode, strict bool, client, now time.Time, quota int64) (*node, *apiError) {
	parts, ok := splitPath(p)
	if !ok {
		return nil, writeError(tag("malformed_path"), "malformed_path")
	}
	// Parents: each must be a folder or absent.
	display := ""
	for _, c := range parts[:len(parts)-1] {
		display += "/" + c
		if n := t.lookup(strings.ToLower(display)); n != nil {
			if !n.folder {
				return nil, writeError(tag("conflict").with("conflict", tag("file_ancestor")), "conflict/file_ancestor")
			}
			display = n.display
		}
	}
	display += "/" + parts[len(parts)-1]
	lower := strings.ToLower(display)
	hash := ContentHash(data)
	old := t.lookup(lower)
	if old != nil && old.folder {
		return nil, writeError(tag("conflict").with("conflict", tag("folder")), "conflict/folder")
	}
	if old != nil {
		if old.hash == hash && !strict {
			// Same content: nothing is written and the existing file is
			// the result, whatever the mode.
			return old, nil
		}
		replace := mode.tag == "overwrite" || (mode.tag == "update" && mode.rev == old.rev)
		if !replace {
			return nil, writeError(tag("conflict").with("conflict", tag("file")), "conflict/file")
		}
		display = old.display
	}
	grow := int64(len(data))
	if old != nil {
		grow -= int64(len(old.data))
	}
	if quota > 0 && t.used+grow > quota {
		return nil, writeError(tag("insufficient_space"), "insufficient_space")
	}
	t.mkdirs(parts[:len(parts)-1], now)
	n := &node{display: display, data: bytes.Clone(data), hash: hash, client: client, server: now}
	if old != nil {
		n.id = old.id
	} else {
		n.id = t.newID()
	}
	n.seq = t.nextSeq()
	n.rev = revFor(n.seq)
	t.nodes[lower] = n
	t.used += grow
	return n, nil
}

// mkdirs creates the missing folders along parts; put has checked that none
// of them is a file.
func (t *tree) mkdirs(parts []string, now time.Time) {
	display := ""
	for _, c := range parts {
		display += "/" + c
		lower := strings.ToLower(display)
		if n := t.lookup(lower); n != nil {
			display = n.display
			continue
		}
		t.nodes[lower] = &node{display: display, folder: true, id: t.newID(), server: now, seq: t.nextSeq()}
	}
}

// under reports whether lower lies below the folder dir ("" is the root),
// directly when recursive is false.
func under(lower, dir string, recursive bool) bool {
	rest, ok := strings.CutPrefix(lower, dir+"/")
	if !ok {
		return false
	}
	return recursive || !strings.Contains(rest, "/")
}

// changes returns the nodes below dir changed after seq, in change order.
func (t *tree) changes(dir string, recursive bool, after uint64) []*node {
	var out []*node
	for lower, n := range t.nodes {
		if n.seq > after && under(lower, dir, recursive) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *node) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	return out
}
