package awsjson

import (
	"context"
	"encoding/json"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

// Page sizes of the remediation listings, from the API reference:
// DescribeRemediationExceptions defaults to 25 and DescribeRemediationExecutionStatus
// to the maximum, 100 (the model's Limit ranges cap both at 100; 0 means the
// default).
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeRemediationExceptions.html
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeRemediationExecutionStatus.html
const (
	exceptionsDefaultLimit = 25
	executionsDefaultLimit = 100
)

// RemediationEngine is what the remediation operations need of the
// remediation engine; the remediation package implements it. Each method
// has the contract of the service method of the same name (package service),
// plus the engine's work: validating targets against the runbooks, waking
// workers, counting metrics.
type RemediationEngine interface {
	PutRemediationConfigurations(ctx context.Context, scope configd.Scope, cs []*configd.RemediationConfiguration) (*service.PutRemediationConfigurationsResult, error)
	DescribeRemediationConfigurations(ctx context.Context, scope configd.Scope, rules []string) ([]*configd.RemediationConfiguration, error)
	DeleteRemediationConfiguration(ctx context.Context, scope configd.Scope, rule, resourceType string) error
	StartRemediationExecution(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) (*service.StartRemediationResult, error)
	DescribeRemediationExecutionStatus(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationExecution, error)
	PutRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, message string, expires time.Time) ([]service.FailedRemediationExceptions, error)
	DescribeRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationException, error)
	DeleteRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) ([]service.FailedRemediationExceptions, error)
}

// registerRemediation routes the remediation operations when an engine is set.
func (s *Server) registerRemediation() {
	if s.Remediation == nil {
		return
	}
	s.handlers["PutRemediationConfigurations"] = op(s.putRemediationConfigurations)
	s.handlers["DescribeRemediationConfigurations"] = op(s.describeRemediationConfigurations)
	s.handlers["DeleteRemediationConfiguration"] = op(s.deleteRemediationConfiguration)
	s.handlers["StartRemediationExecution"] = op(s.startRemediationExecution)
	s.handlers["DescribeRemediationExecutionStatus"] = op(s.describeRemediationExecutionStatus)
	s.handlers["PutRemediationExceptions"] = op(s.putRemediationExceptions)
	s.handlers["DescribeRemediationExceptions"] = op(s.describeRemediationExceptions)
	s.handlers["DeleteRemediationExceptions"] = op(s.deleteRemediationExceptions)
}

func (s *Server) putRemediationConfigurations(ctx context.Context, req *Request, in *api.PutRemediationConfigurationsRequest) (*api.PutRemediationConfigurationsResponse, error) {
	cs := make([]*configd.RemediationConfiguration, 0, len(in.RemediationConfigurations))
	byPtr := map[*configd.RemediationConfiguration]api.RemediationConfiguration{}
	for _, w := range in.RemediationConfigurations {
		c := RemediationConfigurationFromWire(&w)
		cs = append(cs, c)
		byPtr[c] = w
	}
	res, err := s.Remediation.PutRemediationConfigurations(ctx, req.Scope, cs)
	if err != nil {
		return nil, err
	}
	out := &api.PutRemediationConfigurationsResponse{FailedBatches: []api.FailedRemediationBatch{}}
	for _, b := range res.Failed {
		fb := api.FailedRemediationBatch{FailureMessage: b.Message, FailedItems: []api.RemediationConfiguration{}}
		for _, c := range b.Items {
			fb.FailedItems = append(fb.FailedItems, byPtr[c]) // as sent
		}
		out.FailedBatches = append(out.FailedBatches, fb)
	}
	return out, nil
}

func (s *Server) describeRemediationConfigurations(ctx context.Context, req *Request, in *api.DescribeRemediationConfigurationsRequest) (*api.DescribeRemediationConfigurationsResponse, error) {
	out := &api.DescribeRemediationConfigurationsResponse{RemediationConfigurations: []api.RemediationConfiguration{}}
	if len(in.ConfigRuleNames) == 0 {
		return out, nil // AWS answers an empty list for no names
	}
	cs, err := s.Remediation.DescribeRemediationConfigurations(ctx, req.Scope, in.ConfigRuleNames)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		out.RemediationConfigurations = append(out.RemediationConfigurations, RemediationConfigurationToWire(c))
	}
	return out, nil
}

