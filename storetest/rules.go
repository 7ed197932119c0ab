package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/configd/configd"
)

// noSuchRuleMessage is AWS Config's message for an unknown rule (as moto's
// config/exceptions.py records it).
func noSuchRuleMessage(name string) string {
	return "The ConfigRule '" + name + "' provided in the request is invalid. Please check the configRule name"
}

// fullRule returns a rule with every field set.
func fullRule(name string) *configd.ConfigRule {
	return &configd.ConfigRule{
		Name:        name,
		ARN:         "arn:aws:config:us-east-1:111111111111:config-rule/config-rule-" + name,
		ID:          "config-rule-" + name,
		Description: "rule " + name,
		Scope: configd.RuleScope{
			ComplianceResourceTypes: []string{typeInstance, typeBucket},
			TagKey:                  "env",
			TagValue:                "prod",
			ComplianceResourceID:    "i-1",
		},
		Source: configd.RuleSource{
			Owner:            configd.OwnerCustomPolicy,
			SourceIdentifier: "",
			SourceDetails: []configd.SourceDetail{
				{EventSource: "aws.config", MessageType: configd.MessageConfigurationItemChange},
				{EventSource: "aws.config", MessageType: configd.MessageScheduled, MaximumExecutionFrequency: "One_Hour"},
			},
			CustomPolicy: &configd.CustomPolicy{
				PolicyRuntime:          "guard-2.x.x",
				PolicyText:             "rule check { configuration.state.name == \"running\" }",
				EnableDebugLogDelivery: true,
			},
		},
		InputParameters:           `{"a":"1"}`,
		MaximumExecutionFrequency: "Six_Hours",
		State:                     configd.RuleStateActive,
		CreatedBy:                 "securityhub.amazonaws.com",
		EvaluationModes:           []string{configd.EvaluationModeDetective, configd.EvaluationModeProactive},
	}
}

// fullStatus returns a rule status with every field set.
func fullStatus(next int) *configd.RuleStatus {
	return &configd.RuleStatus{
		FirstActivatedTime:           minute(1),
		LastDeactivatedTime:          minute(2),
		LastSuccessfulInvocationTime: minute(3),
		LastFailedInvocationTime:     minute(4),
		LastSuccessfulEvaluationTime: minute(5),
		LastFailedEvaluationTime:     minute(6),
		LastErrorCode:                "ThrottlingException",
		LastErrorMessage:             "slow down",
		FirstEvaluationStarted:       true,
		NextScheduledRun:             minute(next),
		LastOnDemandRun:              minute(7),
		EvaluationsPending:           3,
	}
}

// putRules stores rules named names in scope.
func putRules(t *testing.T, s configd.Store, scope configd.Scope, names ...string) {
	t.Helper()
	write(t, s, func(ctx context.Context, tx configd.Tx) error {
		for _, n := range names {
			must(t, "PutRule", tx.PutRule(ctx, scope, fullRule(n)))
		}
		return nil
	})
}

// ruleNames lists the names of the scope's rules after after, at most limit.
func ruleNames(t *testing.T, s configd.Store, scope configd.Scope, after string, limit int) []string {
	t.Helper()
	out := []string{}
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		rs, err := tx.ListRules(ctx, scope, after, limit)
		must(t, "ListRules", err)
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return nil
	})
	return out
}

// dueRules returns DueRules(now, limit) as "scope/name" strings.
func dueRules(t *testing.T, s configd.Store, now int, limit int) []string {
	t.Helper()
	out := []string{}
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		ns, err := tx.DueRules(ctx, minute(now), limit)
		must(t, "DueRules", err)
		for _, n := range ns {
			out = append(out, n.Scope.String()+"/"+n.Name)
		}
		return nil
	})
	return out
}

var ruleTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		r := fullRule("r1")
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutRule", tx.PutRule(ctx, scopeA, r))
			got, err := tx.GetRule(ctx, scopeA, "r1")
			must(t, "GetRule in the same transaction", err)
			wantEqual(t, "rule in the same transaction", got, r)
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRule(ctx, scopeA, "r1")
			must(t, "GetRule", err)
			wantEqual(t, "rule", got, r)
			n, err := tx.CountRules(ctx, scopeA)
			must(t, "CountRules", err)
			wantEqual(t, "CountRules", n, 1)
			return nil
		})
		// Replace, with nil and empty slices that must come back as they were.
		changed := fullRule("r1")
		changed.Description = ""
		changed.State = configd.RuleStateEvaluating
		changed.Scope = configd.RuleScope{ComplianceResourceTypes: []string{}}
		changed.Source = configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "S3_BUCKET_VERSIONING_ENABLED"}
		changed.EvaluationModes = nil
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.PutRule(ctx, scopeA, changed) })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRule(ctx, scopeA, "r1")
			must(t, "GetRule", err)
			wantEqual(t, "replaced rule", got, changed)
			rs, err := tx.ListRules(ctx, scopeA, "", 0)
			must(t, "ListRules", err)
			wantEqual(t, "rules", rs, []*configd.ConfigRule{changed})
			return nil
		})
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.DeleteRule(ctx, scopeA, "r1") })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.GetRule(ctx, scopeA, "r1")
			wantCode(t, "GetRule after DeleteRule", err, configd.ErrNoSuchConfigRule, noSuchRuleMessage("r1"))
			n, err := tx.CountRules(ctx, scopeA)
			must(t, "CountRules", err)
			wantEqual(t, "CountRules after DeleteRule", n, 0)
			return nil
		})
	}},
	{"CountRulesInOneTx", func(t *testing.T, s configd.Store) {
		// In one write transaction the count follows the transaction's own
		// writes, whatever a store remembers between them (the service
		// counts rules on every recorded item).
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			count := func(step string, want int) {
				n, err := tx.CountRules(ctx, scopeA)
				must(t, "CountRules "+step, err)
				wantEqual(t, "CountRules "+step, n, want)
			}
			count("at first", 0)
			must(t, "PutRule", tx.PutRule(ctx, scopeA, fullRule("r1")))
			count("after PutRule", 1)
			_, err := tx.AppendItem(ctx, scopeA, item(typeInstance, "i-1", "", minute(0)))
			must(t, "AppendItem", err)
			_, err = tx.EnqueueJob(ctx, &configd.Job{Kind: configd.JobEvaluate, Scope: scopeA, Key: "k", Payload: "{}", RunAt: minute(0)})
			must(t, "EnqueueJob", err)
			count("after AppendItem and EnqueueJob", 1)
			must(t, "PutRule", tx.PutRule(ctx, scopeA, fullRule("r2")))
			count("after a second PutRule", 2)
			must(t, "DeleteRule", tx.DeleteRule(ctx, scopeA, "r1"))
			count("after DeleteRule", 1)
			return nil
		})
	}},
	{"ErrNoSuchConfigRule", func(t *testing.T, s configd.Store) {
		putRules(t, s, scopeA, "other")
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.GetRule(ctx, scopeA, "absent")
			wantCode(t, "GetRule", err, configd.ErrNoSuchConfigRule, noSuchRuleMessage("absent"))
			wantCode(t, "DeleteRule", tx.DeleteRule(ctx, scopeA, "absent"), configd.ErrNoSuchConfigRule, noSuchRuleMessage("absent"))
			_, err = tx.GetRuleStatus(ctx, scopeA, "absent")
			wantCode(t, "GetRuleStatus", err, configd.ErrNoSuchConfigRule, noSuchRuleMessage("absent"))
			// A status cannot outlive (or precede) its rule.
			wantCode(t, "PutRuleStatus", tx.PutRuleStatus(ctx, scopeA, "absent", fullStatus(1)),
				configd.ErrNoSuchConfigRule, noSuchRuleMessage("absent"))
			return nil
		})
		wantEqual(t, "due rules", dueRules(t, s, 100, 0), []string{})
	}},
	{"OrderAndPaging", func(t *testing.T, s configd.Store) {
		putRules(t, s, scopeA, "c", "a", "e", "b", "d", "B")
		all := []string{"B", "a", "b", "c", "d", "e"} // byte order
		for _, c := range []struct {
			after string
			limit int
			want  []string
		}{
			{"", 0, all},
			{"", -1, all},
			{"", 2, all[:2]},
			{"a", 2, []string{"b", "c"}},
			{"bb", 0, []string{"c", "d", "e"}},
			{"e", 0, []string{}},
			{"", 100, all},
		} {
			wantEqual(t, fmt.Sprintf("ListRules after %q limit %d", c.after, c.limit), ruleNames(t, s, scopeA, c.after, c.limit), c.want)
		}
		// Paging one by one visits every rule once.
		var paged []string
		for after := ""; ; {
			page := ruleNames(t, s, scopeA, after, 1)
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			after = page[len(page)-1]
		}
		wantEqual(t, "paged one by one", paged, all)
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			n, err := tx.CountRules(ctx, scopeA)
			must(t, "CountRules", err)
			wantEqual(t, "CountRules", n, len(all))
			return nil
		})
	}},
	{"Status", func(t *testing.T, s configd.Store) {
		putRules(t, s, scopeA, "r")
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			st, err := tx.GetRuleStatus(ctx, scopeA, "r")
			must(t, "GetRuleStatus", err)
			wantEqual(t, "status never set", st, &configd.RuleStatus{})
			return nil
		})
		st := fullStatus(10)
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.PutRuleStatus(ctx, scopeA, "r", st) })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRuleStatus(ctx, scopeA, "r")
			must(t, "GetRuleStatus", err)
			wantEqual(t, "status", got, st)
			return nil
		})
		zero := &configd.RuleStatus{LastErrorCode: "x"}
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.PutRuleStatus(ctx, scopeA, "r", zero) })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRuleStatus(ctx, scopeA, "r")
			must(t, "GetRuleStatus", err)
			wantEqual(t, "replaced status", got, zero)
			return nil
		})
		// Replacing the rule keeps its status.
		putRules(t, s, scopeA, "r")
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetRuleStatus(ctx, scopeA, "r")
			must(t, "GetRuleStatus", err)
			wantEqual(t, "status after PutRule", got, zero)
			return nil
		})
	}},
	{"DeleteCascades", func(t *testing.T, s configd.Store) {
		putRules(t, s, scopeA, "r", "keep")
		putRules(t, s, scopeB, "r")
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for _, sc := range []configd.Scope{scopeA, scopeB} {
				must(t, "PutRuleStatus", tx.PutRuleStatus(ctx, sc, "r", fullStatus(1)))
				must(t, "PutEvaluationResult", tx.PutEvaluationResult(ctx, sc, result("r", typeInstance, "i-1", configd.NonCompliant)))
			}
			must(t, "PutRuleStatus", tx.PutRuleStatus(ctx, scopeA, "keep", fullStatus(1)))
			must(t, "PutEvaluationResult", tx.PutEvaluationResult(ctx, scopeA, result("keep", typeInstance, "i-1", configd.Compliant)))
			return nil
		})
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.DeleteRule(ctx, scopeA, "r") })
		// A new rule of the same name starts afresh.
		putRules(t, s, scopeA, "r")
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			st, err := tx.GetRuleStatus(ctx, scopeA, "r")
			must(t, "GetRuleStatus", err)
			wantEqual(t, "status of the re-created rule", st, &configd.RuleStatus{})
			e, err := tx.GetEvaluationResult(ctx, scopeA, "r", keyI1)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "result of the re-created rule", e, (*configd.EvaluationResult)(nil))
			rs, err := tx.ListEvaluationResults(ctx, scopeA, configd.EvaluationFilter{}, nil, 0)
			must(t, "ListEvaluationResults", err)
			wantEqual(t, "results left in A", resultKeys(rs), []string{"keep " + typeInstance + " i-1"})
			cs, err := tx.CountCompliance(ctx, scopeA, configd.EvaluationFilter{}, true)
			must(t, "CountCompliance", err)
			wantEqual(t, "counts left in A", cs, []configd.ComplianceCount{{Group: "keep", Counts: map[string]int{configd.Compliant: 1}}})
			// Scope B is untouched.
			st, err = tx.GetRuleStatus(ctx, scopeB, "r")
			must(t, "GetRuleStatus", err)
			wantEqual(t, "status in B", st, fullStatus(1))
			e, err = tx.GetEvaluationResult(ctx, scopeB, "r", keyI1)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "result in B", e, result("r", typeInstance, "i-1", configd.NonCompliant))
			return nil
		})
		wantEqual(t, "due rules", sorted(dueRules(t, s, 1, 0)), sorted([]string{scopeA.String() + "/keep", scopeB.String() + "/r"}))
	}},
	{"DueRules", func(t *testing.T, s configd.Store) {
		putRules(t, s, scopeA, "a1", "a2", "a3", "never")
		putRules(t, s, scopeB, "b1")
		putRules(t, s, scopeC, "c1")
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for _, c := range []struct {
				scope configd.Scope
				name  string
				next  int
			}{{scopeA, "a1", 30}, {scopeA, "a2", 10}, {scopeA, "a3", 50}, {scopeB, "b1", 20}, {scopeC, "c1", 15}} {
				must(t, "PutRuleStatus", tx.PutRuleStatus(ctx, c.scope, c.name, fullStatus(c.next)))
			}
			st := fullStatus(0)
			st.NextScheduledRun = configd.RuleStatus{}.NextScheduledRun // not periodic
			must(t, "PutRuleStatus", tx.PutRuleStatus(ctx, scopeA, "never", st))
			return nil
		})
		a, b, c := scopeA.String()+"/", scopeB.String()+"/", scopeC.String()+"/"
		wantEqual(t, "due at 9", dueRules(t, s, 9, 0), []string{})
		// Earliest first, across scopes; due means not after now.
		wantEqual(t, "due at 30", dueRules(t, s, 30, 0), []string{a + "a2", c + "c1", b + "b1", a + "a1"})
		wantEqual(t, "due at 100", dueRules(t, s, 100, 0), []string{a + "a2", c + "c1", b + "b1", a + "a1", a + "a3"})
		wantEqual(t, "due at 100, limit 2", dueRules(t, s, 100, 2), []string{a + "a2", c + "c1"})
		// Moving the schedule on takes a rule out.
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.PutRuleStatus(ctx, scopeB, "b1", fullStatus(90))
		})
		wantEqual(t, "due at 30 after rescheduling b1", dueRules(t, s, 30, 0), []string{a + "a2", c + "c1", a + "a1"})
	}},
	{"Isolation", func(t *testing.T, s configd.Store) {
		putRules(t, s, scopeA, "r")
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutRuleStatus", tx.PutRuleStatus(ctx, scopeA, "r", fullStatus(1)))
			return tx.PutEvaluationResult(ctx, scopeA, result("r", typeInstance, "i-1", configd.Compliant))
		})
		for _, other := range []configd.Scope{scopeB, scopeC} {
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				_, err := tx.GetRule(ctx, other, "r")
				wantCode(t, "GetRule", err, configd.ErrNoSuchConfigRule, "")
				_, err = tx.GetRuleStatus(ctx, other, "r")
				wantCode(t, "GetRuleStatus", err, configd.ErrNoSuchConfigRule, "")
				wantCode(t, "PutRuleStatus", tx.PutRuleStatus(ctx, other, "r", fullStatus(2)), configd.ErrNoSuchConfigRule, "")
				wantCode(t, "DeleteRule", tx.DeleteRule(ctx, other, "r"), configd.ErrNoSuchConfigRule, "")
				must(t, "DeleteEvaluationResults", tx.DeleteEvaluationResults(ctx, other, "r"))
				rs, err := tx.ListRules(ctx, other, "", 0)
				must(t, "ListRules", err)
				wantEqual(t, "ListRules", len(rs), 0)
				n, err := tx.CountRules(ctx, other)
				must(t, "CountRules", err)
				wantEqual(t, "CountRules", n, 0)
				e, err := tx.GetEvaluationResult(ctx, other, "r", keyI1)
				must(t, "GetEvaluationResult", err)
				wantEqual(t, "GetEvaluationResult", e, (*configd.EvaluationResult)(nil))
				es, err := tx.ListEvaluationResults(ctx, other, configd.EvaluationFilter{}, nil, 0)
				must(t, "ListEvaluationResults", err)
				wantEqual(t, "ListEvaluationResults", len(es), 0)
				es, err = tx.ListEvaluationResults(ctx, other, configd.EvaluationFilter{ResourceType: typeInstance, ResourceID: "i-1"}, nil, 0)
				must(t, "ListEvaluationResults", err)
				wantEqual(t, "ListEvaluationResults of a resource", len(es), 0)
				cs, err := tx.CountCompliance(ctx, other, configd.EvaluationFilter{}, true)
				must(t, "CountCompliance", err)
				wantEqual(t, "CountCompliance", len(cs), 0)
				return nil
			})
		}
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			st, err := tx.GetRuleStatus(ctx, scopeA, "r")
			must(t, "GetRuleStatus", err)
			wantEqual(t, "status in A", st, fullStatus(1))
			e, err := tx.GetEvaluationResult(ctx, scopeA, "r", keyI1)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "result in A", e, result("r", typeInstance, "i-1", configd.Compliant))
			scopes, err := tx.Scopes(ctx)
			must(t, "Scopes", err)
			wantEqual(t, "Scopes with a rule", sortedScopes(scopes), []string{scopeA.String()})
			return nil
		})
	}},
	{"ErrWriteInRead", func(t *testing.T, s configd.Store) {
		putRules(t, s, scopeA, "r")
		for name, fn := range map[string]func(context.Context, configd.Tx) error{
			"PutRule":    func(ctx context.Context, tx configd.Tx) error { return tx.PutRule(ctx, scopeA, fullRule("x")) },
			"DeleteRule": func(ctx context.Context, tx configd.Tx) error { return tx.DeleteRule(ctx, scopeA, "r") },
			"PutRuleStatus": func(ctx context.Context, tx configd.Tx) error {
				return tx.PutRuleStatus(ctx, scopeA, "r", fullStatus(1))
			},
			"PutEvaluationResult": func(ctx context.Context, tx configd.Tx) error {
				return tx.PutEvaluationResult(ctx, scopeA, result("r", typeInstance, "i-1", configd.Compliant))
			},
		} {
			if err := view(s, func(ctx context.Context, tx configd.Tx) error { return fn(ctx, tx) }); err == nil {
				t.Errorf("%s in a Read transaction: no error", name)
			}
		}
		wantEqual(t, "rules after failed writes", ruleNames(t, s, scopeA, "", 0), []string{"r"})
	}},
}
