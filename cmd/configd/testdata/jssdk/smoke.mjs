// The AWS SDK for JavaScript v3 against configd: run by cmd/configd's
// TestJSSDKSmoke with CONFIGD_URL, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY set. It prints one "ok <step>" line per check and
// exits non-zero at the first failure.
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  NoSuchConfigurationRecorderException,
  PutConfigRuleCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  PutResourceConfigCommand,
  StartConfigurationRecorderCommand,
  paginateListDiscoveredResources,
} from "@aws-sdk/client-config-service";

const client = new ConfigServiceClient({
  region: "us-east-1",
  endpoint: process.env.CONFIGD_URL,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  },
  maxAttempts: 1,
});

function check(cond, step, detail) {
  if (!cond) {
    console.error(`FAIL ${step}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok ${step}`);
}

const type = "JsSdk::Fleet::Widget";

await client.send(new PutConfigurationRecorderCommand({
  ConfigurationRecorder: {
    name: "default",
    roleARN: "arn:aws:iam::111111111111:role/config",
    recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
  },
}));
await client.send(new PutDeliveryChannelCommand({ DeliveryChannel: { name: "default", s3BucketName: "js-bucket" } }));
await client.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: "default" }));

const status = await client.send(new DescribeConfigurationRecorderStatusCommand({}));
const st = status.ConfigurationRecordersStatus?.[0];
check(st?.recording === true && st.lastStartTime instanceof Date && Math.abs(Date.now() - st.lastStartTime.getTime()) < 60_000,
  "recorder status (epoch-seconds timestamps parsed as Dates)", st);

for (const [id, state] of [["w-1", "on"], ["w-2", "on"], ["w-3", "off"], ["w-1", "off"]]) {
  await client.send(new PutResourceConfigCommand({
    ResourceType: type, SchemaVersionId: "1", ResourceId: id, ResourceName: `widget ${id}`,
    Configuration: JSON.stringify({ state }), Tags: { team: "js" },
  }));
}

const hist = await client.send(new GetResourceConfigHistoryCommand({ resourceType: type, resourceId: "w-1" }));
const items = hist.configurationItems ?? [];
check(items.length === 2 && JSON.parse(items[0].configuration).state === "off" && items[0].configurationItemCaptureTime instanceof Date &&
  items[0].configurationItemCaptureTime >= items[1].configurationItemCaptureTime && items[0].tags?.team === "js",
  "history newest first", items.map((i) => ({ version: i.configurationStateId, configuration: i.configuration })));

const batch = await client.send(new BatchGetResourceConfigCommand({
  resourceKeys: [{ resourceType: type, resourceId: "w-2" }, { resourceType: type, resourceId: "nope" }],
}));
check(batch.baseConfigurationItems?.length === 1 && batch.baseConfigurationItems[0].resourceId === "w-2" && (batch.unprocessedResourceKeys ?? []).length === 0,
  "batch get", batch);

const ids = [];
let pages = 0;
for await (const page of paginateListDiscoveredResources({ client, pageSize: 1 }, { resourceType: type })) {
  pages++;
  for (const r of page.resourceIdentifiers ?? []) ids.push(r.resourceId);
}
check(pages === 3 && ids.join(",") === "w-1,w-2,w-3", "paginated list (NextToken round trips)", { pages, ids });

try {
  await client.send(new DescribeConfigurationRecordersCommand({ ConfigurationRecorderNames: ["nope"] }));
  check(false, "unknown recorder is an error", "no error");
} catch (err) {
  check(err instanceof NoSuchConfigurationRecorderException && err.$metadata.httpStatusCode === 400 && typeof err.message === "string" && err.message.length > 0,
    "modeled error class with its message", { name: err.name, message: err.message });
}

try {
  await client.send(new GetResourceConfigHistoryCommand({ resourceType: type, resourceId: "w-1", limit: 101 }));
  check(false, "validation error", "no error");
} catch (err) {
  check(err.name === "ValidationException" && /at 'limit' failed to satisfy constraint/.test(err.message),
    "ValidationException in AWS's wording", { name: err.name, message: err.message });
}

await client.send(new PutConfigRuleCommand({
  ConfigRule: {
    ConfigRuleName: "js-widgets-on",
    Scope: { ComplianceResourceTypes: [type] },
    Source: {
      Owner: "CUSTOM_POLICY",
      SourceDetails: [{ EventSource: "aws.config", MessageType: "ConfigurationItemChangeNotification" }],
      CustomPolicyDetails: { PolicyRuntime: "guard-2.x.x", PolicyText: `rule on { configuration.state == "on" }` },
    },
  },
}));
let results = [];
for (let i = 0; i < 200 && results.length < 3; i++) {
  const d = await client.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: "js-widgets-on" }));
  results = d.EvaluationResults ?? [];
  if (results.length < 3) await new Promise((r) => setTimeout(r, 50));
}
const verdict = Object.fromEntries(results.map((r) => [r.EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId, r.ComplianceType]));
check(verdict["w-1"] === "NON_COMPLIANT" && verdict["w-2"] === "COMPLIANT" && verdict["w-3"] === "NON_COMPLIANT" &&
  results.every((r) => r.ResultRecordedTime instanceof Date),
  "Guard rule verdicts", verdict);
