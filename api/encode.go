package api

import (
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Appender is implemented by every generated shape: AppendJSON appends the
// shape's JSON encoding to b, byte for byte what encoding/json writes for it
// with HTML escaping off (SetEscapeHTML(false)), without reflection. The
// members come in the struct's order; a member is left out as the
// `omitzero` tag says (an empty string, a nil pointer, slice or map, an unset
// Timestamp); map keys are sorted; a nil pointer is null. encode_test.go
// checks the equality on every shape.
type Appender interface {
	AppendJSON(b []byte) []byte
}

const hexDigits = "0123456789abcdef"

// Masks of the SWAR test in AppendString: a 64-bit word holds eight bytes.
const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// needsEscape returns a word whose lowest set bit, if any, is the high bit
// of the first of the eight bytes of x (little-endian) that AppendString
// cannot copy as it is: a control character (< 0x20), '"', '\\', or a byte
// of a multi-byte UTF-8 sequence (>= 0x80, checked rune by rune). Bits above
// the lowest may be false positives (borrows), never the lowest itself.
func needsEscape(x uint64) uint64 {
	ctl := (x - 0x20*swarOnes) &^ x
	q := x ^ ('"' * swarOnes)
	q = (q - swarOnes) &^ q
	bs := x ^ ('\\' * swarOnes)
	bs = (bs - swarOnes) &^ bs
	return (ctl | q | bs | x) & swarHighs
}

// AppendString appends s as a JSON string, as encoding/json does with HTML
// escaping off: '"' and '\\' escaped with a backslash, \b \f \n \r \t in
// their short forms, other control characters as \u00XX (lower-case hex),
// U+2028 and U+2029 as \u2028 and \u2029, each byte of invalid UTF-8 as
// \ufffd; everything else as it is. Runs of plain ASCII are scanned eight
// bytes at a time.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start, i := 0, 0
	for i < len(s) {
		for i+8 <= len(s) {
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			if m := needsEscape(x); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendTimestamp appends t as epoch seconds with millisecond precision:
// 1700000000.123, or 1700000000 when the milliseconds are zero (trailing
// zeros of the fraction dropped). Sub-millisecond digits are dropped.
func appendTimestamp(b []byte, t Timestamp) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		digits := [4]byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
		n := len(digits)
		for digits[n-1] == '0' {
			n--
		}
		b = append(b, digits[:n]...)
	}
	return b
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// mapKeys returns the keys of m in the order encoding/json writes them
// (sorted); nil for an empty map, without allocating.
func mapKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// closeObject ends an object whose members were appended from b[start] on,
// each behind a comma: the first comma becomes the '{'.
func closeObject(b []byte, start int) []byte {
	if len(b) == start {
		return append(b, '{', '}')
	}
	b[start] = '{'
	return append(b, '}')
}
