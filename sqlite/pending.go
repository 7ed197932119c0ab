// Code to be replaced: placeholders so that the tree compiles while the SQLite
// adapter of the rule, job and remediation stores is written.

package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/configd/configd"
)

var errPending = errors.New("sqlite: not implemented yet")

func (t *tx) GetRule(ctx context.Context, scope configd.Scope, name string) (*configd.ConfigRule, error) {
	return nil, errPending
}
func (t *tx) ListRules(ctx context.Context, scope configd.Scope, after string, limit int) ([]*configd.ConfigRule, error) {
	return nil, errPending
}
func (t *tx) CountRules(ctx context.Context, scope configd.Scope) (int, error) { return 0, errPending }
func (t *tx) PutRule(ctx context.Context, scope configd.Scope, r *configd.ConfigRule) error {
	return errPending
}
func (t *tx) DeleteRule(ctx context.Context, scope configd.Scope, name string) error {
	return errPending
}
func (t *tx) GetRuleStatus(ctx context.Context, scope configd.Scope, name string) (*configd.RuleStatus, error) {
	return nil, errPending
}
func (t *tx) PutRuleStatus(ctx context.Context, scope configd.Scope, name string, st *configd.RuleStatus) error {
	return errPending
}
func (t *tx) DueRules(ctx context.Context, now time.Time, limit int) ([]configd.ScopedName, error) {
	return nil, errPending
}
func (t *tx) PutEvaluationResult(ctx context.Context, scope configd.Scope, e *configd.EvaluationResult) error {
	return errPending
}
func (t *tx) GetEvaluationResult(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.EvaluationResult, error) {
	return nil, errPending
}
func (t *tx) DeleteEvaluationResults(ctx context.Context, scope configd.Scope, rule string) error {
	return errPending
}
func (t *tx) ListEvaluationResults(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, after *configd.EvaluationCursor, limit int) ([]*configd.EvaluationResult, error) {
	return nil, errPending
}
func (t *tx) CountCompliance(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, byRule bool) ([]configd.ComplianceCount, error) {
	return nil, errPending
}
func (t *tx) EnqueueJob(ctx context.Context, j *configd.Job) (bool, error) { return false, errPending }
func (t *tx) ClaimJobs(ctx context.Context, kind, owner string, now, leaseUntil time.Time, max int) ([]*configd.Job, error) {
	return nil, errPending
}
func (t *tx) CompleteJob(ctx context.Context, id int64, owner string) (bool, error) {
	return false, errPending
}
func (t *tx) RescheduleJob(ctx context.Context, id int64, owner string, runAt time.Time, lastErr string) error {
	return errPending
}
func (t *tx) CountJobs(ctx context.Context, kind string, scope configd.Scope) (int, error) {
	return 0, errPending
}
func (t *tx) AcquireLease(ctx context.Context, name, owner string, now, until time.Time) (bool, error) {
	return false, errPending
}
func (t *tx) ReleaseLease(ctx context.Context, name, owner string) error { return errPending }
func (t *tx) GetRemediationConfiguration(ctx context.Context, scope configd.Scope, rule string) (*configd.RemediationConfiguration, error) {
	return nil, errPending
}
func (t *tx) ListRemediationConfigurations(ctx context.Context, scope configd.Scope, rules []string) ([]*configd.RemediationConfiguration, error) {
	return nil, errPending
}
func (t *tx) PutRemediationConfiguration(ctx context.Context, scope configd.Scope, c *configd.RemediationConfiguration) error {
	return errPending
}
func (t *tx) DeleteRemediationConfiguration(ctx context.Context, scope configd.Scope, rule string) error {
	return errPending
}
func (t *tx) PutRemediationException(ctx context.Context, scope configd.Scope, e *configd.RemediationException) error {
	return errPending
}
func (t *tx) GetRemediationException(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.RemediationException, error) {
	return nil, errPending
}
func (t *tx) DeleteRemediationException(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) error {
	return errPending
}
func (t *tx) ListRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationException, error) {
	return nil, errPending
}
func (t *tx) DeleteExpiredRemediationExceptions(ctx context.Context, now time.Time) (int64, error) {
	return 0, errPending
}
func (t *tx) InsertExecution(ctx context.Context, scope configd.Scope, e *configd.RemediationExecution) error {
	return errPending
}
func (t *tx) UpdateExecution(ctx context.Context, scope configd.Scope, e *configd.RemediationExecution) error {
	return errPending
}
func (t *tx) GetExecution(ctx context.Context, scope configd.Scope, id string) (*configd.RemediationExecution, error) {
	return nil, errPending
}
func (t *tx) ActiveExecution(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.RemediationExecution, error) {
	return nil, errPending
}
func (t *tx) CountActiveExecutions(ctx context.Context, scope configd.Scope, rule string) (active, inProgress int, err error) {
	return 0, 0, errPending
}
func (t *tx) LatestExecutions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationExecution, error) {
	return nil, errPending
}
func (t *tx) ExecutionHistory(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) ([]*configd.RemediationExecution, error) {
	return nil, errPending
}
func (t *tx) ClaimExecutions(ctx context.Context, owner string, now, leaseUntil time.Time, max int) ([]configd.ScopedExecution, error) {
	return nil, errPending
}
func (t *tx) DeleteRuleExecutions(ctx context.Context, scope configd.Scope, rule string) error {
	return errPending
}
