package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
)

// Messages of the remediation errors (see sqlite/remediation.go for where
// each comes from).
const (
	noSuchRemediationConfigMessage    = "No RemediationConfiguration for rule exists."
	noSuchRemediationExceptionMessage = "You tried to delete a remediation exception that does not exist."
	remediationInProgressMessage      = "Remediation action is in progress. You can either cancel execution in Amazon Web Services Systems Manager or wait and try again later."
)

// fullRemediationConfig returns a configuration with every field set.
func fullRemediationConfig(rule string) *configd.RemediationConfiguration {
	return &configd.RemediationConfiguration{
		RuleName:      rule,
		ARN:           "arn:aws:config:us-east-1:111111111111:remediation-configuration/" + rule + "/abc",
		TargetType:    "SSM_DOCUMENT",
		TargetID:      "AWS-EnableS3BucketEncryption",
		TargetVersion: "1",
		Parameters: map[string]configd.RemediationParameter{
			"BucketName":           {ResourceValue: "RESOURCE_ID"},
			"SSEAlgorithm":         {StaticValues: []string{"AES256"}},
			"AutomationAssumeRole": {StaticValues: []string{"arn:aws:iam::111111111111:role/r", "x"}},
		},
		ResourceType:             typeBucket,
		Automatic:                true,
		ExecutionControls:        &configd.ExecutionControls{ConcurrentExecutionRatePercentage: 25, ErrorPercentage: 40},
		MaximumAutomaticAttempts: 7,
		RetryAttemptSeconds:      120,
		CreatedByService:         "securityhub.amazonaws.com",
	}
}

// exception returns an exception of rule for a bucket.
func exception(rule, id string, expires time.Time) *configd.RemediationException {
	return &configd.RemediationException{RuleName: rule, ResourceType: typeBucket, ResourceID: id, Message: "exempt " + id, ExpirationTime: expires}
}

// execution returns a QUEUED execution of rule on bucket id, due at minute
// runAt, with every field set.
func execution(rule, id string, runAt int) *configd.RemediationExecution {
	return &configd.RemediationExecution{
		RuleName:     rule,
		ResourceType: typeBucket,
		ResourceID:   id,
		State:        configd.ExecQueued,
		Steps: []configd.StepDetail{
			{Name: "PutBucketEncryption", State: configd.StepPending, StartTime: minute(runAt)},
			{Name: "Verify", State: configd.StepFailed, ErrorMessage: "denied", StartTime: minute(runAt), StopTime: minute(runAt + 1)},
		},
		InvocationTime:  minute(runAt - 1),
		LastUpdatedTime: minute(runAt - 1),
		Automatic:       true,
		Attempt:         2,
		RunAt:           minute(runAt),
	}
}

// insert inserts e in scope and returns the error of InsertExecution.
func insert(s configd.Store, scope configd.Scope, e *configd.RemediationExecution) error {
	return s.Write(context.Background(), func(tx configd.Tx) error {
		return tx.InsertExecution(context.Background(), scope, e)
	})
}

// claimExecutions claims at most max executions for owner at now, leased
// for ten minutes, and returns "scope id" of each.
func claimExecutions(t *testing.T, s configd.Store, owner string, now time.Time, max int) []configd.ScopedExecution {
	t.Helper()
	var out []configd.ScopedExecution
	write(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		out, err = tx.ClaimExecutions(ctx, owner, now, now.Add(10*time.Minute), max)
		return err
	})
	return out
}

// executionIDs returns the ids of executions.
func executionIDs[E *configd.RemediationExecution | configd.ScopedExecution](es []E) []string {
	out := []string{}
	for _, e := range es {
		switch e := any(e).(type) {
		case *configd.RemediationExecution:
			out = append(out, e.ID)
		case configd.ScopedExecution:
			out = append(out, e.Execution.ID)
		}
	}
	return out
}

var remediationConfigTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		c := fullRemediationConfig("r")
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.PutRemediationConfiguration(ctx, scopeA, c) })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRemediationConfiguration(ctx, scopeA, "r")
			must(t, "GetRemediationConfiguration", err)
			wantEqual(t, "configuration", got, c)
			return nil
		})
		// Replace, with nil and empty values that must come back as they were.
		changed := &configd.RemediationConfiguration{
			RuleName:   "r",
			TargetType: "SSM_DOCUMENT",
			TargetID:   "doc",
			Parameters: map[string]configd.RemediationParameter{"Empty": {StaticValues: []string{}}, "Nil": {}},
		}
		empty := &configd.RemediationConfiguration{RuleName: "s", Parameters: map[string]configd.RemediationParameter{}}
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutRemediationConfiguration", tx.PutRemediationConfiguration(ctx, scopeA, changed))
			return tx.PutRemediationConfiguration(ctx, scopeA, empty)
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRemediationConfiguration(ctx, scopeA, "r")
			must(t, "GetRemediationConfiguration", err)
			wantEqual(t, "replaced configuration", got, changed)
			got, err = tx.GetRemediationConfiguration(ctx, scopeA, "s")
			must(t, "GetRemediationConfiguration", err)
			wantEqual(t, "configuration with empty parameters", got, empty)
			return nil
		})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.DeleteRemediationConfiguration(ctx, scopeA, "r")
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.GetRemediationConfiguration(ctx, scopeA, "r")
			wantCode(t, "GetRemediationConfiguration after delete", err, configd.ErrNoSuchRemediationConfiguration, noSuchRemediationConfigMessage)
			return nil
		})
	}},
	{"ErrNoSuchRemediationConfiguration", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.GetRemediationConfiguration(ctx, scopeA, "absent")
			wantCode(t, "GetRemediationConfiguration", err, configd.ErrNoSuchRemediationConfiguration, noSuchRemediationConfigMessage)
			wantCode(t, "DeleteRemediationConfiguration", tx.DeleteRemediationConfiguration(ctx, scopeA, "absent"),
				configd.ErrNoSuchRemediationConfiguration, noSuchRemediationConfigMessage)
			return nil
		})
	}},
	{"List", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for _, n := range []string{"c", "a", "B", "b"} {
				must(t, "PutRemediationConfiguration", tx.PutRemediationConfiguration(ctx, scopeA, fullRemediationConfig(n)))
			}
			return tx.PutRemediationConfiguration(ctx, scopeB, fullRemediationConfig("z"))
		})
		names := func(rules ...string) []string {
			out := []string{}
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				cs, err := tx.ListRemediationConfigurations(ctx, scopeA, rules)
				must(t, "ListRemediationConfigurations", err)
				for _, c := range cs {
					out = append(out, c.RuleName)
				}
				return nil
			})
			return out
		}
		wantEqual(t, "all", names(), []string{"B", "a", "b", "c"})
		wantEqual(t, "named", names("c", "absent", "a", "c", "z"), []string{"a", "c"})
		wantEqual(t, "absent only", names("absent"), []string{})
	}},
	{"Isolation", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.PutRemediationConfiguration(ctx, scopeA, fullRemediationConfig("r"))
		})
		for _, other := range []configd.Scope{scopeB, scopeC} {
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				_, err := tx.GetRemediationConfiguration(ctx, other, "r")
				wantCode(t, "GetRemediationConfiguration", err, configd.ErrNoSuchRemediationConfiguration, "")
				wantCode(t, "DeleteRemediationConfiguration", tx.DeleteRemediationConfiguration(ctx, other, "r"),
					configd.ErrNoSuchRemediationConfiguration, "")
				cs, err := tx.ListRemediationConfigurations(ctx, other, nil)
				must(t, "ListRemediationConfigurations", err)
				wantEqual(t, "configurations", len(cs), 0)
				return nil
			})
		}
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			scopes, err := tx.Scopes(ctx)
			must(t, "Scopes", err)
			wantEqual(t, "Scopes with a remediation configuration", sortedScopes(scopes), []string{scopeA.String()})
			return nil
		})
	}},
}

