package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// Chain is the replay state the API reads (a *state.Machine).
type Chain interface {
	Tip() (int64, string)
	ConsensusHash(h uint64) (string, bool)
	Name(name string) (state.Record, bool, error)
	Namespace(id string) (state.Record, bool, error)
	Namespaces() ([]string, error)
	History(id string) ([]state.Record, error)
}

// Atlas is the zonefile peer the API reads and writes; nil when Atlas is
// off.
type Atlas interface {
	// Zonefile returns the verified bytes of a held zonefile.
	Zonefile(hash string) ([]byte, bool, error)
	// Put stores zonefiles whose hashes were announced; saved[i] says
	// whether zonefiles[i] is now held, why[i] explains a refusal.
	Put(ctx context.Context, zonefiles [][]byte) (saved []bool, why []string, err error)
	// Peers lists the peer table.
	Peers() any
	// Inventory returns how many slots are held and the bit vector.
	Inventory() (present, total int, vector []byte)
}

// Info is the extra facts /v1/info reports.
type Info struct {
	Network    string
	Version    string
	FirstBlock uint64
	// NodeTip returns the node's best height as last seen (-1 unknown).
	NodeTip func() int64
}

// MaxZonefile is v1's zonefile size limit.
const MaxZonefile = 40960

// MaxBody bounds a POST body. It is the JSON text form of the largest
// zonefile with every byte escaped as \u00XX, plus room for whitespace,
// so that any zonefile v1 would accept can be posted in any shape; v1
// itself read JSON bodies of up to 1 MiB.
const MaxBody = 6*MaxZonefile + 1024

// Handler serves the API.
type Handler struct {
	chain Chain
	atlas Atlas
	info  Info
	mux   *http.ServeMux
}

// New returns the API over chain and (optionally) atlas. Extra routes (the
// metrics endpoints) can be added to Mux.
func New(chain Chain, atlas Atlas, info Info) *Handler {
	h := &Handler{chain: chain, atlas: atlas, info: info, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /v1/info", h.getInfo)
	h.mux.HandleFunc("GET /v1/names/{name}", h.getName)
	h.mux.HandleFunc("GET /v1/names/{name}/zonefile", h.getNameZonefile)
	h.mux.HandleFunc("GET /v1/names/{name}/history", h.getHistory)
	h.mux.HandleFunc("GET /v1/namespaces", h.getNamespaces)
	h.mux.HandleFunc("GET /v1/namespaces/{id}", h.getNamespace)
	h.mux.HandleFunc("GET /v1/zonefiles/{hash}", h.getZonefile)
	h.mux.HandleFunc("GET /v1/blocks/{height}/consensus", h.getConsensus)
	h.mux.HandleFunc("GET /v1/atlas/peers", h.getPeers)
	h.mux.HandleFunc("GET /v1/atlas/inventory", h.getInventory)
	h.mux.HandleFunc("POST /v1/zonefile", h.postZonefile)
	// Every path, not only /v1/..., so that no request gets the router's
	// plain-text 404; routes mounted later on Mux are more specific and
	// still win.
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return h
}

// Mux is the router, for mounting more endpoints beside the API.
func (h *Handler) Mux() *http.ServeMux { return h.mux }

// ServeHTTP routes r. A request for "*" (other than OPTIONS, which the
// server answers itself) is refused here because the router would answer it
// with an empty, non-JSON 400.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.RequestURI == "*" {
		fail(w, http.StatusBadRequest, "no such endpoint: "+r.Method+" *")
		return
	}
	h.mux.ServeHTTP(w, r)
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	reply(w, code, map[string]any{"error": msg, "http_status": code})
}

// ErrUnavailable marks an error from a Chain or Atlas implementation as a
// passing condition (still starting, disk full, shutting down): the request
// is answered 503 with a Retry-After rather than 500, so clients and load
// balancers try again instead of reporting a fault.
var ErrUnavailable = errors.New("temporarily unavailable")

