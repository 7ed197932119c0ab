"""The seed scenario of configd's remediation guard, through boto3.

A client starts a remediation on a bucket, starts it again while the first
is in progress and gets RemediationInProgressException, backs off
exponentially, and succeeds once the first execution has finished.
Configd-TestRunbook with DurationSeconds keeps the first execution running.
The endpoint and credentials come from the environment (AWS_ENDPOINT_URL...).
"""
import sys
import time

import boto3
from botocore.config import Config

RULE = "seed-bucket-encryption"
KEY = {"resourceType": "AWS::S3::Bucket", "resourceId": "seed-bucket"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    c = boto3.client("config", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    c.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::111111111111:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    c.put_config_rule(ConfigRule={"ConfigRuleName": RULE, "Source": {
        "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"}})
    c.put_remediation_configurations(RemediationConfigurations=[{
        "ConfigRuleName": RULE, "TargetType": "SSM_DOCUMENT", "TargetId": "Configd-TestRunbook",
        "ResourceType": "AWS::S3::Bucket",
        "Parameters": {
            "ResourceId": {"ResourceValue": {"Value": "RESOURCE_ID"}},
            "DurationSeconds": {"StaticValue": {"Values": ["2"]}},
        }}])

    first = c.start_remediation_execution(ConfigRuleName=RULE, ResourceKeys=[KEY])
    if first.get("FailedItems"):
        fail("the first start was refused: %s" % first)
    started = time.monotonic()

    try:
        c.start_remediation_execution(ConfigRuleName=RULE, ResourceKeys=[KEY])
        fail("a second start while the first is in progress was accepted")
    except c.exceptions.RemediationInProgressException as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] != 400:
            fail("status %s" % e.response["ResponseMetadata"]["HTTPStatusCode"])

    # Exponential backoff: 0.1 s, 0.2 s, 0.4 s, ... capped at 1.6 s.
    delay, attempts = 0.1, 1
    while True:
        time.sleep(delay)
        attempts += 1
        try:
            out = c.start_remediation_execution(ConfigRuleName=RULE, ResourceKeys=[KEY])
        except c.exceptions.RemediationInProgressException:
            delay = min(delay * 2, 1.6)
            if attempts > 40:
                fail("still in progress after %d attempts" % attempts)
            continue
        if out.get("FailedItems"):
            fail("FailedItems without the exception: %s" % out)
        break
    waited = time.monotonic() - started
    if waited < 1.5:
        fail("the second start succeeded %.2f s after the first, before it could finish" % waited)

    # The first execution finished before the second could start; the
    # second runs to its end too.
    deadline = time.monotonic() + 20
    while True:
        st = c.describe_remediation_execution_status(ConfigRuleName=RULE, ResourceKeys=[KEY])
        state = st["RemediationExecutionStatuses"][0]["State"]
        if state == "SUCCEEDED":
            break
        if state == "FAILED" or time.monotonic() > deadline:
            fail("second execution is %s: %s" % (state, st))
        time.sleep(0.2)
    print("remediation seed OK after %d attempts, %.2f s" % (attempts, waited))


if __name__ == "__main__":
    main()
