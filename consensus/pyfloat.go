package consensus

import (
	"math"
	"strconv"
	"strings"
)

// py2FloatDigits is CPython 2.7's PyFloat_STR_PRECISION: str(float) keeps
// this many significant digits (repr keeps 17).
const py2FloatDigits = 12

// Py2FloatString formats f exactly as CPython 2.7's str(float) does.
//
// CPython calls PyOS_double_to_string(f, 'g', 12, Py_DTSF_ADD_DOT_0): twelve
// significant digits, correctly rounded (ties to even), trailing zeros
// dropped. Because of the add-".0" flag the switch to exponent form happens
// once the decimal point would sit more than 11 digits in (so 99999999999.0
// stays fixed while 1e11 does not), and below 1e-4. Fixed output always
// carries a fractional part; exponents have a sign and at least two digits.
// Go's 'g' verb differs on both counts, hence this function; it also
// reproduces one dtoa quirk (see dtoaKeepsZeros). It matters for consensus
// because names created by NAME_IMPORT carry a float op_fee.
func Py2FloatString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	// strconv rounds correctly with ties to even on exact halves, as
	// CPython's dtoa does in its fixed-digit mode, so we only re-lay the
	// digits it produces.
	e := strconv.FormatFloat(f, 'e', py2FloatDigits-1, 64)
	var b strings.Builder
	if e[0] == '-' {
		b.WriteByte('-')
		e = e[1:]
	}
	mark := strings.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[mark+1:]) // strconv always writes a valid exponent
	digits := e[:1] + e[2:mark]
	if !dtoaKeepsZeros(f) {
		digits = strings.TrimRight(digits, "0")
	}
	if digits == "" {
		digits = "0" // zero keeps one digit, as dtoa returns "0"
	}
	// decpt is where the decimal point goes relative to the digit string,
	// the quantity CPython's format_float_short decides on.
	decpt := exp + 1
	if decpt <= -4 || decpt > py2FloatDigits-1 {
		b.WriteByte(digits[0])
		if len(digits) > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if exp < 0 {
			b.WriteByte('-')
			exp = -exp
		} else {
			b.WriteByte('+')
		}
		if exp < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(exp))
		return b.String()
	}
	switch {
	case decpt <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -decpt))
		b.WriteString(digits)
	case decpt >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", decpt-len(digits)))
		b.WriteString(".0")
	default:
		b.WriteString(digits[:decpt])
		b.WriteByte('.')
		b.WriteString(digits[decpt:])
	}
	return b.String()
}

// dtoaKeepsZeros reports the one case where CPython 2.7's dtoa returns the
// rounded digits without dropping trailing zeros, so that str(4392895707005.0)
// is "4.39289570700e+12". It happens in dtoa's exact small-integer path
// (an integral double below 1e15), reached only when the faster estimate
// cannot decide an exact tie at the 12th digit, and only when the tie then
// rounds down to an even digit (rounding up never leaves a trailing zero).
func dtoaKeepsZeros(f float64) bool {
	a := math.Abs(f)
	if a < 1e12 || a >= 1e15 || a != math.Trunc(a) {
		return false
	}
	n := uint64(a)
	unit := uint64(10) // 10^(digits-12): the place value just past the 12th digit
	for n/unit >= 1e12 {
		unit *= 10
	}
	head, tail := n/unit, n%unit
	return 2*tail == unit && head%2 == 0
}
