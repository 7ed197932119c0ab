package recorder

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestAWSConfig(t *testing.T) {
	t.Run("OKAssumeRole", func(t *testing.T) {
		endpoint, _ := motoConfig(t)
		cfg, err := AWSConfig(context.Background(), AccountSettings{Region: "eu-west-1", EndpointURL: endpoint,
			AccessKeyID: "testing", SecretAccessKey: "testing", RoleARN: "arn:aws:iam::" + motoAccount + ":role/auditor"})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Region != "eu-west-1" || cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != endpoint {
			t.Errorf("region %q endpoint %v", cfg.Region, cfg.BaseEndpoint)
		}
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(*id.Arn, "assumed-role/auditor/"+RoleSessionName) {
			t.Errorf("caller %s, want the assumed role", *id.Arn)
		}
	})
	t.Run("OKEnvironment", func(t *testing.T) {
		t.Setenv("AWS_REGION", "ap-south-1")
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
		t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
		cfg, err := AWSConfig(context.Background(), AccountSettings{})
		if err != nil {
			t.Fatal(err)
		}
		creds, err := cfg.Credentials.Retrieve(context.Background())
		if err != nil || creds.AccessKeyID != "AKIDENV" || cfg.Region != "ap-south-1" {
			t.Errorf("region %q creds %q, %v; want the environment's", cfg.Region, creds.AccessKeyID, err)
		}
	})
	t.Run("ErrProfile", func(t *testing.T) {
		t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
		if _, err := AWSConfig(context.Background(), AccountSettings{Profile: "does-not-exist"}); err == nil {
			t.Error("unknown profile accepted")
		}
	})
}
