package service

import (
	"testing"

	"github.com/configd/configd"
)

func TestAggregateFilterInScope(t *testing.T) {
	sc := configd.Scope{AccountID: "111111111111", Region: "us-east-1"}
	for _, c := range []struct {
		f    AggregateFilter
		want bool
	}{
		{AggregateFilter{}, true},
		{AggregateFilter{AccountID: "111111111111"}, true},
		{AggregateFilter{AccountID: "222222222222"}, false},
		{AggregateFilter{Region: "us-east-1"}, true},
		{AggregateFilter{Region: "eu-west-1"}, false},
		{AggregateFilter{AccountID: "111111111111", Region: "eu-west-1"}, false},
		{AggregateFilter{AccountID: "222222222222", Region: "us-east-1"}, false},
		{AggregateFilter{AccountID: "111111111111", Region: "us-east-1", ResourceType: "AWS::S3::Bucket"}, true},
	} {
		if got := c.f.inScope(sc); got != c.want {
			t.Errorf("%+v.inScope(%v) = %v, want %v", c.f, sc, got, c.want)
		}
	}
}
