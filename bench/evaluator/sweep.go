package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd"
	"github.com/configd/configd/awsjson"
	"github.com/configd/configd/evaluator"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

var scope = configd.Scope{AccountID: "123456789012", Region: "us-east-1"}

// stack is a store, a service and an engine on a temporary directory.
type stack struct {
	dir    string
	db     *sqlite.DB
	svc    *service.Service
	tokens *pagetoken.Codec
	eng    *evaluator.Engine
}

func newStack(ctx context.Context) (*stack, error) {
	dir, err := os.MkdirTemp("", "configd-bench-evaluator-")
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "configd.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	key := make([]byte, 32)
	rand.Read(key)
	tokens, _ := pagetoken.New(key)
	svc := service.New(service.Options{Store: db, Logger: quietLogger()})
	eng := evaluator.New(evaluator.Options{Store: db, Results: svc, Tokens: tokens, Logger: quietLogger()})
	svc.SetEvaluationWaker(eng.Wake)
	return &stack{dir: dir, db: db, svc: svc, tokens: tokens, eng: eng}, nil
}

func (s *stack) close() {
	s.eng.Stop()
	s.svc.SetEvaluationWaker(nil)
	s.db.Close()
	os.RemoveAll(s.dir)
}

// seed writes n items straight into the store, thousands per transaction.
func (s *stack) seed(ctx context.Context, n int) error {
	const batch = 5000
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	for lo := 0; lo < n; lo += batch {
		err := s.db.Write(ctx, func(tx configd.Tx) error {
			for i := lo; i < min(lo+batch, n); i++ {
				ci := itemAt(i)
				ci.Version, ci.AccountID, ci.Region = configd.CIVersion, scope.AccountID, scope.Region
				ci.CaptureTime, ci.Status, ci.RecordingFrequency = base, configd.CIStatusResourceDiscovered, configd.FrequencyContinuous
				ci.StateID = strconv.FormatInt(base.UnixMilli(), 10)
				if _, err := tx.AppendItem(ctx, scope, ci); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// benchRules returns the 20 rules of the sweep.
func benchRules() []*configd.ConfigRule {
	var out []*configd.ConfigRule
	for i, mr := range managedRules {
		out = append(out, &configd.ConfigRule{Name: "managed-" + strconv.Itoa(i), InputParameters: mr[1],
			Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: mr[0]}})
	}
	for _, g := range guardRules {
		out = append(out, &configd.ConfigRule{Name: g.name, Scope: configd.RuleScope{ComplianceResourceTypes: g.types},
			Source: configd.RuleSource{Owner: configd.OwnerCustomPolicy, CustomPolicy: &configd.CustomPolicy{PolicyRuntime: "guard-2.x.x", PolicyText: g.policy},
				SourceDetails: []configd.SourceDetail{{EventSource: "aws.config", MessageType: configd.MessageConfigurationItemChange}}}})
	}
	return out
}

func benchSweep(ctx context.Context, n int) error {
	s, err := newStack(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	t := time.Now()
	if err := s.seed(ctx, n); err != nil {
		return err
	}
	seeded := time.Since(t)
	rules := benchRules()
	err = s.db.Write(ctx, func(tx configd.Tx) error {
		for _, r := range rules {
			r.State = configd.RuleStateActive
			if err := tx.PutRule(ctx, scope, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// First the evaluation of rules that have no results yet, then a
	// re-evaluation that replaces every result.
	for _, pass := range []string{"first evaluation", "re-evaluation"} {
		err = s.db.Write(ctx, func(tx configd.Tx) error {
			for _, r := range rules {
				if _, err := tx.EnqueueJob(ctx, evaluator.RuleJob(scope, r.Name, configd.TriggerOnDemand, time.Now())); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		start, cpu0 := time.Now(), cpuTime()
		if _, err := s.eng.RunAll(ctx); err != nil {
			return err
		}
		took, cpu := time.Since(start), cpuTime()-cpu0
		results := 0
		err = s.db.Read(ctx, func(tx configd.Tx) error {
			counts, err := tx.CountCompliance(ctx, scope, configd.EvaluationFilter{}, true)
			for _, c := range counts {
				for _, k := range c.Counts {
					results += k
				}
			}
			return err
		})
		if err != nil {
			return err
		}
		fmt.Printf("sweep:   %9.1f s, %s of %d items against %d rules on demand: %d results stored, %.0f results/s, %.1f s of CPU (target < 30 s)\n",
			took.Seconds(), pass, n, len(rules), results, float64(results)/took.Seconds(), cpu.Seconds())
	}
	fmt.Printf("         (seeding %d items took %.1f s)\n", n, seeded.Seconds())
	return nil
}

// benchChanges records n items (each queues a change job) with the 20
// rules in the scope, then runs the jobs: change evaluations per second,
// as after a discovery pass or an import.
func benchChanges(ctx context.Context, n int) error {
	s, err := newStack(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	err = s.db.Write(ctx, func(tx configd.Tx) error {
		for _, r := range benchRules() {
			r.State = configd.RuleStateActive
			if err := tx.PutRule(ctx, scope, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if _, err := s.svc.Record(ctx, scope, itemAt(i)); err != nil {
			return err
		}
	}
	start, cpu0 := time.Now(), cpuTime()
	jobs, err := s.eng.RunAll(ctx)
	if err != nil {
		return err
	}
	took, cpu := time.Since(start), cpuTime()-cpu0
	fmt.Printf("changes: %9.0f change jobs/s: %d items recorded one by one, each evaluated against the rules of its type, in %.1f s (%.1f s of CPU)\n",
		float64(jobs)/took.Seconds(), jobs, took.Seconds(), cpu.Seconds())
	return nil
}

const widgetType = "ConfigdBench::Fleet::Widget"

func benchLatency(ctx context.Context, puts int) error {
	s, err := newStack(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	s.eng.Start(ctx)
	srv := awsjson.NewServer(&awsjson.Server{Service: s.svc, Auth: awsjson.EmulatorAuth{}, Tokens: s.tokens, Evaluations: s.eng, Logger: quietLogger()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()
	c := cs.New(cs.Options{Region: scope.Region, BaseEndpoint: aws.String("http://" + ln.Addr().String()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(scope.AccountID, "x", "")})
	if _, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{Name: aws.String("default"),
		RoleARN: aws.String("arn:aws:iam::123456789012:role/config"), RecordingGroup: &types.RecordingGroup{AllSupported: true}}}); err != nil {
		return err
	}
	if _, err := c.PutDeliveryChannel(ctx, &cs.PutDeliveryChannelInput{DeliveryChannel: &types.DeliveryChannel{Name: aws.String("default"), S3BucketName: aws.String("b")}}); err != nil {
		return err
	}
	if _, err := c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}); err != nil {
		return err
	}
	// 20 rules in the scope: the 16 managed and 3 Guard rules of the sweep
	// (other types) and one Guard rule on the widgets.
	for _, r := range benchRules()[:19] {
		in := &types.ConfigRule{ConfigRuleName: aws.String(r.Name), Source: &types.Source{Owner: types.Owner(r.Source.Owner), SourceIdentifier: aws.String(r.Source.SourceIdentifier)}}
		if r.InputParameters != "" {
			in.InputParameters = aws.String(r.InputParameters)
		}
		if r.Source.CustomPolicy != nil {
			in.Source = &types.Source{Owner: types.OwnerCustomPolicy, CustomPolicyDetails: &types.CustomPolicyDetails{PolicyRuntime: aws.String("guard-2.x.x"), PolicyText: aws.String(r.Source.CustomPolicy.PolicyText)},
				SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}}
			in.Scope = &types.Scope{ComplianceResourceTypes: r.Scope.ComplianceResourceTypes}
		}
		if _, err := c.PutConfigRule(ctx, &cs.PutConfigRuleInput{ConfigRule: in}); err != nil {
			return fmt.Errorf("put rule %s: %w", r.Name, err)
		}
	}
	if _, err := c.PutConfigRule(ctx, &cs.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String("widget-state"),
		Scope: &types.Scope{ComplianceResourceTypes: []string{widgetType}},
		Source: &types.Source{Owner: types.OwnerCustomPolicy, CustomPolicyDetails: &types.CustomPolicyDetails{PolicyRuntime: aws.String("guard-2.x.x"),
			PolicyText: aws.String(`rule healthy { configuration.state == "good" << the widget is not good >> }`)},
			SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}}}}); err != nil {
		return err
	}
	const widgets = 100
	state := make([]bool, widgets) // true: good
	put := func(i int, good bool) error {
		st := "bad"
		if good {
			st = "good"
		}
		_, err := c.PutResourceConfig(ctx, &cs.PutResourceConfigInput{ResourceType: aws.String(widgetType), SchemaVersionId: aws.String("1"),
			ResourceId: aws.String(fmt.Sprintf("widget-%03d", i)), Configuration: aws.String(`{"state":"` + st + `","seq":` + strconv.Itoa(i) + `}`)})
		return err
	}
	compliance := func(i int) (types.ComplianceType, error) {
		out, err := c.GetComplianceDetailsByResource(ctx, &cs.GetComplianceDetailsByResourceInput{ResourceType: aws.String(widgetType), ResourceId: aws.String(fmt.Sprintf("widget-%03d", i))})
		if err != nil || len(out.EvaluationResults) == 0 {
			return "", err
		}
		return out.EvaluationResults[0].ComplianceType, nil
	}
	for i := 0; i < widgets; i++ {
		if err := put(i, false); err != nil {
			return err
		}
	}
	waitUntil := func(i int, want types.ComplianceType) error {
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := compliance(i)
			if err != nil {
				return err
			}
			if got == want {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("widget %d: compliance %q, want %q after 10 s", i, got, want)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	for i := 0; i < widgets; i++ {
		if err := waitUntil(i, types.ComplianceTypeNonCompliant); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, 0, puts)
	for k := 0; k < puts; k++ {
		i := k % widgets
		state[i] = !state[i]
		want := types.ComplianceTypeNonCompliant
		if state[i] {
			want = types.ComplianceTypeCompliant
		}
		start := time.Now()
		if err := put(i, state[i]); err != nil {
			return err
		}
		if err := waitUntil(i, want); err != nil {
			return err
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms from PutResourceConfig to the new compliance readable (%d puts, 20 rules in scope; target p99 < 50 ms)\n",
		ms(q(0.5)), ms(q(0.99)), ms(lat[len(lat)-1]), len(lat))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cpuTime returns the CPU time (user and system) the process used so far,
// so that a run on a busy machine can be told from a slow one.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
