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