func (s *Server) deleteRemediationConfiguration(ctx context.Context, req *Request, in *api.DeleteRemediationConfigurationRequest) (*api.DeleteRemediationConfigurationResponse, error) {
	return &api.DeleteRemediationConfigurationResponse{}, s.Remediation.DeleteRemediationConfiguration(ctx, req.Scope, in.ConfigRuleName, in.ResourceType)
}

func keysFromWire(ks []api.ResourceKey) []configd.ResourceKey {
	out := make([]configd.ResourceKey, 0, len(ks))
	for _, k := range ks {
		out = append(out, configd.ResourceKey{ResourceType: k.ResourceType, ResourceID: k.ResourceId})
	}
	return out
}

func exceptionKeysFromWire(ks []api.RemediationExceptionResourceKey) []configd.ResourceKey {
	out := make([]configd.ResourceKey, 0, len(ks))
	for _, k := range ks {
		out = append(out, configd.ResourceKey{ResourceType: k.ResourceType, ResourceID: k.ResourceId})
	}
	return out
}

func (s *Server) startRemediationExecution(ctx context.Context, req *Request, in *api.StartRemediationExecutionRequest) (*api.StartRemediationExecutionResponse, error) {
	res, err := s.Remediation.StartRemediationExecution(ctx, req.Scope, in.ConfigRuleName, keysFromWire(in.ResourceKeys))
	if err != nil {
		return nil, err
	}
	out := &api.StartRemediationExecutionResponse{FailedItems: []api.ResourceKey{}, FailureMessage: res.FailureMessage()}
	for _, k := range res.InProgress {
		out.FailedItems = append(out.FailedItems, api.ResourceKey{ResourceType: k.ResourceType, ResourceId: k.ResourceID})
	}
	return out, nil
}

// keyCursor is the NextToken cursor of the remediation listings: the last
// resource key of the page.
type keyCursor struct {
	T string `json:"t"`
	I string `json:"i"`
}

func (s *Server) openKeyToken(req *Request, query, token string) (*configd.ResourceKey, error) {
	cur, err := s.openToken(req, query, token)
	if err != nil || cur == "" {
		return nil, err
	}
	var c keyCursor
	if json.Unmarshal([]byte(cur), &c) != nil {
		return nil, configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
	}
	return &configd.ResourceKey{ResourceType: c.T, ResourceID: c.I}, nil
}

func (s *Server) sealKeyToken(req *Request, query string, k configd.ResourceKey) string {
	b, _ := json.Marshal(keyCursor{T: k.ResourceType, I: k.ResourceID})
	return s.sealToken(req, query, string(b))
}

func (s *Server) describeRemediationExecutionStatus(ctx context.Context, req *Request, in *api.DescribeRemediationExecutionStatusRequest) (*api.DescribeRemediationExecutionStatusResponse, error) {
	keys := keysFromWire(in.ResourceKeys)
	query := fingerprint(in.ConfigRuleName, keys)
	after, err := s.openKeyToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit, executionsDefaultLimit)
	es, err := s.Remediation.DescribeRemediationExecutionStatus(ctx, req.Scope, in.ConfigRuleName, keys, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeRemediationExecutionStatusResponse{RemediationExecutionStatuses: []api.RemediationExecutionStatus{}}
	for i, e := range es {
		if i == limit {
			prev := es[i-1]
			out.NextToken = s.sealKeyToken(req, query, configd.ResourceKey{ResourceType: prev.ResourceType, ResourceID: prev.ResourceID})
			break
		}
		out.RemediationExecutionStatuses = append(out.RemediationExecutionStatuses, ExecutionToWire(e))
	}
	return out, nil
}

