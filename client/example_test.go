package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd/client"
)

// exampleAPI stands in for *configservice.Client: a remediation is in
// progress on bucket "logs" for the first call, and rule deletion and
// status follow a short script.
type exampleAPI struct {
	starts, deletes, polls int
}

func (a *exampleAPI) StartRemediationExecution(_ context.Context, in *configservice.StartRemediationExecutionInput, _ ...func(*configservice.Options)) (*configservice.StartRemediationExecutionOutput, error) {
	a.starts++
	out := &configservice.StartRemediationExecutionOutput{}
	for _, k := range in.ResourceKeys {
		if aws.ToString(k.ResourceId) == "logs" && a.starts == 1 {
			out.FailedItems = append(out.FailedItems, k)
			out.FailureMessage = aws.String("Remediation is in progress for the resource.")
		}
	}
	return out, nil
}

func (a *exampleAPI) DeleteRemediationConfiguration(context.Context, *configservice.DeleteRemediationConfigurationInput, ...func(*configservice.Options)) (*configservice.DeleteRemediationConfigurationOutput, error) {
	a.deletes++
	if a.deletes <= 2 {
		return nil, &types.RemediationInProgressException{Message: aws.String("Remediation action is in progress.")}
	}
	return &configservice.DeleteRemediationConfigurationOutput{}, nil
}

func (a *exampleAPI) DeleteConfigRule(context.Context, *configservice.DeleteConfigRuleInput, ...func(*configservice.Options)) (*configservice.DeleteConfigRuleOutput, error) {
	return nil, &types.NoSuchConfigRuleException{}
}

func (a *exampleAPI) DescribeRemediationExecutionStatus(_ context.Context, in *configservice.DescribeRemediationExecutionStatusInput, _ ...func(*configservice.Options)) (*configservice.DescribeRemediationExecutionStatusOutput, error) {
	a.polls++
	out := &configservice.DescribeRemediationExecutionStatusOutput{}
	for _, k := range in.ResourceKeys {
		st := types.RemediationExecutionStatus{ResourceKey: &k, State: types.RemediationExecutionStateInProgress}
		if a.polls > 1 {
			st.State = types.RemediationExecutionStateSucceeded
			if aws.ToString(k.ResourceId) == "logs" {
				st.State = types.RemediationExecutionStateFailed
				st.StepDetails = []types.RemediationExecutionStep{{
					Name: aws.String("PutBucketEncryption"), State: types.RemediationExecutionStepStateFailed,
					ErrorMessage: aws.String("AccessDenied"),
				}}
			}
		}
		out.RemediationExecutionStatuses = append(out.RemediationExecutionStatuses, st)
	}
	return out, nil
}

// noWait replaces the real sleep so the examples run at once; it prints the
// delay instead.
func noWait(_ context.Context, d time.Duration) error {
	fmt.Println("  wait", d)
	return nil
}

func bucket(name string) types.ResourceKey {
	return types.ResourceKey{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String(name)}
}

func ExampleClient_StartRemediation() {
	// With AWS or configd: c := client.New(configservice.NewFromConfig(cfg))
	c := client.New(&exampleAPI{},
		client.WithSleep(noWait),
		client.WithBackoff(client.Backoff{Jitter: client.NoJitter}))

	res, err := c.StartRemediation(context.Background(), "s3-encrypted",
		[]types.ResourceKey{bucket("assets"), bucket("logs")})
	if err != nil {
		fmt.Println("error:", err)
	}
	for _, s := range res.Started {
		fmt.Printf("started %s after %d attempt(s)\n", client.KeyString(s.Key), s.Attempts)
	}
	// Output:
	//   wait 200ms
	// started AWS::S3::Bucket/assets after 1 attempt(s)
	// started AWS::S3::Bucket/logs after 2 attempt(s)
}

func ExampleClient_DeleteRemediationConfiguration() {
	c := client.New(&exampleAPI{},
		client.WithSleep(noWait),
		client.WithBackoff(client.Backoff{Jitter: client.NoJitter}),
		client.WithOnAttempt(func(a client.Attempt) {
			fmt.Printf("%s #%d: %q\n", a.Op, a.Number, a.Code)
		}))

	if err := c.DeleteRemediationConfiguration(context.Background(), "s3-encrypted", ""); err != nil {
		fmt.Println("error:", err)
	}
	// A rule that is already gone counts as deleted.
	if err := c.DeleteConfigRule(context.Background(), "s3-encrypted"); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// DeleteRemediationConfiguration #1: "RemediationInProgressException"
	//   wait 200ms
	// DeleteRemediationConfiguration #2: "RemediationInProgressException"
	//   wait 400ms
	// DeleteRemediationConfiguration #3: ""
	// DeleteConfigRule #1: "NoSuchConfigRuleException"
}

func ExampleClient_WaitForExecutions() {
	c := client.New(&exampleAPI{},
		client.WithSleep(noWait),
		client.WithPollBackoff(client.Backoff{Jitter: client.NoJitter}))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	execs, err := c.WaitForExecutions(ctx, "s3-encrypted", []types.ResourceKey{bucket("assets"), bucket("logs")})
	if err != nil {
		fmt.Println("error:", err)
	}
	for _, e := range execs {
		fmt.Println(client.KeyString(e.Key), e.State, e.StepErrors)
	}
	// Output:
	//   wait 2s
	// AWS::S3::Bucket/assets SUCCEEDED []
	// AWS::S3::Bucket/logs FAILED [PutBucketEncryption: AccessDenied]
}

func ExampleBackoff_Ceiling() {
	b := client.Backoff{Base: client.DefaultBase, Cap: client.DefaultCap}
	for n := 1; n < client.DefaultMaxAttempts; n++ {
		fmt.Print(b.Ceiling(n), " ")
	}
	fmt.Println()
	// Output:
	// 200ms 400ms 800ms 1.6s 3.2s 6.4s 12.8s 20s 20s
}

func ExampleWithRemediationRetries() {
	// cs := configservice.NewFromConfig(cfg, client.WithRemediationRetries)
	var o configservice.Options
	client.WithRemediationRetries(&o)
	fmt.Println(o.Retryer.MaxAttempts())
	fmt.Println(o.Retryer.IsErrorRetryable(&types.RemediationInProgressException{}))
	fmt.Println(o.Retryer.IsErrorRetryable(&types.InvalidParameterValueException{}))
	// Output:
	// 10
	// true
	// false
}
