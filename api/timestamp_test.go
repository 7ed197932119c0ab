package api

import (
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestTimestampMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"OKWholeSeconds", time.Unix(1700000000, 0), "1700000000"},
		{"OKMilliseconds", time.UnixMilli(1700000000123), "1700000000.123"},
		{"OKTrailingZerosTrimmed", time.UnixMilli(1700000000120), "1700000000.12"},
		{"OKSubMillisecondDropped", time.Unix(1700000000, 123999999), "1700000000.123"},
		{"OKEpoch", time.Unix(0, 0), "0"},
		{"OKBeforeEpoch", time.UnixMilli(-1500), "-1.5"},
		{"OKZone", time.Date(2023, 11, 14, 23, 13, 20, 0, time.FixedZone("CET", 3600)), "1700000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(Timestamp{Time: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestTimestampUnmarshalJSON(t *testing.T) {
	base := time.Unix(1700000000, 0).UTC()
	tests := []struct {
		name string
		in   string
		want time.Time // zero: an error is expected
	}{
		{"OKInteger", `1700000000`, base},
		{"OKFraction", `1700000000.123`, base.Add(123 * time.Millisecond)},
		{"OKNanoseconds", `1700000000.123456789999`, base.Add(123456789)},
		{"OKExponent", `1.7e9`, base},
		{"OKExponentFraction", `1.700000000123E9`, base.Add(123 * time.Millisecond)},
		{"OKNegativeExponent", `17000000000000e-4`, base},
		{"OKNegative", `-1.5`, time.UnixMilli(-1500).UTC()},
		{"OKStringNumber", `"1700000000.5"`, base.Add(500 * time.Millisecond)},
		{"OKRFC3339", `"2023-11-14T22:13:20Z"`, base},
		{"OKRFC3339Fraction", `"2023-11-14T22:13:20.250Z"`, base.Add(250 * time.Millisecond)},
		{"OKRFC3339Offset", `"2023-11-15T00:13:20+02:00"`, base},
		{"OKISOOffsetWithoutColon", `"2023-11-14T17:13:20-0500"`, base},
		{"OKISONoZoneIsUTC", `"2023-11-14T22:13:20"`, base},
		{"OKLowerCase", `"2023-11-14t22:13:20z"`, base},
		{"OKDateOnly", `"2023-11-14"`, time.Date(2023, 11, 14, 0, 0, 0, 0, time.UTC)},
		{"OKYear9999", `253402300799`, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"ErrWord", `"yesterday"`, time.Time{}},
		{"ErrEmptyString", `""`, time.Time{}},
		{"ErrBoolean", `true`, time.Time{}},
		{"ErrObject", `{}`, time.Time{}},
		{"ErrHugeExponent", `1e400`, time.Time{}},
		{"ErrAfterYear9999", `253402300800`, time.Time{}},
		{"ErrBeforeYear1", `-62135596801`, time.Time{}},
		{"ErrYear10000", `"10000-01-01T00:00:00Z"`, time.Time{}},
		{"ErrTrailingJunk", `"1700000000x"`, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ts Timestamp
			err := ts.UnmarshalJSON([]byte(tt.in))
			if tt.want.IsZero() {
				if err == nil {
					t.Fatalf("Unmarshal(%s) = %v, want an error", tt.in, ts.Time)
				}
				if !errors.Is(err, errInvalidTimestamp) && !isJSONError(err) {
					t.Errorf("error %v does not wrap errInvalidTimestamp", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if !ts.Time.Equal(tt.want) || ts.Location() != time.UTC {
				t.Errorf("Unmarshal(%s) = %v, want %v in UTC", tt.in, ts.Time, tt.want)
			}
		})
	}
}

func isJSONError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te)
}

func TestTimestampMember(t *testing.T) {
	type wire struct {
		At *Timestamp `json:"at,omitzero"`
	}
	tests := []struct {
		name string
		in   wire
		want string
	}{
		{"OKNilOmitted", wire{}, `{}`},
		{"OKZeroTimeOmitted", wire{At: &Timestamp{}}, `{}`},
		{"OKSet", wire{At: NewTimestamp(time.UnixMilli(1700000000001))}, `{"at":1700000000.001}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("Marshal = %s, want %s", b, tt.want)
			}
			var back wire
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !back.At.Value().Equal(tt.in.At.Value()) {
				t.Errorf("round trip: %v, want %v", back.At.Value(), tt.in.At.Value())
			}
		})
	}
	t.Run("OKNullMember", func(t *testing.T) {
		w := wire{At: NewTimestamp(time.Unix(5, 0))}
		if err := json.Unmarshal([]byte(`{"at":null}`), &w); err != nil {
			t.Fatal(err)
		}
		if w.At != nil {
			t.Errorf("null decoded into %v, want nil pointer", w.At.Value())
		}
	})
	t.Run("OKNullLeavesValue", func(t *testing.T) {
		ts := Timestamp{Time: time.Unix(5, 0)}
		if err := ts.UnmarshalJSON([]byte("null")); err != nil {
			t.Fatal(err)
		}
		if ts.Unix() != 5 {
			t.Errorf("UnmarshalJSON(null) changed the time to %v", ts.Time)
		}
	})
	t.Run("OKHelpers", func(t *testing.T) {
		if NewTimestamp(time.Time{}) != nil {
			t.Error("NewTimestamp(zero) != nil")
		}
		var nilTS *Timestamp
		if !nilTS.Value().IsZero() {
			t.Error("nil Value() is not the zero time")
		}
	})
}

// FuzzTimestampUnmarshalJSON checks that whatever UnmarshalJSON accepts
// marshals to a number that decodes back to the same instant, truncated to
// the millisecond.
func FuzzTimestampUnmarshalJSON(f *testing.F) {
	for _, s := range []string{
		`1700000000`, `1700000000.123`, `1.7e9`, `-1.5`, `null`, `"2023-11-14T22:13:20Z"`,
		`"2023-11-14T22:13:20.123456789+05:30"`, `"1700000000.5"`, `"2023-11-14"`, `1e400`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ts Timestamp
		if err := ts.UnmarshalJSON(data); err != nil || string(data) == "null" {
			return
		}
		b, err := ts.MarshalJSON()
		if err != nil {
			t.Fatalf("Marshal(%v): %v", ts.Time, err)
		}
		if _, err := strconv.ParseFloat(string(b), 64); err != nil || !json.Valid(b) {
			t.Fatalf("Marshal(%v) = %s, not a JSON number", ts.Time, b)
		}
		var back Timestamp
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("Unmarshal(%s) after Marshal(%v): %v", b, ts.Time, err)
		}
		if want := ts.Truncate(time.Millisecond); !back.Equal(want) {
			t.Fatalf("round trip of %s: %v, want %v", data, back.Time, want)
		}
	})
}
