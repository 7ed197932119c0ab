package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/awsjson"
)

// historyOp is configd's extension operation listing every execution of a
// rule's remediation on one resource, newest first (AWS Config's
// DescribeRemediationExecutionStatus shows only the newest).
const historyOp = "Configd.DescribeRemediationExecutionHistory"

// historyRequest is the input of Configd.DescribeRemediationExecutionHistory.
type historyRequest struct {
	ConfigRuleName string          `json:"ConfigRuleName"`
	ResourceKey    api.ResourceKey `json:"ResourceKey"`
	Limit          int             `json:"Limit"`
	NextToken      string          `json:"NextToken"`
}

// historyExecution is one execution: its status as AWS shows it, with its
// id, trigger and attempt.
type historyExecution struct {
	api.RemediationExecutionStatus
	ExecutionId string `json:"ExecutionId"`
	Automatic   bool   `json:"Automatic"`
	Attempt     int    `json:"Attempt"`
}

type historyResponse struct {
	RemediationExecutions []historyExecution `json:"RemediationExecutions"`
	NextToken             string             `json:"NextToken,omitempty"`
}

// historyDefaultLimit and historyMaxLimit bound a page.
const (
	historyDefaultLimit = 25
	historyMaxLimit     = 100
)

// remediationHistory serves Configd.DescribeRemediationExecutionHistory.
func (m *Main) remediationHistory(ctx context.Context, req *awsjson.Request, body []byte) (any, error) {
	var in historyRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if len(bytes.TrimSpace(body)) > 0 {
		if err := dec.Decode(&in); err != nil {
			return nil, configd.Errorf(configd.ErrSerialization, "The request body does not match the input of %s.", historyOp)
		}
	}
	switch {
	case in.ConfigRuleName == "" || in.ResourceKey.ResourceType == "" || in.ResourceKey.ResourceId == "":
		return nil, configd.Errorf(configd.ErrValidation, "ConfigRuleName and ResourceKey (resourceType, resourceId) are required.")
	case in.Limit < 0 || in.Limit > historyMaxLimit:
		return nil, configd.Errorf(configd.ErrInvalidLimit, "Limit must be between 0 and %d.", historyMaxLimit)
	}
	limit := in.Limit
	if limit == 0 {
		limit = historyDefaultLimit
	}
	key := configd.ResourceKey{ResourceType: in.ResourceKey.ResourceType, ResourceID: in.ResourceKey.ResourceId}
	query := in.ConfigRuleName + "\x00" + key.ResourceType + "\x00" + key.ResourceID
	// The cursor counts the older executions not returned yet, so that
	// executions started meanwhile (listed first) do not shift the pages.
	older := -1
	if in.NextToken != "" {
		cur, err := m.Tokens.Open(historyOp, req.Scope, query, in.NextToken)
		if err != nil {
			return nil, err
		}
		if older, err = strconv.Atoi(cur); err != nil || older < 0 {
			return nil, configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
		}
	}
	hist, err := m.Service.RemediationExecutionHistory(ctx, req.Scope, in.ConfigRuleName, key)
	if err != nil {
		return nil, err
	}
	offset := 0
	if older >= 0 {
		offset = max(len(hist)-older, 0)
	}
	out := historyResponse{RemediationExecutions: []historyExecution{}}
	for i := offset; i < len(hist) && i < offset+limit; i++ {
		x := hist[i]
		out.RemediationExecutions = append(out.RemediationExecutions, historyExecution{
			RemediationExecutionStatus: awsjson.ExecutionToWire(x), ExecutionId: x.ID, Automatic: x.Automatic, Attempt: x.Attempt,
		})
	}
	if offset+limit < len(hist) {
		out.NextToken = m.Tokens.Seal(historyOp, req.Scope, query, strconv.Itoa(len(hist)-offset-limit))
	}
	return out, nil
}