// exceptionIDs lists the resource ids of a rule's exceptions in scope.
func exceptionIDs(t *testing.T, s configd.Store, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) []string {
	t.Helper()
	out := []string{}
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		es, err := tx.ListRemediationExceptions(ctx, scope, rule, keys, after, limit)
		must(t, "ListRemediationExceptions", err)
		for _, e := range es {
			out = append(out, e.ResourceType+" "+e.ResourceID)
		}
		return nil
	})
	return out
}

var remediationExceptionTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		e := exception("r", "b1", minute(10))
		key := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "b1"}
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRemediationException(ctx, scopeA, "r", key)
			must(t, "GetRemediationException", err)
			wantEqual(t, "absent exception", got, (*configd.RemediationException)(nil))
			return tx.PutRemediationException(ctx, scopeA, e)
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRemediationException(ctx, scopeA, "r", key)
			must(t, "GetRemediationException", err)
			wantEqual(t, "exception", got, e)
			got, err = tx.GetRemediationException(ctx, scopeA, "other", key)
			must(t, "GetRemediationException", err)
			wantEqual(t, "exception of another rule", got, (*configd.RemediationException)(nil))
			return nil
		})
		never := &configd.RemediationException{RuleName: "r", ResourceType: typeBucket, ResourceID: "b1"}
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.PutRemediationException(ctx, scopeA, never) })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRemediationException(ctx, scopeA, "r", key)
			must(t, "GetRemediationException", err)
			wantEqual(t, "replaced exception", got, never)
			return nil
		})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "DeleteRemediationException", tx.DeleteRemediationException(ctx, scopeA, "r", key))
			wantCode(t, "DeleteRemediationException twice", tx.DeleteRemediationException(ctx, scopeA, "r", key),
				configd.ErrNoSuchRemediationException, noSuchRemediationExceptionMessage)
			wantCode(t, "DeleteRemediationException in another scope", tx.DeleteRemediationException(ctx, scopeB, "r", key),
				configd.ErrNoSuchRemediationException, noSuchRemediationExceptionMessage)
			return nil
		})
	}},
	{"List", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for _, id := range []string{"c", "a", "B", "b"} {
				must(t, "PutRemediationException", tx.PutRemediationException(ctx, scopeA, exception("r", id, time.Time{})))
			}
			i := exception("r", "i-1", time.Time{})
			i.ResourceType = typeInstance
			must(t, "PutRemediationException", tx.PutRemediationException(ctx, scopeA, i))
			must(t, "PutRemediationException", tx.PutRemediationException(ctx, scopeA, exception("other", "a", time.Time{})))
			return tx.PutRemediationException(ctx, scopeB, exception("r", "z", time.Time{}))
		})
		b := func(id string) string { return typeBucket + " " + id }
		all := []string{typeInstance + " i-1", b("B"), b("a"), b("b"), b("c")} // AWS::EC2 < AWS::S3
		wantEqual(t, "all", exceptionIDs(t, s, scopeA, "r", nil, nil, 0), all)
		wantEqual(t, "limit 2", exceptionIDs(t, s, scopeA, "r", nil, nil, 2), all[:2])
		after := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "B"}
		wantEqual(t, "after B", exceptionIDs(t, s, scopeA, "r", nil, &after, 0), all[2:])
		wantEqual(t, "after B, limit 1", exceptionIDs(t, s, scopeA, "r", nil, &after, 1), all[2:3])
		between := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "ab"}
		wantEqual(t, "after a key between two", exceptionIDs(t, s, scopeA, "r", nil, &between, 0), all[3:])
		keys := []configd.ResourceKey{
			{ResourceType: typeBucket, ResourceID: "c"},
			{ResourceType: typeBucket, ResourceID: "absent"},
			{ResourceType: typeBucket, ResourceID: "a"},
			{ResourceType: typeBucket, ResourceID: "c"},
			{ResourceType: typeInstance, ResourceID: "a"},
		}
		wantEqual(t, "keys", exceptionIDs(t, s, scopeA, "r", keys, nil, 0), []string{b("a"), b("c")})
		wantEqual(t, "keys, limit 1", exceptionIDs(t, s, scopeA, "r", keys, nil, 1), []string{b("a")})
		afterA := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "a"}
		wantEqual(t, "keys after a", exceptionIDs(t, s, scopeA, "r", keys, &afterA, 0), []string{b("c")})
		wantEqual(t, "other scope", exceptionIDs(t, s, scopeC, "r", nil, nil, 0), []string{})
	}},
	{"Expiry", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "Put", tx.PutRemediationException(ctx, scopeA, exception("r", "five", minute(5))))
			must(t, "Put", tx.PutRemediationException(ctx, scopeA, exception("r", "never", time.Time{})))
			must(t, "Put", tx.PutRemediationException(ctx, scopeB, exception("r", "ten", minute(10))))
			must(t, "Put", tx.PutRemediationException(ctx, scopeC, exception("q", "eleven", minute(11))))
			return nil
		})
		expire := func(now int) int64 {
			var n int64
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				var err error
				n, err = tx.DeleteExpiredRemediationExceptions(ctx, minute(now))
				return err
			})
			return n
		}
		wantEqual(t, "expired before 5", expire(4), int64(0))
		// An exception expires at its expiration time.
		wantEqual(t, "expired at 5", expire(5), int64(1))
		wantEqual(t, "left in A", exceptionIDs(t, s, scopeA, "r", nil, nil, 0), []string{typeBucket + " never"})
		wantEqual(t, "expired at 11, across scopes", expire(11), int64(2))
		wantEqual(t, "expired at 1000", expire(1000), int64(0))
		wantEqual(t, "left in A at the end", exceptionIDs(t, s, scopeA, "r", nil, nil, 0), []string{typeBucket + " never"})
	}},
}

var remediationExecutionTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		e := execution("r", "b1", 5)
		must(t, "InsertExecution", insert(s, scopeA, e))
		if e.ID == "" {
			t.Fatalf("InsertExecution did not set an id")
		}
		key := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "b1"}
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetExecution(ctx, scopeA, e.ID)
			must(t, "GetExecution", err)
			wantEqual(t, "execution", got, e)
			got, err = tx.ActiveExecution(ctx, scopeA, "r", key)
			must(t, "ActiveExecution", err)
			wantEqual(t, "active execution", got, e)
			_, err = tx.GetExecution(ctx, scopeA, "absent")
			wantCode(t, "GetExecution of an absent id", err, configd.ErrResourceNotFound, "")
			_, err = tx.GetExecution(ctx, scopeB, e.ID)
			wantCode(t, "GetExecution in another scope", err, configd.ErrResourceNotFound, "")
			return nil
		})
		// A second active execution of the same rule on the resource fails.
		second := execution("r", "b1", 6)
		wantCode(t, "second InsertExecution", insert(s, scopeA, second), configd.ErrRemediationInProgress, remediationInProgressMessage)
		inProgress := execution("r", "b1", 6)
		inProgress.State = configd.ExecInProgress
		wantCode(t, "InsertExecution IN_PROGRESS", insert(s, scopeA, inProgress), configd.ErrRemediationInProgress, "")
		// Other rules, resources and scopes are other keys.
		must(t, "other rule", insert(s, scopeA, execution("r2", "b1", 5)))
		must(t, "other resource", insert(s, scopeA, execution("r", "b2", 5)))
		other := execution("r", "b1", 5)
		other.ResourceType = typeInstance
		must(t, "other resource type", insert(s, scopeA, other))
		must(t, "other region", insert(s, scopeB, execution("r", "b1", 5)))
		must(t, "other account", insert(s, scopeC, execution("r", "b1", 5)))

		// Once it is done, a new one can start; the old one is history.
		done := *e
		done.State, done.Owner, done.LeaseUntil, done.LastUpdatedTime = configd.ExecSucceeded, "", time.Time{}, minute(9)
		done.Steps = nil
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.UpdateExecution(ctx, scopeA, &done) })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.ActiveExecution(ctx, scopeA, "r", key)
			must(t, "ActiveExecution", err)
			wantEqual(t, "active execution after success", got, (*configd.RemediationExecution)(nil))
			got, err = tx.GetExecution(ctx, scopeA, e.ID)
			must(t, "GetExecution", err)
			wantEqual(t, "updated execution", got, &done)
			return nil
		})
		third := execution("r", "b1", 10)
		third.ID = "caller-chosen-id"
		must(t, "InsertExecution after success", insert(s, scopeA, third))
		wantEqual(t, "caller's id", third.ID, "caller-chosen-id")
		// Turning the old one active again would make two.
		revive := done
		revive.State = configd.ExecQueued
		err := s.Write(context.Background(), func(tx configd.Tx) error { return tx.UpdateExecution(context.Background(), scopeA, &revive) })
		wantCode(t, "UpdateExecution to a second active", err, configd.ErrRemediationInProgress, remediationInProgressMessage)
		absent := execution("r", "b9", 1)
		absent.ID = "absent"
		err = s.Write(context.Background(), func(tx configd.Tx) error { return tx.UpdateExecution(context.Background(), scopeA, absent) })
		wantCode(t, "UpdateExecution of an absent id", err, configd.ErrResourceNotFound, "")
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			h, err := tx.ExecutionHistory(ctx, scopeA, "r", key)
			must(t, "ExecutionHistory", err)
			wantEqual(t, "history, newest first", executionIDs(h), []string{third.ID, e.ID})
			h, err = tx.ExecutionHistory(ctx, scopeA, "r", configd.ResourceKey{ResourceType: typeBucket, ResourceID: "none"})
			must(t, "ExecutionHistory", err)
			wantEqual(t, "history of a resource without executions", len(h), 0)
			return nil
		})
	}},
	{"AllActiveExecutions", func(t *testing.T, s configd.Store) {
		c, ok := s.(configd.ActiveExecutionChecker)
		if !ok {
			t.Skip("the store does not implement configd.ActiveExecutionChecker")
		}
		for i, st := range []string{configd.ExecQueued, configd.ExecInProgress, configd.ExecSucceeded} {
			e := execution("r", fmt.Sprint("b", i), 1)
			e.State = st
			must(t, "InsertExecution", insert(s, scopeA, e))
		}
		must(t, "InsertExecution", insert(s, scopeB, execution("r", "b3", 1)))
		must(t, "InsertExecution", insert(s, scopeA, execution("q", "b4", 1)))
		key := func(id string) configd.ResourceKey {
			return configd.ResourceKey{ResourceType: typeBucket, ResourceID: id}
		}
		for _, tc := range []struct {
			scope configd.Scope
			rule  string
			keys  []configd.ResourceKey
			want  bool
		}{
			{scopeA, "r", []configd.ResourceKey{key("b0")}, true},
			{scopeA, "r", []configd.ResourceKey{key("b0"), key("b1")}, true},
			{scopeA, "r", []configd.ResourceKey{key("b0"), key("b1"), key("b0")}, true},
			{scopeA, "r", []configd.ResourceKey{key("b0"), key("b2")}, false},   // b2's execution ended
			{scopeA, "r", []configd.ResourceKey{key("b1"), key("none")}, false}, // no execution
			{scopeA, "r", []configd.ResourceKey{key("b3")}, false},              // active in another region
			{scopeA, "r", []configd.ResourceKey{key("b4")}, false},              // active for another rule
			{scopeA, "r", []configd.ResourceKey{{ResourceType: typeInstance, ResourceID: "b0"}}, false},
			{scopeB, "r", []configd.ResourceKey{key("b3")}, true},
			{scopeA, "r", nil, false},
		} {
			got, err := c.AllActiveExecutions(context.Background(), tc.scope, tc.rule, tc.keys)
			must(t, "AllActiveExecutions", err)
			if got != tc.want {
				t.Errorf("AllActiveExecutions(%v, %q, %v) = %v, want %v", tc.scope, tc.rule, tc.keys, got, tc.want)
			}
		}
	}},
	{"CountActive", func(t *testing.T, s configd.Store) {
		for i, st := range []string{configd.ExecQueued, configd.ExecInProgress, configd.ExecInProgress, configd.ExecSucceeded, configd.ExecFailed} {
			e := execution("r", fmt.Sprint("b", i), 1)
			e.State = st
			must(t, "InsertExecution", insert(s, scopeA, e))
		}
		e := execution("q", "b", 1)
		e.State = configd.ExecInProgress
		must(t, "InsertExecution", insert(s, scopeA, e))
		must(t, "InsertExecution", insert(s, scopeB, execution("r", "b", 1)))
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			for _, c := range []struct {
				scope              configd.Scope
				rule               string
				active, inProgress int
			}{{scopeA, "r", 3, 2}, {scopeA, "q", 1, 1}, {scopeA, "", 4, 3}, {scopeA, "none", 0, 0}, {scopeB, "", 1, 0}, {scopeC, "", 0, 0}} {
				a, p, err := tx.CountActiveExecutions(ctx, c.scope, c.rule)
				must(t, "CountActiveExecutions", err)
				wantEqual(t, fmt.Sprintf("CountActiveExecutions(%s, %q)", c.scope, c.rule), [2]int{a, p}, [2]int{c.active, c.inProgress})
			}
			return nil
		})
	}},
	{"Latest", func(t *testing.T, s configd.Store) {
		ids := map[string]string{} // resource id -> id of its newest execution
		resources := []string{"c", "a", "B", "c", "a", "c"}
		for i, res := range resources {
			e := execution("r", res, i)
			if slices.Contains(resources[i+1:], res) {
				e.State = configd.ExecFailed // so that the next one may be inserted
			}
			must(t, "InsertExecution", insert(s, scopeA, e))
			ids[res] = e.ID
		}
		must(t, "InsertExecution", insert(s, scopeA, execution("other", "a", 1)))
		must(t, "InsertExecution", insert(s, scopeB, execution("r", "a", 1)))
		latest := func(keys []configd.ResourceKey, after *configd.ResourceKey, limit int) []string {
			var out []string
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				es, err := tx.LatestExecutions(ctx, scopeA, "r", keys, after, limit)
				must(t, "LatestExecutions", err)
				out = executionIDs(es)
				return nil
			})
			return out
		}
		wantEqual(t, "all", latest(nil, nil, 0), []string{ids["B"], ids["a"], ids["c"]})
		wantEqual(t, "limit 2", latest(nil, nil, 2), []string{ids["B"], ids["a"]})
		afterB := &configd.ResourceKey{ResourceType: typeBucket, ResourceID: "B"}
		wantEqual(t, "after B", latest(nil, afterB, 0), []string{ids["a"], ids["c"]})
		wantEqual(t, "after B, limit 1", latest(nil, afterB, 1), []string{ids["a"]})
		keys := []configd.ResourceKey{
			{ResourceType: typeBucket, ResourceID: "c"},
			{ResourceType: typeBucket, ResourceID: "none"},
			{ResourceType: typeBucket, ResourceID: "B"},
			{ResourceType: typeBucket, ResourceID: "c"},
		}
		wantEqual(t, "keys", latest(keys, nil, 0), []string{ids["B"], ids["c"]})
		wantEqual(t, "keys after B", latest(keys, afterB, 0), []string{ids["c"]})
		wantEqual(t, "keys, limit 1", latest(keys, nil, 1), []string{ids["B"]})
	}},
	{"Claim", func(t *testing.T, s configd.Store) {
		e1 := execution("r", "b1", 10)
		e2 := execution("r", "b2", 5)
		e3 := execution("r", "b3", 20)
		done := execution("r", "b4", 0)
		done.State = configd.ExecSucceeded
		for _, e := range []*configd.RemediationExecution{e1, e2, e3, done} {
			must(t, "InsertExecution", insert(s, scopeA, e))
		}
		eB := execution("r", "b1", 7)
		must(t, "InsertExecution", insert(s, scopeB, eB))

		wantEqual(t, "claim before any is due", executionIDs(claimExecutions(t, s, "w1", minute(4), 10)), []string{})
		got := claimExecutions(t, s, "w1", minute(10), 2)
		wantEqual(t, "first claim: earliest RunAt first, across scopes", executionIDs(got), []string{e2.ID, eB.ID})
		wantEqual(t, "scope of a claimed execution", got[1].Scope, scopeB)
		want := *e2
		want.State, want.Owner, want.LeaseUntil, want.LastUpdatedTime = configd.ExecInProgress, "w1", minute(20), minute(10)
		wantEqual(t, "claimed execution", got[0], configd.ScopedExecution{Scope: scopeA, Execution: &want})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			stored, err := tx.GetExecution(ctx, scopeA, e2.ID)
			must(t, "GetExecution", err)
			wantEqual(t, "stored claimed execution", stored, &want)
			return nil
		})
		wantEqual(t, "second claim", executionIDs(claimExecutions(t, s, "w2", minute(10), 10)), []string{e1.ID})
		wantEqual(t, "nothing left due", executionIDs(claimExecutions(t, s, "w2", minute(19), 10)), []string{})
		// Leases of w1 end at minute 20: still held then, expired after.
		wantEqual(t, "claim at minute 20", executionIDs(claimExecutions(t, s, "w3", minute(20), 10)), []string{e3.ID})
		got = claimExecutions(t, s, "w4", minute(20).Add(time.Millisecond), 10)
		wantEqual(t, "claim after the leases of w1 and w2 expired", executionIDs(got), []string{e2.ID, eB.ID, e1.ID})
		for _, c := range got {
			if c.Execution.Owner != "w4" || c.Execution.State != configd.ExecInProgress {
				t.Errorf("reclaimed execution %+v, want IN_PROGRESS owned by w4", c.Execution)
			}
		}
		// An IN_PROGRESS execution inserted without a lease is claimable.
		orphan := execution("r", "b5", 0)
		orphan.State = configd.ExecInProgress
		must(t, "InsertExecution", insert(s, scopeC, orphan))
		wantEqual(t, "claim of an IN_PROGRESS execution without lease", executionIDs(claimExecutions(t, s, "w5", minute(21), 10)), []string{orphan.ID})
		wantEqual(t, "claim of max 0", executionIDs(claimExecutions(t, s, "w5", minute(100), 0)), []string{})
	}},
	{"DeleteRuleExecutions", func(t *testing.T, s configd.Store) {
		must(t, "InsertExecution", insert(s, scopeA, execution("r", "b1", 1)))
		must(t, "InsertExecution", insert(s, scopeA, execution("keep", "b1", 1)))
		must(t, "InsertExecution", insert(s, scopeB, execution("r", "b1", 1)))
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.DeleteRuleExecutions(ctx, scopeA, "r") })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			for _, c := range []struct {
				scope configd.Scope
				rule  string
				want  int
			}{{scopeA, "r", 0}, {scopeA, "keep", 1}, {scopeB, "r", 1}} {
				es, err := tx.LatestExecutions(ctx, c.scope, c.rule, nil, nil, 0)
				must(t, "LatestExecutions", err)
				wantEqual(t, fmt.Sprintf("executions of %s in %s", c.rule, c.scope), len(es), c.want)
			}
			return nil
		})
		must(t, "InsertExecution after DeleteRuleExecutions", insert(s, scopeA, execution("r", "b1", 1)))
	}},
	{"ConcurrentInsert", func(t *testing.T, s configd.Store) {
		const writers = 200
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			ok       []string
			failures = map[string]int{}
		)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := execution("r", "contended", 1)
				err := insert(s, scopeA, e)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok = append(ok, e.ID)
				} else {
					failures[configd.ErrorCode(err)]++
				}
			}()
		}
		wg.Wait()
		if len(ok) != 1 || failures[configd.ErrRemediationInProgress] != writers-1 {
			t.Fatalf("%d inserts succeeded, failures by code %v; want 1 and %d %s", len(ok), failures, writers-1, configd.ErrRemediationInProgress)
		}
		key := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "contended"}
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			e, err := tx.GetExecution(ctx, scopeA, ok[0])
			if err != nil {
				return err
			}
			e.State = configd.ExecSucceeded
			return tx.UpdateExecution(ctx, scopeA, e)
		})
		must(t, "InsertExecution after the winner succeeded", insert(s, scopeA, execution("r", "contended", 2)))
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			h, err := tx.ExecutionHistory(ctx, scopeA, "r", key)
			must(t, "ExecutionHistory", err)
			wantEqual(t, "executions of the contended resource", len(h), 2)
			return nil
		})
	}},
	{"ConcurrentClaims", func(t *testing.T, s configd.Store) {
		const executions, workers = 120, 8
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for i := range executions {
				scope := []configd.Scope{scopeA, scopeB, scopeC}[i%3]
				if err := tx.InsertExecution(ctx, scope, execution("r", fmt.Sprint("b", i), i%5)); err != nil {
					return err
				}
			}
			return nil
		})
		var (
			mu      sync.Mutex
			claimed = map[string]string{}
			wg      sync.WaitGroup
			errs    = make(chan error, workers)
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("w%d", w)
				// Bounded, so that a store that hands out items again fails
				// instead of looping.
				for range executions + 1 {
					var got []configd.ScopedExecution
					err := s.Write(context.Background(), func(tx configd.Tx) error {
						var err error
						got, err = tx.ClaimExecutions(context.Background(), owner, minute(10), minute(20), 4)
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, c := range got {
						id := c.Scope.String() + " " + c.Execution.ID
						if prev, dup := claimed[id]; dup {
							errs <- fmt.Errorf("execution %s claimed by %s and %s", id, prev, owner)
							mu.Unlock()
							return // one error per worker: errs never blocks
						}
						claimed[id] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		wantEqual(t, "executions claimed", len(claimed), executions)
	}},
	{"ResetAndIsolation", func(t *testing.T, s configd.Store) {
		e := execution("r", "b1", 1)
		must(t, "InsertExecution", insert(s, scopeA, e))
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutRemediationException", tx.PutRemediationException(ctx, scopeA, exception("r", "b1", time.Time{})))
			return tx.PutRemediationConfiguration(ctx, scopeA, fullRemediationConfig("r"))
		})
		key := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "b1"}
		for _, other := range []configd.Scope{scopeB, scopeC} {
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				got, err := tx.ActiveExecution(ctx, other, "r", key)
				must(t, "ActiveExecution", err)
				wantEqual(t, "active execution in "+other.String(), got, (*configd.RemediationExecution)(nil))
				ex, err := tx.GetRemediationException(ctx, other, "r", key)
				must(t, "GetRemediationException", err)
				wantEqual(t, "exception in "+other.String(), ex, (*configd.RemediationException)(nil))
				return nil
			})
		}
		must(t, "Reset", s.Reset(context.Background()))
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.GetExecution(ctx, scopeA, e.ID)
			wantCode(t, "GetExecution after Reset", err, configd.ErrResourceNotFound, "")
			ex, err := tx.GetRemediationException(ctx, scopeA, "r", key)
			must(t, "GetRemediationException", err)
			wantEqual(t, "exception after Reset", ex, (*configd.RemediationException)(nil))
			_, err = tx.GetRemediationConfiguration(ctx, scopeA, "r")
			wantCode(t, "GetRemediationConfiguration after Reset", err, configd.ErrNoSuchRemediationConfiguration, "")
			return nil
		})
		wantEqual(t, "claim after Reset", executionIDs(claimExecutions(t, s, "w", minute(100), 10)), []string{})
		must(t, "InsertExecution after Reset", insert(s, scopeA, execution("r", "b1", 1)))
	}},
}
