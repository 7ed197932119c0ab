// Command discovery measures one recorder poll over a large account: it
// creates about n resources of mixed types in a moto server (started on a
// loopback port unless -endpoint names one), runs recorder.Poll once over
// every supported type, and prints the wall time, the upstream API calls per
// resource and the peak heap.
//
//	go run ./bench/discovery -n 5000
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/mototest"
	"github.com/configd/configd/recorder"
)

func main() {
	n := flag.Int("n", 5000, "number of resources to create")
	endpoint := flag.String("endpoint", "", "moto endpoint to use (default: start one)")
	concurrency := flag.Int("concurrency", recorder.DefaultConcurrency, "types discovered at once")
	workers := flag.Int("create-workers", 8, "concurrent create calls")
	flag.Parse()
	if err := run(*n, *endpoint, *concurrency, *workers); err != nil {
		log.Fatal(err)
	}
}

func run(n int, endpoint string, concurrency, workers int) error {
	ctx := context.Background()
	if endpoint == "" {
		srv, err := mototest.Launch()
		if err != nil {
			return err
		}
		defer srv.Stop()
		endpoint = srv.Endpoint
	}
	cfg, err := recorder.AWSConfig(ctx, recorder.AccountSettings{Region: "us-east-1", EndpointURL: endpoint,
		AccessKeyID: "testing", SecretAccessKey: "testing"})
	if err != nil {
		return err
	}
	start := time.Now()
	created, err := create(ctx, cfg, n, workers)
	if err != nil {
		return err
	}
	fmt.Printf("created %d resources in %s\n", created, time.Since(start).Round(time.Millisecond))

	runtime.GC()
	stop := watchHeap()
	sink := &countSink{}
	scope := configd.Scope{AccountID: "123456789012", Region: "us-east-1"}
	start = time.Now()
	reports, err := recorder.Poll(ctx, cfg, scope, recorder.SupportedTypes(), sink, recorder.PollOptions{Concurrency: concurrency})
	wall := time.Since(start)
	peak := stop()
	if err != nil {
		return err
	}
	var resources, calls int64
	for _, r := range reports {
		fmt.Printf("  %-24s %6d resources %7d calls %8s %s\n", r.ResourceType, r.Discovered, r.APICalls, r.Duration.Round(time.Millisecond), r.ErrorCode)
		resources += int64(r.Discovered)
		calls += r.APICalls
	}
	fmt.Printf("poll: %d resources, wall %s, %d API calls (%.2f per resource), peak heap %.1f MiB\n",
		resources, wall.Round(time.Millisecond), calls, float64(calls)/float64(max(resources, 1)), float64(peak)/(1<<20))
	return nil
}

// mix is the share of each kind of resource created, out of 50.
var mix = []struct {
	share  int
	create func(ctx context.Context, c *clients, i int) error
}{
	{10, func(ctx context.Context, c *clients, i int) error {
		_, err := c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("q-%d", i))})
		return err
	}},
	{10, func(ctx context.Context, c *clients, i int) error {
		_, err := c.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(fmt.Sprintf("t-%d", i))})
		return err
	}},
	{8, func(ctx context.Context, c *clients, i int) error {
		_, err := c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u-%d", i))})
		return err
	}},
	{7, func(ctx context.Context, c *clients, i int) error {
		_, err := c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(fmt.Sprintf("sg-%d", i)),
			Description: aws.String("bench")})
		return err
	}},
	{6, func(ctx context.Context, c *clients, i int) error {
		_, err := c.ddb.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(fmt.Sprintf("tbl-%d", i)),
			BillingMode:          ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}}})
		return err
	}},
	{4, func(ctx context.Context, c *clients, i int) error {
		_, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(fmt.Sprintf("bench-bucket-%d", i))})
		return err
	}},
	{3, func(ctx context.Context, c *clients, i int) error {
		_, err := c.kms.CreateKey(ctx, &kms.CreateKeyInput{})
		return err
	}},
	{2, func(ctx context.Context, c *clients, i int) error {
		_, err := c.ec2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
		return err
	}},
}

type clients struct {
	sqs *sqs.Client
	sns *sns.Client
	iam *iam.Client
	ec2 *ec2.Client
	ddb *dynamodb.Client
	s3  *s3.Client
	kms *kms.Client
}

// create makes n resources with the given number of concurrent workers.
func create(ctx context.Context, cfg aws.Config, n, workers int) (int64, error) {
	c := &clients{sqs: sqs.NewFromConfig(cfg), sns: sns.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg),
		ddb: dynamodb.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })}
	type job struct {
		i int
		f func(context.Context, *clients, int) error
	}
	jobs := make(chan job)
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := j.f(ctx, c, j.i); err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				done.Add(1)
			}
		}()
	}
	for i := 0; i < n; i++ {
		slot := i % 50
		for _, m := range mix {
			if slot < m.share {
				jobs <- job{i, m.create}
				break
			}
			slot -= m.share
		}
	}
	close(jobs)
	wg.Wait()
	return done.Load(), firstErr
}

// watchHeap samples the live heap until the returned function is called,
// which returns the largest sample.
func watchHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(quit); <-done; return peak.Load() }
}

// countSink stores nothing but the ids it saw, like a store's index.
type countSink struct {
	mu  sync.Mutex
	ids map[string]map[string]bool
}

func (s *countSink) Record(_ context.Context, _ configd.Scope, ci *configd.ConfigurationItem) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string]map[string]bool{}
	}
	if s.ids[ci.ResourceType] == nil {
		s.ids[ci.ResourceType] = map[string]bool{}
	}
	s.ids[ci.ResourceType][ci.ResourceID] = true
	return true, nil
}

func (s *countSink) KnownIDs(context.Context, configd.Scope, string) ([]string, error) {
	return nil, nil
}

func (s *countSink) RecordDeleted(context.Context, configd.Scope, configd.ResourceKey) error {
	return nil
}

func init() { log.SetOutput(os.Stderr); log.SetFlags(0) }
