package recorder

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/configd/configd"
)

// s3Proxy stands in front of moto. moto 5.2.1 does not implement the
// bucket's requestPayment sub-resource (GET answers a ListBucketResult, PUT
// is ignored), so the proxy keeps each bucket's payer as S3 does and answers
// GetBucketRequestPayment itself; everything else goes to moto. It also
// counts the requests per bucket and sub-resource.
type s3Proxy struct {
	mu    sync.Mutex
	payer map[string]string // bucket -> Payer
	calls map[string]int    // "bucket?subresource" -> requests
}

func newS3Proxy(t *testing.T, endpoint string) (*httptest.Server, *s3Proxy) {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &s3Proxy{payer: map[string]string{}, calls: map[string]int{}}
	moto := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket := strings.Trim(r.URL.Path, "/")
		q := r.URL.Query()
		p.mu.Lock()
		for k := range q {
			p.calls[bucket+"?"+k]++
		}
		p.mu.Unlock()
		if !q.Has("requestPayment") || strings.Contains(bucket, "/") {
			moto.ServeHTTP(w, r)
			return
		}
		p.requestPayment(w, r, bucket)
	}))
	t.Cleanup(srv.Close)
	return srv, p
}

func (p *s3Proxy) count(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[key]
}

// requestPayment implements GET and PUT of a bucket's requestPayment
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketRequestPayment.html).
func (p *s3Proxy) requestPayment(w http.ResponseWriter, r *http.Request, bucket string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		var conf struct {
			Payer string `xml:"Payer"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := xml.Unmarshal(body, &conf); err != nil || (conf.Payer != "Requester" && conf.Payer != "BucketOwner") {
			http.Error(w, "MalformedXML", http.StatusBadRequest)
			return
		}
		p.payer[bucket] = conf.Payer
		w.WriteHeader(http.StatusOK)
	default:
		payer := p.payer[bucket]
		if payer == "" {
			payer = "BucketOwner"
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+
			`<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Payer>`+payer+`</Payer></RequestPaymentConfiguration>`)
	}
}

// TestS3SupplementaryMoto configures event notifications, replication,
// a website, transfer acceleration and requester pays on moto buckets,
// polls, checks the supplementary configuration recorded for each, and
// checks that an unchanged bucket keeps its version while changing one
// setting makes a new one.
func TestS3SupplementaryMoto(t *testing.T) {
	endpoint, _ := motoConfig(t)
	srv, proxy := newS3Proxy(t, endpoint)
	cfg := staticConfig(t, srv.URL)
	ctx := context.Background()
	s3c := s3Client(cfg)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []string{"sup-src", "sup-dst", "sup-plain"} {
		must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))
	}
	must(sqs.NewFromConfig(cfg).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("sup-events")}))
	queueARN := "arn:aws:sqs:us-east-1:" + motoAccount + ":sup-events"
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("sup-topic")})
	if err != nil {
		t.Fatal(err)
	}
	topicARN := *topic.TopicArn

	must(s3c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("sup-src"),
		NotificationConfiguration: &s3types.NotificationConfiguration{
			QueueConfigurations: []s3types.QueueConfiguration{{Id: aws.String("to-queue"), QueueArn: aws.String(queueARN),
				Events: []s3types.Event{"s3:ObjectRemoved:Delete", "s3:ObjectCreated:*"},
				Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{
					{Name: s3types.FilterRuleNameSuffix, Value: aws.String(".jpg")}, {Name: s3types.FilterRuleNamePrefix, Value: aws.String("images/")}}}}}},
			TopicConfigurations: []s3types.TopicConfiguration{{Id: aws.String("to-topic"), TopicArn: aws.String(topicARN),
				Events: []s3types.Event{"s3:ObjectRestore:Completed"}}},
		}}))
	for _, b := range []string{"sup-src", "sup-dst"} {
		must(s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	}
	must(s3c.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("sup-src"),
		ReplicationConfiguration: &s3types.ReplicationConfiguration{Role: aws.String("arn:aws:iam::" + motoAccount + ":role/replication"),
			Rules: []s3types.ReplicationRule{{ID: aws.String("to-dst"), Status: s3types.ReplicationRuleStatusEnabled, Priority: aws.Int32(1),
				Filter:                  &s3types.ReplicationRuleFilter{Prefix: aws.String("")},
				DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusDisabled},
				Destination: &s3types.Destination{Bucket: aws.String("arn:aws:s3:::sup-dst"), StorageClass: s3types.StorageClassStandardIa,
					Account: aws.String(motoAccount)}}}}}))
	must(s3c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("sup-src"), WebsiteConfiguration: &s3types.WebsiteConfiguration{
		IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")},
		ErrorDocument: &s3types.ErrorDocument{Key: aws.String("error.html")},
		RoutingRules: []s3types.RoutingRule{{
			Condition: &s3types.Condition{KeyPrefixEquals: aws.String("docs/"), HttpErrorCodeReturnedEquals: aws.String("404")},
			Redirect:  &s3types.Redirect{ReplaceKeyWith: aws.String("error.html"), HttpRedirectCode: aws.String("301"), Protocol: s3types.ProtocolHttps}}},
	}}))
	must(s3c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("sup-dst"), WebsiteConfiguration: &s3types.WebsiteConfiguration{
		RedirectAllRequestsTo: &s3types.RedirectAllRequestsTo{HostName: aws.String("example.com"), Protocol: s3types.ProtocolHttps},
	}}))
	must(s3c.PutBucketAccelerateConfiguration(ctx, &s3.PutBucketAccelerateConfigurationInput{Bucket: aws.String("sup-src"),
		AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: s3types.BucketAccelerateStatusEnabled}}))
	must(s3c.PutBucketRequestPayment(ctx, &s3.PutBucketRequestPaymentInput{Bucket: aws.String("sup-src"),
		RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: s3types.PayerRequester}}))

	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)}
	poll := func() TypeReport {
		t.Helper()
		reps, err := Poll(ctx, cfg, motoScope, []string{"AWS::S3::Bucket"}, sink, PollOptions{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if !reps[0].OK() {
			t.Fatalf("poll: %s: %s", reps[0].ErrorCode, reps[0].ErrorMessage)
		}
		return reps[0]
	}

	t.Run("Recorded", func(t *testing.T) {
		if r := poll(); r.Discovered != 3 || r.Changed != 3 {
			t.Fatalf("report %+v, want 3 buckets recorded", r)
		}
		want := map[string]map[string]string{
			"sup-src": {
				"BucketNotificationConfiguration": `{"configurations":{` +
					`"to-queue":{"events":["s3:ObjectCreated:*","s3:ObjectRemoved:Delete"],"filter":{"s3KeyFilter":{"filterRules":[{"name":"prefix","value":"images/"},{"name":"suffix","value":".jpg"}]}},"objectPrefixes":[],"queueARN":"` + queueARN + `","type":"QueueConfiguration"},` +
					`"to-topic":{"events":["s3:ObjectRestore:Completed"],"filter":null,"objectPrefixes":[],"topicARN":"` + topicARN + `","type":"TopicConfiguration"}}}`,
				"BucketReplicationConfiguration": `{"roleARN":"arn:aws:iam::` + motoAccount + `:role/replication","rules":{"to-dst":{` +
					`"destinationConfig":{"Account":"` + motoAccount + `","bucketARN":"arn:aws:s3:::sup-dst","storageClass":"STANDARD_IA"},"prefix":null,"status":"Enabled"}}}`,
				"BucketAccelerateConfiguration": `{"status":"Enabled"}`,
				"BucketWebsiteConfiguration": `{"errorDocument":"error.html","indexDocumentSuffix":"index.html","redirectAllRequestsTo":null,"routingRules":[{` +
					`"condition":{"httpErrorCodeReturnedEquals":"404","keyPrefixEquals":"docs/"},` +
					`"redirect":{"hostName":null,"httpRedirectCode":"301","protocol":"https","replaceKeyPrefixWith":null,"replaceKeyWith":"error.html"}}]}`,
				"IsRequesterPaysEnabled": `true`,
			},
			"sup-dst": {
				"BucketNotificationConfiguration": `{"configurations":{}}`,
				"BucketAccelerateConfiguration":   `{"status":null}`,
				"BucketWebsiteConfiguration": `{"errorDocument":null,"indexDocumentSuffix":null,"redirectAllRequestsTo":{` +
					`"hostName":"example.com","httpRedirectCode":null,"protocol":"https","replaceKeyPrefixWith":null,"replaceKeyWith":null},"routingRules":[]}`,
				"IsRequesterPaysEnabled": `false`,
			},
			"sup-plain": {
				"BucketNotificationConfiguration": `{"configurations":{}}`,
				"BucketAccelerateConfiguration":   `{"status":null}`,
				"IsRequesterPaysEnabled":          `false`,
			},
		}
		for name, keys := range want {
			b := latestOrFatal(t, sink, "AWS::S3::Bucket", name)
			for k, w := range keys {
				if got, ok := b.SupplementaryConfiguration[k]; !ok || got != w {
					t.Errorf("%s %s =\n %s\nwant\n %s", name, k, got, w)
				}
			}
			for _, k := range []string{"BucketReplicationConfiguration", "BucketWebsiteConfiguration"} {
				if _, ok := keys[k]; !ok {
					if v, has := b.SupplementaryConfiguration[k]; has {
						t.Errorf("%s has %s %s, want none", name, k, v)
					}
				}
			}
		}
		// Replication is asked only of buckets whose versioning was ever
		// enabled: sup-dst yes (it has none: ReplicationConfigurationNotFoundError), sup-plain no.
		if n := proxy.count("sup-plain?replication"); n != 0 {
			t.Errorf("GetBucketReplication sent for the unversioned bucket %d times", n)
		}
		if n := proxy.count("sup-dst?replication"); n != 1 {
			t.Errorf("GetBucketReplication sent for the versioned bucket %d times, want 1", n)
		}
	})

	t.Run("Unchanged", func(t *testing.T) {
		clock.t = clock.t.Add(time.Hour)
		if r := poll(); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("report %+v: unchanged buckets gave new versions", r)
		}
	})

	t.Run("Changed", func(t *testing.T) {
		must(s3c.PutBucketAccelerateConfiguration(ctx, &s3.PutBucketAccelerateConfigurationInput{Bucket: aws.String("sup-src"),
			AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: s3types.BucketAccelerateStatusSuspended}}))
		clock.t = clock.t.Add(time.Hour)
		if r := poll(); r.Changed != 1 {
			t.Fatalf("report %+v, want exactly one new version", r)
		}
		h := sink.history("AWS::S3::Bucket", "sup-src")
		if len(h) != 2 || h[1].Status != configd.CIStatusOK {
			t.Fatalf("sup-src history: %d versions", len(h))
		}
		d := Diff(h[0], h[1])
		want := PropertyChange{"Enabled", "Suspended", ChangeUpdate}
		if got := d.ChangedProperties["SupplementaryConfiguration.BucketAccelerateConfiguration.Status"]; len(d.ChangedProperties) != 1 || canonical(got) != canonical(want) {
			t.Errorf("diff = %s", canonical(d))
		}

		// Requester pays off, and the website removed from the other bucket.
		must(s3c.PutBucketRequestPayment(ctx, &s3.PutBucketRequestPaymentInput{Bucket: aws.String("sup-src"),
			RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: s3types.PayerBucketOwner}}))
		must(s3c.DeleteBucketWebsite(ctx, &s3.DeleteBucketWebsiteInput{Bucket: aws.String("sup-dst")}))
		clock.t = clock.t.Add(time.Hour)
		if r := poll(); r.Changed != 2 {
			t.Fatalf("report %+v, want two new versions", r)
		}
		h = sink.history("AWS::S3::Bucket", "sup-src")
		if got := h[len(h)-1].SupplementaryConfiguration["IsRequesterPaysEnabled"]; len(h) != 3 || got != "false" {
			t.Errorf("sup-src: %d versions, IsRequesterPaysEnabled %s", len(h), got)
		}
		h = sink.history("AWS::S3::Bucket", "sup-dst")
		if len(h) != 2 {
			t.Fatalf("sup-dst history: %d versions", len(h))
		}
		if got, ok := Diff(h[0], h[1]).ChangedProperties["SupplementaryConfiguration.BucketWebsiteConfiguration"]; !ok || got.ChangeType != ChangeDelete {
			t.Errorf("sup-dst diff = %s", canonical(Diff(h[0], h[1])))
		}
	})
}
