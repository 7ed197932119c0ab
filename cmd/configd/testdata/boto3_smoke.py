"""boto3 smoke path against configd: record a custom resource and read it
back, check typed errors and pagination. Run by TestBoto3Smoke with
AWS_ENDPOINT_URL and credentials in the environment."""
import json
import sys

import boto3
from botocore.exceptions import ClientError

c = boto3.client("config")
c.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": "arn:aws:iam::111111111111:role/config",
                                                    "recordingGroup": {"allSupported": True}})
c.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "bucket"})
c.start_configuration_recorder(ConfigurationRecorderName="default")
status = c.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
assert status["recording"] is True, status
assert hasattr(status["lastStartTime"], "year"), status  # epoch seconds parsed as datetime

for i in range(3):
    c.put_resource_config(ResourceType="MyCorp::App::Thing", SchemaVersionId="1", ResourceId="b1",
                          Configuration=json.dumps({"v": i}))
pages = c.get_paginator("get_resource_config_history").paginate(
    resourceType="MyCorp::App::Thing", resourceId="b1", PaginationConfig={"PageSize": 1})
items = [it for p in pages for it in p["configurationItems"]]
assert [json.loads(it["configuration"])["v"] for it in items] == [2, 1, 0], items

listed = c.list_discovered_resources(resourceType="MyCorp::App::Thing")["resourceIdentifiers"]
assert [r["resourceId"] for r in listed] == ["b1"], listed
assert c.describe_delivery_channels()["DeliveryChannels"][0]["s3BucketName"] == "bucket"

try:
    c.describe_configuration_recorders(ConfigurationRecorderNames=["nope"])
    sys.exit("expected NoSuchConfigurationRecorderException")
except c.exceptions.NoSuchConfigurationRecorderException as e:
    assert "nope" in e.response["Error"]["Message"]
try:
    c.get_resource_config_history(resourceType="MyCorp::App::Thing", resourceId="b1", limit=101)
    sys.exit("expected ValidationException")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ValidationException", e.response
print("boto3 smoke OK")