func (s *Server) putRemediationExceptions(ctx context.Context, req *Request, in *api.PutRemediationExceptionsRequest) (*api.PutRemediationExceptionsResponse, error) {
	failed, err := s.Remediation.PutRemediationExceptions(ctx, req.Scope, in.ConfigRuleName, exceptionKeysFromWire(in.ResourceKeys), in.Message, in.ExpirationTime.Value())
	if err != nil {
		return nil, err
	}
	out := &api.PutRemediationExceptionsResponse{FailedBatches: []api.FailedRemediationExceptionBatch{}}
	for _, b := range failed {
		fb := api.FailedRemediationExceptionBatch{FailureMessage: b.Message, FailedItems: []api.RemediationException{}}
		for _, e := range b.Items {
			fb.FailedItems = append(fb.FailedItems, ExceptionToWire(e))
		}
		out.FailedBatches = append(out.FailedBatches, fb)
	}
	return out, nil
}

// describeRemediationExceptions pages only when no keys are given: AWS says
// Limit and NextToken do not apply to a request for resources in batch.
func (s *Server) describeRemediationExceptions(ctx context.Context, req *Request, in *api.DescribeRemediationExceptionsRequest) (*api.DescribeRemediationExceptionsResponse, error) {
	keys := exceptionKeysFromWire(in.ResourceKeys)
	out := &api.DescribeRemediationExceptionsResponse{RemediationExceptions: []api.RemediationException{}}
	if len(keys) > 0 {
		es, err := s.Remediation.DescribeRemediationExceptions(ctx, req.Scope, in.ConfigRuleName, keys, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out.RemediationExceptions = append(out.RemediationExceptions, ExceptionToWire(e))
		}
		return out, nil
	}
	query := fingerprint(in.ConfigRuleName)
	after, err := s.openKeyToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit, exceptionsDefaultLimit)
	es, err := s.Remediation.DescribeRemediationExceptions(ctx, req.Scope, in.ConfigRuleName, nil, after, limit+1)
	if err != nil {
		return nil, err
	}
	for i, e := range es {
		if i == limit {
			prev := es[i-1]
			out.NextToken = s.sealKeyToken(req, query, configd.ResourceKey{ResourceType: prev.ResourceType, ResourceID: prev.ResourceID})
			break
		}
		out.RemediationExceptions = append(out.RemediationExceptions, ExceptionToWire(e))
	}
	return out, nil
}

func (s *Server) deleteRemediationExceptions(ctx context.Context, req *Request, in *api.DeleteRemediationExceptionsRequest) (*api.DeleteRemediationExceptionsResponse, error) {
	failed, err := s.Remediation.DeleteRemediationExceptions(ctx, req.Scope, in.ConfigRuleName, exceptionKeysFromWire(in.ResourceKeys))
	if err != nil {
		return nil, err
	}
	out := &api.DeleteRemediationExceptionsResponse{FailedBatches: []api.FailedDeleteRemediationExceptionsBatch{}}
	for _, b := range failed {
		fb := api.FailedDeleteRemediationExceptionsBatch{FailureMessage: b.Message, FailedItems: []api.RemediationExceptionResourceKey{}}
		for _, k := range b.Keys {
			fb.FailedItems = append(fb.FailedItems, api.RemediationExceptionResourceKey{ResourceType: k.ResourceType, ResourceId: k.ResourceID})
		}
		out.FailedBatches = append(out.FailedBatches, fb)
	}
	return out, nil
}

// RemediationConfigurationFromWire maps a wire configuration to the domain.
func RemediationConfigurationFromWire(w *api.RemediationConfiguration) *configd.RemediationConfiguration {
	c := &configd.RemediationConfiguration{
		RuleName:      w.ConfigRuleName,
		TargetType:    w.TargetType,
		TargetID:      w.TargetId,
		TargetVersion: w.TargetVersion,
		ResourceType:  w.ResourceType,
		Automatic:     w.Automatic != nil && *w.Automatic,
		Parameters:    map[string]configd.RemediationParameter{},
	}
	for name, p := range w.Parameters {
		var rp configd.RemediationParameter
		if p.ResourceValue != nil {
			rp.ResourceValue = p.ResourceValue.Value
		}
		if p.StaticValue != nil {
			rp.StaticValues = p.StaticValue.Values
			if rp.StaticValues == nil {
				rp.StaticValues = []string{}
			}
		}
		c.Parameters[name] = rp
	}
	if w.ExecutionControls != nil && w.ExecutionControls.SsmControls != nil {
		sc := w.ExecutionControls.SsmControls
		c.ExecutionControls = &configd.ExecutionControls{}
		if sc.ConcurrentExecutionRatePercentage != nil {
			c.ExecutionControls.ConcurrentExecutionRatePercentage = int(*sc.ConcurrentExecutionRatePercentage)
		}
		if sc.ErrorPercentage != nil {
			c.ExecutionControls.ErrorPercentage = int(*sc.ErrorPercentage)
		}
	}
	if w.MaximumAutomaticAttempts != nil {
		c.MaximumAutomaticAttempts = int(*w.MaximumAutomaticAttempts)
	}
	if w.RetryAttemptSeconds != nil {
		c.RetryAttemptSeconds = *w.RetryAttemptSeconds
	}
	return c
}

