package runbook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// must returns v, panicking on err (test set-up calls that must work).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func newBucket(t *testing.T, env Env) string {
	t.Helper()
	b := unique("bucket")
	must(s3Client(env.AWS).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}))
	return b
}

func TestEnableS3BucketEncryption(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		b := newBucket(t, env)
		err, log := run(t, r, env, "AWS-EnableS3BucketEncryption", map[string][]string{"BucketName": {b}, "SSEAlgorithm": {"aws:kms"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "PutBucketEncryption:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		out := must(s3Client(env.AWS).GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)}))
		if alg := out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm; alg != types.ServerSideEncryptionAwsKms {
			t.Fatalf("algorithm %s, want aws:kms", alg)
		}
	})
	t.Run("OKDefaultAES256", func(t *testing.T) {
		b := newBucket(t, env)
		if err, _ := run(t, r, env, "AWS-EnableS3BucketEncryption", map[string][]string{"BucketName": {b}}); err != nil {
			t.Fatal(err)
		}
		out := must(s3Client(env.AWS).GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)}))
		if alg := out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm; alg != types.ServerSideEncryptionAes256 {
			t.Fatalf("algorithm %s, want AES256", alg)
		}
	})
	t.Run("ErrNoSuchBucket", func(t *testing.T) {
		err, log := run(t, r, env, "AWS-EnableS3BucketEncryption", map[string][]string{"BucketName": {unique("missing")}})
		if err == nil {
			t.Fatal("no error for a missing bucket")
		}
		if got := log.final(); got != "PutBucketEncryption:FAILED" {
			t.Fatalf("steps %s", got)
		}
		if msg := log.message("PutBucketEncryption"); !strings.HasPrefix(msg, "NoSuchBucket: ") {
			t.Fatalf("message %q", msg)
		}
	})
	t.Run("ErrMissingParameter", func(t *testing.T) {
		err, log := run(t, r, env, "AWS-EnableS3BucketEncryption", map[string][]string{})
		if err == nil || !strings.Contains(err.Error(), "BucketName") {
			t.Fatalf("error %v", err)
		}
		if got := log.final(); got != "PutBucketEncryption:FAILED" {
			t.Fatalf("steps %s", got)
		}
	})
}

func TestDisableS3BucketPublicReadWrite(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	t.Run("OK", func(t *testing.T) {
		b := newBucket(t, env)
		err, log := run(t, r, env, "AWS-DisableS3BucketPublicReadWrite", map[string][]string{"S3BucketName": {b}})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "DisableS3BucketPublicReadWrite:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		pab := must(s3Client(env.AWS).GetPublicAccessBlock(context.Background(), &s3.GetPublicAccessBlockInput{Bucket: aws.String(b)})).PublicAccessBlockConfiguration
		if !aws.ToBool(pab.BlockPublicAcls) || !aws.ToBool(pab.IgnorePublicAcls) || !aws.ToBool(pab.BlockPublicPolicy) || !aws.ToBool(pab.RestrictPublicBuckets) {
			t.Fatalf("public access block %+v", pab)
		}
	})
}

func TestConfigureS3BucketPublicAccessBlock(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	t.Run("OK", func(t *testing.T) {
		b := newBucket(t, env)
		// AutomationAssumeRole is assumed through moto's STS.
		err, log := run(t, r, env, "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock", map[string][]string{
			"BucketName": {b}, "AutomationAssumeRole": {testRole}, "BlockPublicPolicy": {"false"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "PutBucketPublicAccessBlock:SUCCEEDED GetBucketPublicAccessBlock:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		pab := must(s3Client(env.AWS).GetPublicAccessBlock(context.Background(), &s3.GetPublicAccessBlockInput{Bucket: aws.String(b)})).PublicAccessBlockConfiguration
		if !aws.ToBool(pab.BlockPublicAcls) || !aws.ToBool(pab.IgnorePublicAcls) || aws.ToBool(pab.BlockPublicPolicy) || !aws.ToBool(pab.RestrictPublicBuckets) {
			t.Fatalf("public access block %+v", pab)
		}
	})
	t.Run("ErrAssumeRole", func(t *testing.T) {
		// An STS that refuses: the execution fails on its first step and
		// changes nothing.
		sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>`))
		}))
		defer sts.Close()
		denied, _ := testEnv(sts.URL)
		err, log := run(t, r, denied, "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock", map[string][]string{
			"BucketName": {"some-bucket"}, "AutomationAssumeRole": {testRole},
		})
		if err == nil {
			t.Fatal("no error")
		}
		if got := log.final(); got != "PutBucketPublicAccessBlock:FAILED" {
			t.Fatalf("steps %s", got)
		}
		if msg := log.message("PutBucketPublicAccessBlock"); !strings.Contains(msg, "AccessDenied") {
			t.Fatalf("message %q", msg)
		}
	})
}

func TestConfigureS3BucketVersioning(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	t.Run("OK", func(t *testing.T) {
		b := newBucket(t, env)
		err, log := run(t, r, env, "AWS-ConfigureS3BucketVersioning", map[string][]string{"BucketName": {b}})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "ConfigureVersioning:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		v := must(s3Client(env.AWS).GetBucketVersioning(context.Background(), &s3.GetBucketVersioningInput{Bucket: aws.String(b)}))
		if v.Status != types.BucketVersioningStatusEnabled {
			t.Fatalf("versioning %q", v.Status)
		}
	})
	t.Run("ErrVersioningState", func(t *testing.T) {
		err, _ := run(t, r, env, "AWS-ConfigureS3BucketVersioning", map[string][]string{"BucketName": {"any-bucket"}, "VersioningState": {"On"}})
		if err == nil || !strings.Contains(err.Error(), "allowed values") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestConfigureS3BucketLogging(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	ctx := context.Background()
	for _, name := range []string{"AWS-ConfigureS3BucketLogging", "AWSConfigRemediation-ConfigureS3BucketLogging"} {
		t.Run("OK"+strings.Split(name, "-")[0], func(t *testing.T) {
			b, target := newBucket(t, env), newBucket(t, env)
			logDelivery := aws.String(`uri="http://acs.amazonaws.com/groups/s3/LogDelivery"`)
			must(s3Client(env.AWS).PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(target), GrantWrite: logDelivery, GrantReadACP: logDelivery}))
			err, log := run(t, r, env, name, map[string][]string{
				"BucketName": {b}, "TargetBucket": {target}, "TargetPrefix": {"logs/"},
				"GrantedPermission": {"READ"}, "GranteeType": {"Group"}, "GranteeUri": {"http://acs.amazonaws.com/groups/s3/LogDelivery"},
			})
			if err != nil {
				t.Fatalf("%v (steps %s)", err, log.final())
			}
			out := must(s3Client(env.AWS).GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String(b)}))
			if out.LoggingEnabled == nil || aws.ToString(out.LoggingEnabled.TargetBucket) != target || aws.ToString(out.LoggingEnabled.TargetPrefix) != "logs/" {
				t.Fatalf("logging %+v", out.LoggingEnabled)
			}
		})
	}
}
