package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// The Terraform test runs the terraform CLI with the hashicorp/aws provider
// against configd: apply, a plan that must find nothing to change (every
// attribute Terraform reads back is what it wrote), and destroy. The
// provider is a 700 MB binary that no registry this project's machines reach
// serves, so the test needs it in a local filesystem mirror
// (CONFIGD_TF_PLUGIN_MIRROR, default /opt/tf-plugins, laid out as
// registry.terraform.io/hashicorp/aws/VERSION/linux_amd64/...); without
// terraform or the mirror it is skipped, in CI too, with a message.

const defaultTFMirror = "/opt/tf-plugins"

// requireTerraform returns the terraform binary and the provider mirror, or
// skips the test.
func requireTerraform(t *testing.T) (string, string) {
	t.Helper()
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not installed; install it and the hashicorp/aws provider in a filesystem mirror (CONFIGD_TF_PLUGIN_MIRROR, default " + defaultTFMirror + ") to run this test")
	}
	mirror := os.Getenv("CONFIGD_TF_PLUGIN_MIRROR")
	if mirror == "" {
		mirror = defaultTFMirror
	}
	if m, _ := filepath.Glob(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", "*", "*", "terraform-provider-aws_*")); len(m) == 0 {
		t.Skip("no hashicorp/aws provider in the filesystem mirror " + mirror + " (set CONFIGD_TF_PLUGIN_MIRROR); Terraform cannot download it here")
	}
	return tf, mirror
}

// terraform runs the terraform CLI in dir. Only loopback is reachable: the
// provider talks to configd alone (every other endpoint is skipped in the
// configuration), Terraform's update check is off, and any other HTTP(S)
// request goes to a proxy on a closed loopback port.
type terraform struct {
	t        *testing.T
	bin, dir string
	env      []string
}