// RemediationConfigurationToWire renders a stored configuration as
// DescribeRemediationConfigurations returns it.
func RemediationConfigurationToWire(c *configd.RemediationConfiguration) api.RemediationConfiguration {
	w := api.RemediationConfiguration{
		ConfigRuleName:   c.RuleName,
		TargetType:       c.TargetType,
		TargetId:         c.TargetID,
		TargetVersion:    c.TargetVersion,
		ResourceType:     c.ResourceType,
		Automatic:        api.Bool(c.Automatic),
		Parameters:       map[string]api.RemediationParameterValue{},
		Arn:              c.ARN,
		CreatedByService: c.CreatedByService,
	}
	// Listed only when the configuration set them (configd.RemediationConfiguration).
	if c.MaximumAutomaticAttempts > 0 {
		w.MaximumAutomaticAttempts = api.Int32(int32(c.MaximumAutomaticAttempts))
	}
	if c.RetryAttemptSeconds > 0 {
		w.RetryAttemptSeconds = api.Int64(c.RetryAttemptSeconds)
	}
	for name, p := range c.Parameters {
		if p.ResourceValue != "" {
			w.Parameters[name] = api.RemediationParameterValue{ResourceValue: &api.ResourceValue{Value: p.ResourceValue}}
		} else {
			w.Parameters[name] = api.RemediationParameterValue{StaticValue: &api.StaticValue{Values: orEmpty(p.StaticValues)}}
		}
	}
	if ec := c.ExecutionControls; ec != nil {
		sc := &api.SsmControls{}
		if ec.ConcurrentExecutionRatePercentage > 0 {
			sc.ConcurrentExecutionRatePercentage = api.Int32(int32(ec.ConcurrentExecutionRatePercentage))
		}
		if ec.ErrorPercentage > 0 {
			sc.ErrorPercentage = api.Int32(int32(ec.ErrorPercentage))
		}
		w.ExecutionControls = &api.ExecutionControls{SsmControls: sc}
	}
	return w
}

// ExceptionToWire renders a remediation exception.
func ExceptionToWire(e *configd.RemediationException) api.RemediationException {
	return api.RemediationException{
		ConfigRuleName: e.RuleName,
		ResourceType:   e.ResourceType,
		ResourceId:     e.ResourceID,
		Message:        e.Message,
		ExpirationTime: ts(e.ExpirationTime),
	}
}

// ExecutionToWire renders an execution as a RemediationExecutionStatus.
func ExecutionToWire(e *configd.RemediationExecution) api.RemediationExecutionStatus {
	w := api.RemediationExecutionStatus{
		ResourceKey:     &api.ResourceKey{ResourceType: e.ResourceType, ResourceId: e.ResourceID},
		State:           e.State,
		StepDetails:     []api.RemediationExecutionStep{},
		InvocationTime:  ts(e.InvocationTime),
		LastUpdatedTime: ts(e.LastUpdatedTime),
	}
	for _, st := range e.Steps {
		w.StepDetails = append(w.StepDetails, api.RemediationExecutionStep{
			Name: st.Name, State: st.State, ErrorMessage: st.ErrorMessage, StartTime: ts(st.StartTime), StopTime: ts(st.StopTime),
		})
	}
	return w
}
