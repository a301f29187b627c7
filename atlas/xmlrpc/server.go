package xmlrpc

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// DefaultMaxRequestBytes is the request body cap of the v1 server
// (blockstackd.py BlockstackdRPCHandler.MAX_REQUEST_SIZE).
const DefaultMaxRequestBytes = 512 * 1024

// DefaultGzipThreshold is the reply size above which Python's
// SimpleXMLRPCRequestHandler gzips replies for clients that accept it
// (encode_threshold).
const DefaultGzipThreshold = 1400

// Method serves one XML-RPC method. It returns the single result value or an
// error; a *Fault error is sent as that fault, any other error as fault code
// 1, the way Python's server reports an exception.
type Method func(ctx context.Context, params []Value) (Value, error)

// NotFoundFunc handles a call to a method that is not registered.
type NotFoundFunc func(ctx context.Context, method string, params []Value) (Value, error)

// ServerConfig tunes a Server. The zero value gives the v1 server's limits.
type ServerConfig struct {
	// MaxRequestBytes caps request bodies; larger ones get HTTP 400 without
	// being read. Zero means DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// Limits bound the decoder; zero fields take DefaultLimits.
	Limits Limits
	// GzipThreshold is the reply size above which a reply is gzipped when
	// the client sends Accept-Encoding: gzip. Zero means
	// DefaultGzipThreshold; negative turns compression off.
	GzipThreshold int
	// NotFound, if set, answers calls to unregistered methods instead of the
	// stdlib fault. The v1 node answered those with a JSON error string
	// rather than a fault, and a caller reproducing it needs this hook.
	NotFound NotFoundFunc
}

// Server is an http.Handler serving XML-RPC on the paths "/" and "/RPC2",
// behaving like the v1 node's SimpleXMLRPCServer subclass: only POST, only
// identity Content-Encoding, a body size cap checked before reading, and
// faults shaped as Python writes them.
type Server struct {
	cfg     ServerConfig
	mu      sync.RWMutex
	methods map[string]Method
}

// NewServer returns a Server with no methods registered.
func NewServer(cfg ServerConfig) *Server {
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	cfg.Limits = cfg.Limits.orDefault()
	if cfg.GzipThreshold == 0 {
		cfg.GzipThreshold = DefaultGzipThreshold
	}
	return &Server{cfg: cfg, methods: make(map[string]Method)}
}

// Register adds a method. Registering an empty name, a nil method or a name
// twice is an error.
func (s *Server) Register(name string, m Method) error {
	if name == "" || m == nil {
		return errors.New("xmlrpc: register needs a name and a method")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.methods[name]; dup {
		return fmt.Errorf("xmlrpc: method %q already registered", name)
	}
	s.methods[name] = m
	return nil
}

type remoteKey struct{}

// RemoteHost returns the IP address (no port) of the client whose request is
// being served, as methods need it: the v1 peer exchange records the caller
// by its socket address.
func RemoteHost(ctx context.Context) (string, bool) {
	h, ok := ctx.Value(remoteKey{}).(string)
	return h, ok
}

// ServeHTTP implements http.Handler. The checks run in the order of the v1
// handler: method, path, Content-Encoding, size.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		plainError(w, http.StatusNotImplemented, fmt.Sprintf("Unsupported method (%q)", r.Method))
		return
	}
	// Python compares the raw request target, so a query string is a miss.
	if r.RequestURI != "/" && r.RequestURI != "/RPC2" {
		plainError(w, http.StatusNotFound, "No such page")
		return
	}
	if enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc != "" && enc != "identity" {
		emptyStatus(w, http.StatusNotImplemented)
		return
	}
	if r.ContentLength > s.cfg.MaxRequestBytes {
		// Refusing before the client has finished sending makes the
		// kernel reset the connection over the unread bytes, and the
		// client often sees "connection reset" instead of the 400. A
		// body up to twice the limit is read and dropped first (the
		// connection's read deadline still bounds a slow one); a larger
		// one is not worth the bandwidth.
		if r.ContentLength <= 2*s.cfg.MaxRequestBytes {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		emptyStatus(w, http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes))
	if err != nil {
		// Oversize chunked bodies and truncated ones alike.
		emptyStatus(w, http.StatusBadRequest)
		return
	}
	reply := s.dispatch(r, body)
	w.Header().Set("Content-Type", "text/xml")
	if s.cfg.GzipThreshold > 0 && len(reply) > s.cfg.GzipThreshold && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if z, err := gzipBytes(reply); err == nil {
			reply = z
			w.Header().Set("Content-Encoding", "gzip")
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(reply)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(reply)
}

// dispatch decodes the call, runs the method and encodes what it returned.
// Every failure becomes a fault, never an HTTP error, as in Python.
func (s *Server) dispatch(r *http.Request, body []byte) []byte {
	method, params, err := ParseCall(body, s.cfg.Limits)
	if err != nil {
		return faultReply(pyFault(err))
	}
	ctx := r.Context()
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctx = context.WithValue(ctx, remoteKey{}, host)
	}
	s.mu.RLock()
	m := s.methods[method]
	s.mu.RUnlock()
	var result Value
	switch {
	case m != nil:
		result, err = m(ctx, params)
	case s.cfg.NotFound != nil:
		result, err = s.cfg.NotFound(ctx, method, params)
	default:
		err = &Fault{Code: 1, Message: "<class 'Exception'>:method \"" + method + "\" is not supported"}
	}
	if err != nil {
		return faultReply(pyFault(err))
	}
	reply, err := AppendResponse(nil, result)
	if err != nil {
		// Python fails the same way when its marshaller refuses a result.
		return faultReply(&Fault{Code: 1, Message: "<class 'TypeError'>:" + err.Error()})
	}
	return reply
}

// pyFault turns err into the fault Python's server would send: a *Fault as it
// is, anything else as code 1 with "<class 'X'>:message".
func pyFault(err error) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	return &Fault{Code: 1, Message: fmt.Sprintf("<class '%s'>:%s", errorClass(err), err.Error())}
}

func faultReply(f *Fault) []byte {
	reply, err := AppendFault(nil, f)
	if err != nil {
		// The fault text itself was unencodable (say, invalid UTF-8 from a
		// method); send a fault that always encodes.
		reply, _ = AppendFault(nil, &Fault{Code: 1, Message: "<class 'Exception'>:unencodable fault"})
	}
	return reply
}

func plainError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg)
}

func emptyStatus(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Length", "0")
	// The body was not read; make net/http close the connection instead of
	// trying to drain it for reuse.
	w.Header().Set("Connection", "close")
	w.WriteHeader(code)
}

// acceptsGzip parses Accept-Encoding the way SimpleXMLRPCRequestHandler's
// accept_encodings does: "gzip" listed with no q or a q above zero.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(coding) != "gzip" {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return false
			}
			q = f
		}
		return q > 0
	}
	return false
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
