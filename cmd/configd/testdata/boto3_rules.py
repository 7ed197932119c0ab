"""boto3 path of Config rules against configd: a Guard rule and a managed
rule on recorded resources; compliance visible in the compliance APIs,
updated on change and on demand. Run by TestBoto3Rules."""
import json
import sys
import time

import boto3

c = boto3.client("config")
c.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": "arn:aws:iam::111111111111:role/config",
                                                    "recordingGroup": {"allSupported": True}})
c.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "bucket"})
c.start_configuration_recorder(ConfigurationRecorderName="default")

c.put_config_rule(ConfigRule={
    "ConfigRuleName": "tls-only",
    "Scope": {"ComplianceResourceTypes": ["MyCorp::App::Server"]},
    "Source": {"Owner": "CUSTOM_POLICY",
               "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}],
               "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x",
                                       "PolicyText": "rule tls { configuration.port == 443 << port must be 443 >> }"}}})
c.put_config_rule(ConfigRule={
    "ConfigRuleName": "versioning",
    "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})

c.put_resource_config(ResourceType="MyCorp::App::Server", SchemaVersionId="1", ResourceId="srv-1",
                      Configuration=json.dumps({"port": 80}))


def compliance(rule, resource):
    for _ in range(100):
        res = c.get_compliance_details_by_config_rule(ConfigRuleName=rule)["EvaluationResults"]
        for r in res:
            if r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] == resource:
                return r
        time.sleep(0.05)
    sys.exit(f"no result of {rule} for {resource}")


r = compliance("tls-only", "srv-1")
assert r["ComplianceType"] == "NON_COMPLIANT" and r["Annotation"] == "port must be 443", r

c.put_resource_config(ResourceType="MyCorp::App::Server", SchemaVersionId="1", ResourceId="srv-1",
                      Configuration=json.dumps({"port": 443}))
for _ in range(100):
    if compliance("tls-only", "srv-1")["ComplianceType"] == "COMPLIANT":
        break
    time.sleep(0.05)
else:
    sys.exit("Guard rule did not turn COMPLIANT after the change")

by_rule = {x["ConfigRuleName"]: x["Compliance"]["ComplianceType"]
           for x in c.describe_compliance_by_config_rule(ConfigRuleNames=["tls-only"])["ComplianceByConfigRules"]}
assert by_rule == {"tls-only": "COMPLIANT"}, by_rule

# The managed rule: the bucket the test seeded (versioning off) is NON_COMPLIANT.
r = compliance("versioning", "seeded-bucket")
assert r["ComplianceType"] == "NON_COMPLIANT", r
c.start_config_rules_evaluation(ConfigRuleNames=["versioning"])
summary = c.get_compliance_summary_by_config_rule()["ComplianceSummary"]
assert summary["NonCompliantResourceCount"]["CappedCount"] >= 1, summary
print("boto3 rules OK")
