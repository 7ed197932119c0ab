package recorder

import (
	"testing"
	"time"
)

type sample struct {
	DBInstanceIdentifier *string
	VpcId                *string
	Count                *int32
	Created              *time.Time
	Tags                 []struct{ Key, Value string }
	Attrs                map[string]string
	Flag                 bool
	hidden               string
}

func TestCIValue(t *testing.T) {
	id, vpc, n := "db1", "vpc-1", int32(3)
	ts := time.Date(2017, 1, 9, 20, 13, 28, 0, time.FixedZone("x", 3600))
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"OK", sample{DBInstanceIdentifier: &id, VpcId: &vpc, Count: &n, Created: &ts, hidden: "x"},
			`{"attrs":null,"count":3,"created":"2017-01-09T19:13:28.000Z","dBInstanceIdentifier":"db1","flag":false,"tags":[],"vpcId":"vpc-1"}`},
		{"OKNilPointers", sample{}, `{"attrs":null,"count":null,"created":null,"dBInstanceIdentifier":null,"flag":false,"tags":[],"vpcId":null}`},
		{"OKBytes", []byte("hi"), `"aGk="`},
		{"OKNil", nil, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encode(ciValue(tt.in)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
