package consensus

import (
	"fmt"
	"strconv"
	"strings"
)

// SerializeOp renders an accepted op as the string the reference hashes:
// the raw opcode byte, a colon, then for each name in fields (in order,
// repeats included) the netstring-like "<len>:<str(value)>", comma-joined.
// None prints as "" and so contributes "0:".
//
// opcode is the byte from the transaction, not the op's name: a renewal uses
// ':' like a registration. The length is in bytes, as Python 2's len(str).
// Every field must be present in rec (even if None); otherwise the result
// is an error wrapping ErrMissingField that lists every absent field, which
// the reference treats as a fatal bug.
func SerializeOp(opcode byte, rec Record, fields []string) (string, error) {
	var missing []string
	var b strings.Builder
	b.WriteByte(opcode)
	b.WriteByte(':')
	for n, f := range fields {
		v, ok := rec[f]
		if !ok {
			missing = append(missing, f)
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		s := v.String()
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%w: op %q lacks %s", ErrMissingField, opcode, strings.Join(missing, ","))
	}
	return b.String(), nil
}
