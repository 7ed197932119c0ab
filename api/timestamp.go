package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a timestamp member on the wire. The AWS JSON 1.1 protocol
// sends timestamps as epoch seconds, a JSON number that may have a fraction
// (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#shape-serialization).
//
// Timestamps hold times from year 1 through year 9999, in UTC.
type Timestamp struct {
	time.Time
}

// Bounds of the times a Timestamp accepts: 0001-01-01T00:00:00Z and
// 9999-12-31T23:59:59.999999999Z, in epoch seconds.
const (
	minEpochSeconds = -62135596800
	maxEpochSeconds = 253402300799
)

// NewTimestamp returns t as a *Timestamp, or nil for the zero time, so that
// an unset time is left out of the JSON.
func NewTimestamp(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	return &Timestamp{Time: t}
}

// Value returns the time, or the zero time when t is nil.
func (t *Timestamp) Value() time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}

// IsZero reports whether t holds the zero time; encoding/json's omitzero
// uses it.
func (t Timestamp) IsZero() bool { return t.Time.IsZero() }

// MarshalJSON writes t as epoch seconds with millisecond precision: a JSON
// number such as 1700000000.123, or 1700000000 when the milliseconds are
// zero. Sub-millisecond digits are dropped (rounded down).
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return appendTimestamp(make([]byte, 0, 24), t), nil
}

// UnmarshalJSON reads a JSON number of epoch seconds (a fraction and an
// exponent are allowed), or a JSON string holding either such a number or
// an RFC 3339 / ISO 8601 date-time (a missing zone means UTC; a date alone
// means midnight UTC). JSON null leaves t unchanged.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	var (
		v   time.Time
		err error
	)
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return fmt.Errorf("api: timestamp: %w", err)
		}
		v, err = parseTimeString(str)
	} else {
		v, err = parseEpochSeconds(s)
	}
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// isoLayouts are the date-time forms a string timestamp may take besides a
// number. time.Parse accepts a fractional second after the seconds even
// though the layouts do not show one.
var isoLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

func parseTimeString(s string) (time.Time, error) {
	if t, err := parseEpochSeconds(s); err == nil {
		return t, nil
	}
	// RFC 3339 allows a lower-case t and z.
	u := strings.ToUpper(s)
	for _, layout := range isoLayouts {
		t, err := time.Parse(layout, u)
		if err != nil {
			continue
		}
		if sec := t.Unix(); sec < minEpochSeconds || sec > maxEpochSeconds {
			break
		}
		return t.UTC(), nil
	}
	return time.Time{}, invalidTimestamp(s)
}

// parseEpochSeconds parses a decimal number of seconds since the epoch,
// exactly to the nanosecond (further digits are dropped), without going
// through float64.
func parseEpochSeconds(s string) (time.Time, error) {
	bad := invalidTimestamp(s)
	rest := s
	neg := false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	intPart, rest := leadingDigits(rest)
	var fracPart string
	if strings.HasPrefix(rest, ".") {
		fracPart, rest = leadingDigits(rest[1:])
	}
	if intPart == "" && fracPart == "" {
		return time.Time{}, bad
	}
	exp := 0
	if rest != "" && (rest[0] == 'e' || rest[0] == 'E') {
		e, err := strconv.Atoi(rest[1:])
		if err != nil || e < -1000 || e > 1000 {
			return time.Time{}, bad
		}
		exp = e
		rest = ""
	}
	if rest != "" {
		return time.Time{}, bad
	}

	// Move the decimal point of intPart.fracPart by exp places.
	digits := strings.TrimLeft(intPart+fracPart, "0")
	point := len(intPart) + exp - (len(intPart) + len(fracPart) - len(digits))
	var whole, frac string
	switch {
	case digits == "":
		whole = "0"
	case point <= 0:
		whole, frac = "0", strings.Repeat("0", -point)+digits
	case point >= len(digits):
		if point > 12 { // beyond year 9999
			return time.Time{}, bad
		}
		whole = digits + strings.Repeat("0", point-len(digits))
	default:
		if point > 12 {
			return time.Time{}, bad
		}
		whole, frac = digits[:point], digits[point:]
	}
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, bad
	}
	if len(frac) > 9 {
		frac = frac[:9]
	}
	nsec := int64(0)
	if frac != "" {
		nsec, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	}
	if neg {
		sec, nsec = -sec, -nsec
	}
	t := time.Unix(sec, nsec).UTC()
	if u := t.Unix(); u < minEpochSeconds || u > maxEpochSeconds {
		return time.Time{}, bad
	}
	return t, nil
}

func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// errInvalidTimestamp is wrapped by every parse error of a Timestamp.
var errInvalidTimestamp = errors.New("api: invalid timestamp")

func invalidTimestamp(s string) error {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return fmt.Errorf("%w %q", errInvalidTimestamp, s)
}