func internal(w http.ResponseWriter, err error) {
	if errors.Is(err, state.ErrClosed) {
		fail(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	if errors.Is(err, ErrUnavailable) {
		w.Header().Set("Retry-After", "10")
		fail(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	fail(w, http.StatusInternalServerError, err.Error())
}

func (h *Handler) getInfo(w http.ResponseWriter, r *http.Request) {
	height, hash := h.chain.Tip()
	ch, _ := h.chain.ConsensusHash(uint64(height))
	out := map[string]any{
		"network":              h.info.Network,
		"server_version":       h.info.Version,
		"first_block":          h.info.FirstBlock,
		"last_block_processed": height,
		"last_block_hash":      hash,
		"consensus":            nullable(ch),
	}
	if h.info.NodeTip != nil {
		if t := h.info.NodeTip(); t >= 0 {
			out["node_tip"] = t
			out["lag"] = max(t-height, 0)
		}
	}
	if h.atlas != nil {
		present, total, _ := h.atlas.Inventory()
		out["zonefiles_present"] = present
		out["zonefiles_total"] = total
	}
	reply(w, http.StatusOK, out)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func validName(w http.ResponseWriter, name string) bool {
	if !nameop.IsNameValid(name) {
		fail(w, http.StatusBadRequest, "invalid name "+strconv.Quote(name))
		return false
	}
	return true
}

// name reads the {name} of the request's path, answering the request itself
// (bad name, not found, failure) when ok is false.
func (h *Handler) name(w http.ResponseWriter, r *http.Request) (name string, rec state.Record, ok bool) {
	name = r.PathValue("name")
	if !validName(w, name) {
		return name, nil, false
	}
	rec, found, err := h.chain.Name(name)
	switch {
	case err != nil:
		internal(w, err)
	case !found:
		fail(w, http.StatusNotFound, "name not found: "+name)
	}
	return name, rec, err == nil && found
}

func (h *Handler) getName(w http.ResponseWriter, r *http.Request) {
	if _, rec, ok := h.name(w, r); ok {
		reply(w, http.StatusOK, rec)
	}
}

func (h *Handler) getHistory(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !validName(w, name) {
		return
	}
	hist, err := h.chain.History(name)
	if err != nil {
		internal(w, err)
		return
	}
	if len(hist) == 0 {
		fail(w, http.StatusNotFound, "name not found: "+name)
		return
	}
	reply(w, http.StatusOK, hist)
}

func (h *Handler) getNameZonefile(w http.ResponseWriter, r *http.Request) {
	name, rec, ok := h.name(w, r)
	if !ok {
		return
	}
	vh, _ := rec["value_hash"].(string)
	if vh == "" {
		fail(w, http.StatusNotFound, "name has no zonefile hash: "+name)
		return
	}
	h.serveZonefile(w, vh)
}

func (h *Handler) getZonefile(w http.ResponseWriter, r *http.Request) {
	hash := strings.ToLower(r.PathValue("hash"))
	if b, err := hex.DecodeString(hash); err != nil || len(b) != 20 {
		fail(w, http.StatusBadRequest, "a zonefile hash is 40 hex digits")
		return
	}
	h.serveZonefile(w, hash)
}

func (h *Handler) serveZonefile(w http.ResponseWriter, hash string) {
	if h.atlas == nil {
		fail(w, http.StatusServiceUnavailable, "the Atlas peer is disabled; zonefiles are not stored")
		return
	}
	data, ok, err := h.atlas.Zonefile(hash)
	if err != nil {
		internal(w, err)
		return
	}
	if !ok {
		fail(w, http.StatusNotFound, "zonefile not held: "+hash)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Zonefile-Hash", hash)
	w.Write(data)
}

func (h *Handler) getNamespaces(w http.ResponseWriter, r *http.Request) {
	ids, err := h.chain.Namespaces()
	if err != nil {
		internal(w, err)
		return
	}
	if ids == nil {
		ids = []string{}
	}
	reply(w, http.StatusOK, map[string]any{"namespaces": ids})
}

func (h *Handler) getNamespace(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !nameop.IsNamespaceValid(id) {
		fail(w, http.StatusBadRequest, "invalid namespace ID "+strconv.Quote(id))
		return
	}
	rec, ok, err := h.chain.Namespace(id)
	if err != nil {
		internal(w, err)
		return
	}
	if !ok {
		fail(w, http.StatusNotFound, "namespace not found: "+id)
		return
	}
	reply(w, http.StatusOK, rec)
}

func (h *Handler) getConsensus(w http.ResponseWriter, r *http.Request) {
	height, err := strconv.ParseUint(r.PathValue("height"), 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, "height must be a non-negative integer")
		return
	}
	ch, ok := h.chain.ConsensusHash(height)
	if !ok {
		fail(w, http.StatusNotFound, fmt.Sprintf("no consensus hash at height %d", height))
		return
	}
	reply(w, http.StatusOK, map[string]any{"block_height": height, "consensus_hash": ch})
}

func (h *Handler) getPeers(w http.ResponseWriter, r *http.Request) {
	if h.atlas == nil {
		fail(w, http.StatusServiceUnavailable, "the Atlas peer is disabled")
		return
	}
	reply(w, http.StatusOK, map[string]any{"peers": listOrEmpty(h.atlas.Peers())})
}

// listOrEmpty turns a nil list into an empty one, so that an empty peer
// table is [] and not null to clients that iterate over it.
func listOrEmpty(v any) any {
	if rv := reflect.ValueOf(v); !rv.IsValid() || (rv.Kind() == reflect.Slice && rv.IsNil()) {
		return []any{}
	}
	return v
}

func (h *Handler) getInventory(w http.ResponseWriter, r *http.Request) {
	if h.atlas == nil {
		fail(w, http.StatusServiceUnavailable, "the Atlas peer is disabled")
		return
	}
	present, total, vec := h.atlas.Inventory()
	reply(w, http.StatusOK, map[string]any{"present": present, "total": total, "inv": base64.StdEncoding.EncodeToString(vec)})
}

// postZonefile takes the zonefile as the raw body, or as v1's JSON
// {"zonefile": "<text>"} or {"zonefile_b64": "<base64>"}.
func (h *Handler) postZonefile(w http.ResponseWriter, r *http.Request) {
	if h.atlas == nil {
		fail(w, http.StatusServiceUnavailable, "the Atlas peer is disabled")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", MaxBody))
		return
	case err != nil:
		// A client that hung up or sent a broken chunked body.
		fail(w, http.StatusBadRequest, "reading the request body: "+err.Error())
		return
	}
	data := body
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
		var req struct {
			Zonefile    *string `json:"zonefile"`
			ZonefileB64 *string `json:"zonefile_b64"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			fail(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
			return
		}
		switch {
		case req.Zonefile != nil:
			data = []byte(*req.Zonefile)
		case req.ZonefileB64 != nil:
			if data, err = base64.StdEncoding.DecodeString(*req.ZonefileB64); err != nil {
				fail(w, http.StatusBadRequest, "zonefile_b64 is not base64")
				return
			}
		default:
			fail(w, http.StatusBadRequest, `want {"zonefile": "..."} or {"zonefile_b64": "..."}`)
			return
		}
	}
	if len(data) == 0 || len(data) > MaxZonefile {
		fail(w, http.StatusBadRequest, fmt.Sprintf("a zonefile is 1 to %d bytes", MaxZonefile))
		return
	}
	saved, why, err := h.atlas.Put(r.Context(), [][]byte{data})
	if err != nil {
		internal(w, err)
		return
	}
	hash := inventory.HashOf(data).String()
	if len(saved) != 1 || !saved[0] {
		reason := "not announced on chain"
		if len(why) == 1 && why[0] != "" {
			reason = why[0]
		}
		fail(w, http.StatusBadRequest, "zonefile "+hash+" refused: "+reason)
		return
	}
	reply(w, http.StatusOK, map[string]any{"status": true, "zonefile_hash": hash})
}
