package service

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/configd/configd"
)

func TestQueueChangeEvaluation(t *testing.T) {
	ctx := context.Background()
	bucket := func(v string) *configd.ConfigurationItem {
		return &configd.ConfigurationItem{ResourceType: "AWS::S3::Bucket", ResourceID: "b1", Configuration: `{"v":"` + v + `"}`}
	}
	t.Run("OKNoRules", func(t *testing.T) {
		s, _ := newService(t)
		if _, err := s.Record(ctx, scopeA, bucket("1")); err != nil {
			t.Fatal(err)
		}
		if n := countJobs(t, s); n != 0 {
			t.Fatalf("%d jobs queued in a scope without rules", n)
		}
	})
	t.Run("OK", func(t *testing.T) {
		s, clk := newService(t)
		woken := 0
		s.SetEvaluationWaker(func() { woken++ })
		t.Cleanup(func() { s.SetEvaluationWaker(nil) })
		err := s.write(ctx, func(tx configd.Tx) error { return tx.PutRule(ctx, scopeA, &configd.ConfigRule{Name: "r"}) })
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"1", "2"} {
			if _, err := s.Record(ctx, scopeA, bucket(v)); err != nil {
				t.Fatal(err)
			}
		}
		// Unchanged: no new item, no job.
		if _, err := s.Record(ctx, scopeA, bucket("2")); err != nil {
			t.Fatal(err)
		}
		// Two changes of one resource coalesce into one pending job.
		if n := countJobs(t, s); n != 1 || woken != 1 {
			t.Fatalf("%d jobs, woken %d times; want 1 and 1", n, woken)
		}
		var jobs []configd.EvaluateJob
		err = s.write(ctx, func(tx configd.Tx) error {
			claimed, err := tx.ClaimJobs(ctx, configd.JobEvaluate, "test", clk.t, clk.t.Add(time.Minute), 10)
			for _, j := range claimed {
				var p configd.EvaluateJob
				if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
					return err
				}
				if j.Key != "res/AWS::S3::Bucket/b1" {
					return fmt.Errorf("job key %q", j.Key)
				}
				jobs = append(jobs, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := configd.EvaluateJob{Resource: &configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "b1"}, Trigger: configd.MessageConfigurationItemChange}
		if len(jobs) != 1 || *jobs[0].Resource != *want.Resource || jobs[0].Trigger != want.Trigger || jobs[0].Seq == 0 || jobs[0].RuleName != "" {
			t.Fatalf("jobs = %+v", jobs)
		}
	})
}

func countJobs(t *testing.T, s *Service) int {
	t.Helper()
	var n int
	err := s.read(context.Background(), func(tx configd.Tx) error {
		var err error
		n, err = tx.CountJobs(context.Background(), configd.JobEvaluate, configd.Scope{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestResourceEvaluations(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t)
	save := func(scope configd.Scope, re *ResourceEvaluation) {
		t.Helper()
		if err := s.write(ctx, func(tx configd.Tx) error { return SaveResourceEvaluation(ctx, tx, scope, re) }); err != nil {
			t.Fatal(err)
		}
	}
	base := clk.t
	for i := 0; i < 5; i++ {
		ctxID := "ctx-a"
		if i%2 == 1 {
			ctxID = "ctx-b"
		}
		save(scopeA, &ResourceEvaluation{ID: fmt.Sprintf("e%d", i), Mode: configd.EvaluationModeProactive, StartTime: base.Add(time.Duration(i) * time.Minute),
			ContextID: ctxID, ClientToken: fmt.Sprintf("tok%d", i), Status: ResourceEvaluationSucceeded,
			Results: []configd.EvaluationResult{{RuleName: "r", ComplianceType: configd.Compliant}}})
	}
	ids := func(list []*ResourceEvaluation) string {
		b, _ := json.Marshal(func() []string {
			out := []string{}
			for _, re := range list {
				out = append(out, re.ID)
			}
			return out
		}())
		return string(b)
	}
	t.Run("OKNewestFirstAndPaging", func(t *testing.T) {
		first, err := s.ListResourceEvaluations(ctx, scopeA, ResourceEvaluationFilter{}, nil, 2)
		if err != nil || ids(first) != `["e4","e3"]` {
			t.Fatalf("page 1 = %s, %v", ids(first), err)
		}
		last := first[len(first)-1]
		rest, err := s.ListResourceEvaluations(ctx, scopeA, ResourceEvaluationFilter{}, &ResourceEvaluationCursor{Start: last.StartTime.UnixMilli(), ID: last.ID}, 0)
		if err != nil || ids(rest) != `["e2","e1","e0"]` {
			t.Fatalf("page 2 = %s, %v", ids(rest), err)
		}
	})
	t.Run("OKFilters", func(t *testing.T) {
		got, _ := s.ListResourceEvaluations(ctx, scopeA, ResourceEvaluationFilter{ContextID: "ctx-b"}, nil, 0)
		if ids(got) != `["e3","e1"]` {
			t.Fatalf("context filter = %s", ids(got))
		}
		got, _ = s.ListResourceEvaluations(ctx, scopeA, ResourceEvaluationFilter{Start: base.Add(time.Minute), End: base.Add(3 * time.Minute)}, nil, 0)
		if ids(got) != `["e3","e2","e1"]` {
			t.Fatalf("time window = %s", ids(got))
		}
		got, _ = s.ListResourceEvaluations(ctx, scopeB, ResourceEvaluationFilter{}, nil, 0)
		if len(got) != 0 {
			t.Fatalf("another scope sees %s", ids(got))
		}
	})
	t.Run("OKByIDAndToken", func(t *testing.T) {
		re, err := s.ResourceEvaluation(ctx, scopeA, "e2")
		if err != nil || re.ContextID != "ctx-a" || len(re.Results) != 1 {
			t.Fatalf("e2 = %+v, %v", re, err)
		}
		err = s.read(ctx, func(tx configd.Tx) error {
			re, err := ResourceEvaluationByToken(ctx, tx, scopeA, "tok3")
			if err == nil && (re == nil || re.ID != "e3") {
				return fmt.Errorf("by token: %+v", re)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.ResourceEvaluation(ctx, scopeB, "e2")
		if !configd.IsCode(err, configd.ErrResourceNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrTimeRange", func(t *testing.T) {
		_, err := s.ListResourceEvaluations(ctx, scopeA, ResourceEvaluationFilter{Start: base.Add(time.Hour), End: base}, nil, 0)
		if !configd.IsCode(err, configd.ErrInvalidTimeRange) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("OKOldestDropped", func(t *testing.T) {
		for i := 0; i < MaxResourceEvaluations; i++ {
			save(scopeB, &ResourceEvaluation{ID: fmt.Sprintf("x%04d", i), Mode: configd.EvaluationModeProactive, StartTime: base.Add(time.Duration(i) * time.Second), ClientToken: fmt.Sprintf("t%d", i)})
		}
		save(scopeB, &ResourceEvaluation{ID: "newest", Mode: configd.EvaluationModeProactive, StartTime: base.Add(time.Hour)})
		if _, err := s.ResourceEvaluation(ctx, scopeB, "x0000"); !configd.IsCode(err, configd.ErrResourceNotFound) {
			t.Fatalf("the oldest evaluation is still there (%v)", err)
		}
		all, _ := s.ListResourceEvaluations(ctx, scopeB, ResourceEvaluationFilter{}, nil, 0)
		if len(all) != MaxResourceEvaluations || all[0].ID != "newest" {
			t.Fatalf("%d kept, newest %s", len(all), all[0].ID)
		}
	})
}
