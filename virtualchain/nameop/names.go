package nameop

import "strings"

// Length limits from config.py LENGTHS.
const (
	maxNameLen      = 37 // blockchain_id_name: a whole "name.namespace"
	maxNamespaceLen = 19 // blockchain_id_namespace_id
)

// isB40 mirrors b40.py is_b40, a re.match against ^[a-z0-9\-_.+]*$. In
// Python, $ also matches just before a final newline, so a string with one
// trailing "\n" passes too. That quirk reaches IsNameValid and
// IsNamespaceValid; B40ToBin still refuses the newline.
func isB40(s string) bool {
	s = strings.TrimSuffix(s, "\n")
	for i := 0; i < len(s); i++ {
		if b40Value(s[i]) < 0 {
			return false
		}
	}
	return true
}

// IsNamespaceValid mirrors scripts.py is_namespace_valid: base-40 characters
// except '+' and '.', 1 to 19 bytes (a trailing newline counts, see isB40).
func IsNamespaceValid(id string) bool {
	return isB40(id) && !strings.ContainsAny(id, "+.") && len(id) >= 1 && len(id) <= maxNamespaceLen
}

// IsNameValid mirrors scripts.py is_name_valid: exactly one '.', a non-empty
// name part of base-40 characters without '+', a valid namespace part, and
// at most 37 bytes in all. Upper case is invalid. Like the reference it lets
// a newline end either part (isB40); such a name then fails in B40ToBin,
// which is where v1 raised.
func IsNameValid(fqn string) bool {
	if strings.Count(fqn, ".") != 1 {
		return false
	}
	name, ns, _ := strings.Cut(fqn, ".")
	if name == "" || ns == "" {
		return false
	}
	if !isB40(name) || strings.Contains(name, "+") {
		return false
	}
	return IsNamespaceValid(ns) && len(fqn) <= maxNameLen
}
