package state

// Same-block collisions (namedb check_collision_state / find_collisions):
// state-creating operations that compete for one name or namespace in a
// block are all rejected, and a preorder hash may be used once per block.

const (
	collidedKey   = "__collided__"
	collidedIDKey = "__collided_history_id_key__"
	collidedIDVal = "__collided_history_id__"
)

var (
	affectPreorders  = map[string]bool{"NAME_PREORDER": true, "NAMESPACE_PREORDER": true}
	affectNames      = map[string]bool{"NAME_REGISTRATION": true, "NAME_IMPORT": true}
	affectNamespaces = map[string]bool{"NAMESPACE_REVEAL": true}
)

// collisions is one block's collision state: history-id key -> ids seen.
type collisions map[string][]string

// check records id under key and reports whether it was seen before in this
// block. On a collision the earlier checked ops with that id are marked, so
// the scan phase can turn them into the block's collided set.
func (c collisions) check(key, id string, checked []rec, affected map[string]bool) bool {
	for _, seen := range c[key] {
		if seen == id {
			for _, prev := range checked {
				if !affected[opNameOf(str(prev, "op"))] {
					continue
				}
				if v, ok := prev[key]; ok {
					if s, _ := v.AsStr(); s == id {
						prev[collidedKey] = boolVal(true)
						prev[collidedIDKey] = strVal(key)
						prev[collidedIDVal] = strVal(id)
					}
				}
			}
			return true
		}
	}
	c[key] = append(c[key], id)
	return false
}

// collidedSet is find_collisions over the scanned ops.
func collidedSet(checked []rec) collisions {
	out := collisions{}
	for _, op := range checked {
		if !truthy(op, collidedKey) {
			continue
		}
		k, id := str(op, collidedIDKey), str(op, collidedIDVal)
		out[k] = append(out[k], id)
	}
	return out
}

// opNameOf is op_get_opcode_name: "::" is a renewal, otherwise the first
// character decides.
func opNameOf(op string) string {
	if op == "::" {
		return "NAME_RENEWAL"
	}
	if op == "" {
		return ""
	}
	switch op[0] {
	case '?':
		return "NAME_PREORDER"
	case ':':
		return "NAME_REGISTRATION"
	case '+':
		return "NAME_UPDATE"
	case '>':
		return "NAME_TRANSFER"
	case '~':
		return "NAME_REVOKE"
	case ';':
		return "NAME_IMPORT"
	case '*':
		return "NAMESPACE_PREORDER"
	case '&':
		return "NAMESPACE_REVEAL"
	case '!':
		return "NAMESPACE_READY"
	case '#':
		return "ANNOUNCE"
	case '$':
		return "TOKEN_TRANSFER"
	}
	return ""
}