func newTerraform(t *testing.T, s *testServer) *terraform {
	tf, mirror := requireTerraform(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, `provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"TF_CLI_CONFIG_FILE=" + rc, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
		"TF_DATA_DIR=" + filepath.Join(dir, ".terraform"),
		"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
	if os.Getenv("CONFIGD_TF_LOG") != "" {
		env = append(env, "TF_LOG="+os.Getenv("CONFIGD_TF_LOG"))
	}
	provider := fmt.Sprintf(`terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = %q
  secret_key                  = %q
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  max_retries                 = 1
  endpoints {
    configservice = %q
  }
}
`, keyA, secretA, s.URL())
	if err := os.WriteFile(filepath.Join(dir, "provider.tf"), []byte(provider), 0o600); err != nil {
		t.Fatal(err)
	}
	return &terraform{t: t, bin: tf, dir: dir, env: env}
}

// write replaces the configuration's resources with main.
func (tf *terraform) write(main string) {
	tf.t.Helper()
	if err := os.WriteFile(filepath.Join(tf.dir, "main.tf"), []byte(main), 0o600); err != nil {
		tf.t.Fatal(err)
	}
}

// run runs terraform with args and returns its exit code and output; it
// fails the test if terraform could not run or ran out of time.
func (tf *terraform) run(args ...string) (int, string) {
	tf.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf.bin, args...)
	cmd.Dir, cmd.Env = tf.dir, tf.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee) && ctx.Err() == nil:
		return ee.ExitCode(), out.String()
	}
	tf.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return 0, ""
}

// ok runs terraform with args and fails the test unless it exits 0.
func (tf *terraform) ok(args ...string) string {
	tf.t.Helper()
	code, out := tf.run(args...)
	if code != 0 {
		tf.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// noChanges fails the test unless a plan finds the applied configuration
// exactly as it reads it back from configd.
func (tf *terraform) noChanges() {
	tf.t.Helper()
	code, out := tf.run("plan", "-detailed-exitcode", "-no-color")
	if code != 0 {
		tf.t.Fatalf("terraform plan after apply exited %d (2: it would change what it applied; configd answered differently from what Terraform wrote):\n%s", code, out)
	}
}

// tfConfig is the configuration the Terraform test applies: the recorder,
// its delivery channel and status, retention, rules (managed, Guard, with
// tags), a remediation configuration, a conformance pack, an aggregator and
// an aggregation authorization.
const tfConfig = `
resource "aws_config_configuration_recorder" "main" {
  name     = "tf-recorder"
  role_arn = "arn:aws:iam::111111111111:role/config-recorder"
  recording_group {
    all_supported  = false
    resource_types = ["AWS::S3::Bucket", "AWS::EC2::SecurityGroup"]
  }
  recording_mode {
    recording_frequency = "CONTINUOUS"
  }
}

resource "aws_config_delivery_channel" "main" {
  name           = "tf-channel"
  s3_bucket_name = "tf-config-bucket"
  s3_key_prefix  = "config"
  snapshot_delivery_properties {
    delivery_frequency = "Six_Hours"
  }
  depends_on = [aws_config_configuration_recorder.main]
}

resource "aws_config_configuration_recorder_status" "main" {
  name       = aws_config_configuration_recorder.main.name
  is_enabled = true
  depends_on = [aws_config_delivery_channel.main]
}

resource "aws_config_retention_configuration" "main" {
  retention_period_in_days = 90
}

resource "aws_config_config_rule" "versioning" {
  name        = "tf-s3-versioning"
  description = "Buckets keep their versions"
  source {
    owner             = "AWS"
    source_identifier = "S3_BUCKET_VERSIONING_ENABLED"
  }
  scope {
    compliance_resource_types = ["AWS::S3::Bucket"]
  }
  tags = {
    team = "platform"
  }
  depends_on = [aws_config_configuration_recorder.main]
}

resource "aws_config_config_rule" "guard" {
  name = "tf-widget-state"
  source {
    owner = "CUSTOM_POLICY"
    source_detail {
      message_type = "ConfigurationItemChangeNotification"
    }
    custom_policy_details {
      policy_runtime = "guard-2.x.x"
      policy_text    = <<-EOT
        rule widget_on when resourceType == "Tf::Fleet::Widget" {
          configuration.state == "on"
        }
      EOT
    }
  }
  scope {
    compliance_resource_types = ["Tf::Fleet::Widget"]
  }
  depends_on = [aws_config_configuration_recorder.main]
}

resource "aws_config_remediation_configuration" "versioning" {
  config_rule_name = aws_config_config_rule.versioning.name
  target_type      = "SSM_DOCUMENT"
  target_id        = "AWS-ConfigureS3BucketVersioning"
  # In name order: the provider reads the parameters back sorted by name
  # (flattenRemediationParameterValues), against AWS as against configd.
  parameter {
    name         = "AutomationAssumeRole"
    static_value = "arn:aws:iam::111111111111:role/remediation"
  }
  parameter {
    name           = "BucketName"
    resource_value = "RESOURCE_ID"
  }
  automatic                  = true
  maximum_automatic_attempts = 3
  retry_attempt_seconds      = 60
}

resource "aws_config_conformance_pack" "pack" {
  name          = "tf-pack"
  template_body = <<-EOT
    Resources:
      VersioningRule:
        Type: AWS::Config::ConfigRule
        Properties:
          ConfigRuleName: tf-pack-versioning
          Source:
            Owner: AWS
            SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED
  EOT
  depends_on = [aws_config_configuration_recorder.main]
}

resource "aws_config_configuration_aggregator" "accounts" {
  name = "tf-aggregator"
  account_aggregation_source {
    account_ids = ["111111111111", "222222222222"]
    regions     = ["us-east-1", "eu-west-1"]
  }
  tags = {
    env = "test"
  }
}

resource "aws_config_aggregate_authorization" "peer" {
  account_id = "333333333333"
  region     = "eu-west-1"
}
`

func TestTerraform(t *testing.T) {
	if testing.Short() {
		t.Skip("starts terraform and its 700 MB provider several times")
	}
	s := startServer(t)
	tf := newTerraform(t, s)
	tf.write(tfConfig)
	tf.ok("init", "-no-color")
	tf.ok("apply", "-auto-approve", "-no-color")
	tf.noChanges()

	// What Terraform applied is what the AWS SDK reads.
	ctx := context.Background()
	c := s.clientA()
	recs := must[*configservice.DescribeConfigurationRecorderStatusOutput](t)(c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{}))
	if len(recs.ConfigurationRecordersStatus) != 1 || aws.ToString(recs.ConfigurationRecordersStatus[0].Name) != "tf-recorder" || !recs.ConfigurationRecordersStatus[0].Recording {
		t.Fatalf("recorder status after apply: %+v", recs.ConfigurationRecordersStatus)
	}
	rules := must[*configservice.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}))
	names := map[string]bool{}
	for _, r := range rules.ConfigRules {
		names[aws.ToString(r.ConfigRuleName)] = true
	}
	for _, n := range []string{"tf-s3-versioning", "tf-widget-state"} {
		if !names[n] {
			t.Errorf("rule %s missing after apply: %v", n, names)
		}
	}
	rem := must[*configservice.DescribeRemediationConfigurationsOutput](t)(c.DescribeRemediationConfigurations(ctx, &configservice.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{"tf-s3-versioning"}}))
	if len(rem.RemediationConfigurations) != 1 || !rem.RemediationConfigurations[0].Automatic || aws.ToInt32(rem.RemediationConfigurations[0].MaximumAutomaticAttempts) != 3 {
		t.Fatalf("remediation configuration after apply: %+v", rem.RemediationConfigurations)
	}

	// The rules Terraform made are evaluated: a widget pushed after apply
	// gets the Guard rule's verdict.
	if _, err := c.PutResourceConfig(ctx, &configservice.PutResourceConfigInput{
		ResourceType: aws.String("Tf::Fleet::Widget"), SchemaVersionId: aws.String("1"),
		ResourceId: aws.String("w-1"), Configuration: aws.String(`{"state":"off"}`),
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d := must[*configservice.GetComplianceDetailsByConfigRuleOutput](t)(c.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("tf-widget-state")}))
		if len(d.EvaluationResults) == 1 && d.EvaluationResults[0].ComplianceType == types.ComplianceTypeNonCompliant {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no NON_COMPLIANT verdict for w-1 from the rule Terraform created: %+v", d.EvaluationResults)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A change Terraform makes in place (the rule's description and tags,
	// the retention period) is read back as made.
	changed := strings.Replace(tfConfig, `description = "Buckets keep their versions"`, `description = "Every bucket keeps its versions"`, 1)
	changed = strings.Replace(changed, `team = "platform"`, `team = "security"`, 1)
	changed = strings.Replace(changed, `retention_period_in_days = 90`, `retention_period_in_days = 400`, 1)
	tf.write(changed)
	tf.ok("apply", "-auto-approve", "-no-color")
	tf.noChanges()
	ret := must[*configservice.DescribeRetentionConfigurationsOutput](t)(c.DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{}))
	if len(ret.RetentionConfigurations) != 1 || aws.ToInt32(ret.RetentionConfigurations[0].RetentionPeriodInDays) != 400 {
		t.Fatalf("retention after the second apply: %+v", ret.RetentionConfigurations)
	}

	tf.ok("destroy", "-auto-approve", "-no-color")
	rules = must[*configservice.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}))
	if len(rules.ConfigRules) != 0 {
		t.Fatalf("rules left after destroy: %d", len(rules.ConfigRules))
	}
	all := must[*configservice.DescribeConfigurationRecordersOutput](t)(c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}))
	if len(all.ConfigurationRecorders) != 0 {
		t.Fatalf("recorders left after destroy: %+v", all.ConfigurationRecorders)
	}
	aggs := must[*configservice.DescribeConfigurationAggregatorsOutput](t)(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{}))
	if len(aggs.ConfigurationAggregators) != 0 {
		t.Fatalf("aggregators left after destroy: %+v", aggs.ConfigurationAggregators)
	}
}

// tfVariants is a second configuration: the other forms of the same
// resources (an exclusion recording group with a per-type recording
// frequency, a periodic rule with input parameters, a rule in both
// evaluation modes, a Lambda rule scoped by tag, a remediation with
// one execution control and no retry settings, an aggregator of all
// regions).
const tfVariants = `
resource "aws_config_configuration_recorder" "main" {
  name     = "tf-recorder"
  role_arn = "arn:aws:iam::111111111111:role/config-recorder"
  recording_group {
    all_supported = false
    exclusion_by_resource_types {
      resource_types = ["AWS::EC2::Instance"]
    }
    recording_strategy {
      use_only = "EXCLUSION_BY_RESOURCE_TYPES"
    }
  }
  recording_mode {
    recording_frequency = "CONTINUOUS"
    recording_mode_override {
      description         = "volumes once a day"
      resource_types      = ["AWS::EC2::Volume"]
      recording_frequency = "DAILY"
    }
  }
}

resource "aws_config_delivery_channel" "main" {
  name           = "tf-channel"
  s3_bucket_name = "tf-config-bucket"
  sns_topic_arn  = "arn:aws:sns:us-east-1:111111111111:config-topic"
  depends_on     = [aws_config_configuration_recorder.main]
}

resource "aws_config_config_rule" "periodic" {
  name                        = "tf-access-keys"
  input_parameters            = jsonencode({ maxAccessKeyAge = "90" })
  maximum_execution_frequency = "TwentyFour_Hours"
  source {
    owner             = "AWS"
    source_identifier = "ACCESS_KEYS_ROTATED"
  }
  depends_on = [aws_config_configuration_recorder.main]
}

resource "aws_config_config_rule" "both_modes" {
  name = "tf-s3-logging"
  source {
    owner             = "AWS"
    source_identifier = "S3_BUCKET_LOGGING_ENABLED"
  }
  scope {
    compliance_resource_types = ["AWS::S3::Bucket"]
  }
  evaluation_mode {
    mode = "DETECTIVE"
  }
  evaluation_mode {
    mode = "PROACTIVE"
  }
  depends_on = [aws_config_configuration_recorder.main]
}

resource "aws_config_config_rule" "lambda" {
  name = "tf-lambda"
  source {
    owner             = "CUSTOM_LAMBDA"
    source_identifier = "arn:aws:lambda:us-east-1:111111111111:function:checker"
    source_detail {
      message_type = "ConfigurationItemChangeNotification"
    }
    source_detail {
      message_type                = "ScheduledNotification"
      maximum_execution_frequency = "Six_Hours"
    }
  }
  scope {
    tag_key   = "env"
    tag_value = "prod"
  }
  depends_on = [aws_config_configuration_recorder.main]
}

resource "aws_config_remediation_configuration" "logging" {
  config_rule_name = aws_config_config_rule.both_modes.name
  resource_type    = "AWS::S3::Bucket"
  target_type      = "SSM_DOCUMENT"
  target_id        = "AWS-ConfigureS3BucketLogging"
  target_version   = "1"
  parameter {
    name         = "AutomationAssumeRole"
    static_value = "arn:aws:iam::111111111111:role/remediation"
  }
  parameter {
    name           = "BucketName"
    resource_value = "RESOURCE_ID"
  }
  parameter {
    name         = "GrantedPermission"
    static_value = "FULL_CONTROL"
  }
  parameter {
    name         = "GranteeType"
    static_value = "Group"
  }
  parameter {
    name         = "GranteeUri"
    static_value = "http://acs.amazonaws.com/groups/s3/LogDelivery"
  }
  parameter {
    name         = "TargetBucket"
    static_value = "tf-logs"
  }
  execution_controls {
    ssm_controls {
      concurrent_execution_rate_percentage = 25
    }
  }
}

resource "aws_config_configuration_aggregator" "all_regions" {
  name = "tf-all-regions"
  account_aggregation_source {
    account_ids = ["111111111111"]
    all_regions = true
  }
}
`

// tfVariantsPack is tfVariants' conformance pack, with input parameters and
// its own delivery bucket.
const tfVariantsPack = `
resource "aws_config_conformance_pack" "pack" {
  name                   = "tf-pack-params"
  delivery_s3_bucket     = "awsconfigconforms-tf"
  delivery_s3_key_prefix = "packs"
  input_parameter {
    parameter_name  = "MaxAge"
    parameter_value = "45"
  }
  template_body = <<-EOT
    Parameters:
      MaxAge:
        Type: String
    Resources:
      Keys:
        Type: AWS::Config::ConfigRule
        Properties:
          ConfigRuleName: tf-pack-keys
          InputParameters:
            maxAccessKeyAge: !Ref MaxAge
          Source:
            Owner: AWS
            SourceIdentifier: ACCESS_KEYS_ROTATED
  EOT
  depends_on = [aws_config_configuration_recorder.main]
}
`

// tfImports imports every resource of tfVariants by the id its provider
// documents, but the conformance pack: DescribeConformancePacks does not
// return a pack's template, so an imported pack always plans an update of
// template_body, against AWS as well (the provider's own import test
// ignores template_body).
const tfImports = `
import {
  to = aws_config_configuration_recorder.main
  id = "tf-recorder"
}
import {
  to = aws_config_delivery_channel.main
  id = "tf-channel"
}
import {
  to = aws_config_config_rule.periodic
  id = "tf-access-keys"
}
import {
  to = aws_config_config_rule.both_modes
  id = "tf-s3-logging"
}
import {
  to = aws_config_config_rule.lambda
  id = "tf-lambda"
}
import {
  to = aws_config_remediation_configuration.logging
  id = "tf-s3-logging"
}
import {
  to = aws_config_configuration_aggregator.all_regions
  id = "tf-all-regions"
}
`

func TestTerraformVariants(t *testing.T) {
	if testing.Short() {
		t.Skip("starts terraform and its 700 MB provider several times")
	}
	s := startServer(t)
	tf := newTerraform(t, s)
	tf.write(tfVariants + tfVariantsPack)
	tf.ok("init", "-no-color")
	tf.ok("apply", "-auto-approve", "-no-color")
	tf.noChanges()

	// A second working directory with no state imports everything by id:
	// what configd answers for each must be exactly the configuration.
	imp := newTerraform(t, s)
	imp.write(tfVariants + tfImports)
	imp.ok("init", "-no-color")
	code, out := imp.run("plan", "-detailed-exitcode", "-no-color")
	if code == 1 || !strings.Contains(out, "Plan: 7 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("terraform plan importing every resource exited %d, want 7 imports and no change:\n%s", code, out)
	}

	ctx := context.Background()
	rec := must[*configservice.DescribeConfigurationRecordersOutput](t)(s.clientA().DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}))
	if len(rec.ConfigurationRecorders) != 1 || rec.ConfigurationRecorders[0].RecordingGroup.RecordingStrategy.UseOnly != types.RecordingStrategyTypeExclusionByResourceTypes {
		t.Fatalf("recorder after apply: %+v", rec.ConfigurationRecorders)
	}
	tf.ok("destroy", "-auto-approve", "-no-color")
	rules := must[*configservice.DescribeConfigRulesOutput](t)(s.clientA().DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}))
	if len(rules.ConfigRules) != 0 {
		t.Fatalf("rules left after destroy: %d", len(rules.ConfigRules))
	}
}
