package main

import (
	"context"

	"github.com/configd/configd/awsjson"
)

// pollRecordersReport is the answer of Configd.PollRecorders.
type pollRecordersReport struct {
	Recorders []pollRecorderReport `json:"Recorders"`
}

type pollRecorderReport struct {
	Name  string           `json:"Name"`
	Types []pollTypeReport `json:"ResourceTypes"`
}

type pollTypeReport struct {
	ResourceType string `json:"ResourceType"`
	Discovered   int    `json:"Discovered"`
	Changed      int    `json:"Changed"`
	Deleted      int    `json:"Deleted"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
	APICalls     int64  `json:"ApiCalls"`
}

// pollRecorders serves Configd.PollRecorders: a discovery pass over the
// caller's running recorders now, answered when it ends, for tests and for
// re-recording resources right after a change (a configd extension; AWS
// Config has no such operation). DAILY types are polled too.
func (m *Main) pollRecorders(ctx context.Context, req *awsjson.Request, _ []byte) (any, error) {
	res, err := m.Discovery.PollNow(ctx, &req.Scope, true)
	if err != nil {
		return nil, err
	}
	out := pollRecordersReport{Recorders: []pollRecorderReport{}}
	for _, r := range res {
		rr := pollRecorderReport{Name: r.Recorder, Types: []pollTypeReport{}}
		for _, t := range r.Types {
			rr.Types = append(rr.Types, pollTypeReport{ResourceType: t.ResourceType, Discovered: t.Discovered, Changed: t.Changed, Deleted: t.Deleted, ErrorCode: t.ErrorCode, ErrorMessage: t.ErrorMessage, APICalls: t.APICalls})
		}
		out.Recorders = append(out.Recorders, rr)
	}
	return out, nil
}
