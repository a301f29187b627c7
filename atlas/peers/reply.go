package peers

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// object is a JSON reply split into raw fields. Typed access goes through
// the methods below rather than json.Unmarshal into structs, because
// encoding/json accepts null for any type and floats for nothing: the v1
// schemas need "present and of this JSON type" checked explicitly.
type object map[string]json.RawMessage

func (o object) field(key string) (json.RawMessage, bool) {
	raw, ok := o[key]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

func schemaErr(key, want string) error {
	return fmt.Errorf("%w: field %q must be %s", ErrSchema, key, want)
}

func (o object) reqBool(key string) (bool, error) {
	raw, ok := o.field(key)
	if !ok {
		return false, schemaErr(key, "a boolean")
	}
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, schemaErr(key, "a boolean")
}

// optBool returns false, false when key is absent or null.
func (o object) optBool(key string) (v, ok bool, err error) {
	if _, present := o.field(key); !present {
		return false, false, nil
	}
	v, err = o.reqBool(key)
	return v, err == nil, err
}

// parseInt reads a JSON integer: a number with no fraction or exponent, as
// Python's json gives an int and jsonschema's "integer" demands.
func parseInt(raw json.RawMessage) (int64, bool) {
	s := string(raw)
	if s == "" || strings.ContainsAny(s, ".eE") {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func (o object) reqInt(key string, min int64) (int64, error) {
	raw, ok := o.field(key)
	if !ok {
		return 0, schemaErr(key, "an integer")
	}
	n, ok := parseInt(raw)
	if !ok || n < min {
		return 0, schemaErr(key, fmt.Sprintf("an integer >= %d", min))
	}
	return n, nil
}

func (o object) optInt(key string, min int64) (int64, bool, error) {
	if _, present := o.field(key); !present {
		return 0, false, nil
	}
	n, err := o.reqInt(key, min)
	return n, err == nil, err
}

// reqIntOrNull demands key be present, as an integer or null.
func (o object) reqIntOrNull(key string, min int64) (int64, error) {
	if _, present := o[key]; !present {
		return 0, schemaErr(key, "present")
	}
	n, _, err := o.optInt(key, min)
	return n, err
}

func (o object) reqString(key string) (string, error) {
	raw, ok := o.field(key)
	if !ok || raw[0] != '"' {
		return "", schemaErr(key, "a string")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", schemaErr(key, "a string")
	}
	return s, nil
}

func (o object) optString(key string) (string, error) {
	if _, present := o.field(key); !present {
		return "", nil
	}
	return o.reqString(key)
}

func (o object) reqObject(key string) (object, error) {
	raw, ok := o.field(key)
	if !ok || raw[0] != '{' {
		return nil, schemaErr(key, "an object")
	}
	var sub object
	if err := json.Unmarshal(raw, &sub); err != nil {
		return nil, schemaErr(key, "an object")
	}
	return sub, nil
}

func (o object) reqArray(key string) ([]json.RawMessage, error) {
	raw, ok := o.field(key)
	if !ok || raw[0] != '[' {
		return nil, schemaErr(key, "an array")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, schemaErr(key, "an array")
	}
	return items, nil
}

// truthy is Python's truth value of a JSON value, which v1 applies to the
// getinfo "testnet" flag (false, true, "hosted" or a magic string).
func truthy(raw json.RawMessage) bool {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false
	}
	switch x := v.(type) {
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return false
}

// decodeBase64 decodes a v1 base64 field: the standard alphabet with
// padding and nothing else (OP_BASE64_EMPTY_PATTERN). encoding/base64
// silently skips newlines, which the pattern refuses, so they are checked
// first.
func decodeBase64(s string) ([]byte, bool) {
	if len(s)%4 != 0 || strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

func base64Encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
