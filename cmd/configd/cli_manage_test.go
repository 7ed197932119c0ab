package main

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRemediateStatus(t *testing.T) {
	two := `{"RemediationExecutionStatuses":[` +
		`{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"a"},"State":"FAILED","InvocationTime":1767323045,"LastUpdatedTime":1767323050,` +
		`"StepDetails":[{"Name":"Encrypt","State":"FAILED","ErrorMessage":"AccessDenied"}]},` +
		`{"ResourceKey":{"resourceType":"AWS::EC2::Volume","resourceId":"v"},"State":"IN_PROGRESS","InvocationTime":1767323045}]`

	t.Run("OKTable", func(t *testing.T) {
		// Two pages; the second follows the NextToken of the first.
		srv := newCLIScript(t, cliOK(two+`,"NextToken":"t2"}`), cliOK(`{"RemediationExecutionStatuses":[]}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "status", "--rule", "enc")...)
		wantExit(t, code, 0, out, errOut)
		want := "RESOURCE TYPE     RESOURCE ID  STATE        STEP         INVOKED               UPDATED               ERROR\n" +
			"AWS::S3::Bucket   a            FAILED       1/1 Encrypt  2026-01-02T03:04:05Z  2026-01-02T03:04:10Z  Encrypt: AccessDenied\n" +
			"AWS::EC2::Volume  v            IN_PROGRESS  -            2026-01-02T03:04:05Z  -                     -\n"
		if out != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
		}
		if srv.call(1).body["NextToken"] != "t2" {
			t.Fatalf("second call = %v, want NextToken t2", srv.call(1).body)
		}
	})

	t.Run("OKTypeFilter", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(two+`}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "status", "--rule", "enc", "--resource-type", "AWS::EC2::Volume", "--output", "json")...)
		wantExit(t, code, 0, out, errOut)
		sts := decodeJSON(t, out)["RemediationExecutionStatuses"].([]any)
		if len(sts) != 1 || sts[0].(map[string]any)["ResourceId"] != "v" {
			t.Fatalf("statuses = %v, want only v", sts)
		}
		if srv.call(0).body["ResourceKeys"] != nil {
			t.Fatalf("request = %v, want no ResourceKeys (the API filters by key only)", srv.call(0).body)
		}
	})

	t.Run("OKKeys", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"RemediationExecutionStatuses":[]}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "status", "--rule", "enc", "--resource-type", bucketType, "--resource-id", "a")...)
		wantExit(t, code, 0, out, errOut)
		keys, _ := srv.call(0).body["ResourceKeys"].([]any)
		if len(keys) != 1 || !strings.Contains(out, "no remediation executions for rule enc") {
			t.Fatalf("request = %v, stdout = %q", srv.call(0).body, out)
		}
	})

	t.Run("ErrIdWithoutType", func(t *testing.T) {
		out, errOut, code := newCLIEnv(false, 0).run("remediate", "status", "--rule", "enc", "--resource-id", "a")
		wantExit(t, code, exitUsage, out, errOut)
		if !strings.Contains(errOut, "--resource-id needs --resource-type") {
			t.Fatalf("stderr = %q", errOut)
		}
	})

	t.Run("ErrNoSuchRule", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("NoSuchConfigRuleException", "The ConfigRule 'enc' provided in the request is invalid. Please check the configRule name"))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "status", "--rule", "enc")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate status: NoSuchConfigRuleException: The ConfigRule 'enc' provided in the request is invalid. Please check the configRule name")
	})
}

func TestRemediateDeleteConfig(t *testing.T) {
	t.Run("OKAfterInProgress", func(t *testing.T) {
		srv := newCLIScript(t,
			cliFail("RemediationInProgressException", inProgressMsg),
			cliFail("RemediationInProgressException", inProgressMsg),
			cliOK(`{}`),
		)
		env := newCLIEnv(false, 0)
		out, errOut, code := env.run(at(srv.URL, "remediate", "delete-config", "--rule", "enc", "--resource-type", bucketType)...)
		wantExit(t, code, 0, out, errOut)
		want := "DeleteRemediationConfiguration attempt 1 failed, retrying in 100ms: RemediationInProgressException: Remediation action is in progress.\n" +
			"DeleteRemediationConfiguration attempt 2 failed, retrying in 200ms: RemediationInProgressException: Remediation action is in progress.\n" +
			"deleted the remediation configuration of rule enc\n"
		if out != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
		}
		if srv.call(2).body["ResourceType"] != bucketType {
			t.Fatalf("request = %v, want ResourceType", srv.call(2).body)
		}
	})

	t.Run("OKAlreadyGone", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("NoSuchRemediationConfigurationException", "No RemediationConfiguration for rule exists."))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "delete-config", "--rule", "enc")...)
		wantExit(t, code, 0, out, errOut)
		if out != "rule enc has no remediation configuration; nothing to delete\n" {
			t.Fatalf("stdout = %q", out)
		}
	})

	t.Run("OKJSON", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("RemediationInProgressException", inProgressMsg), cliOK(`{}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "delete-config", "--rule", "enc", "--output", "json")...)
		wantExit(t, code, 0, out, errOut)
		m := decodeJSON(t, out)
		if m["Deleted"] != true || len(m["Attempts"].([]any)) != 2 {
			t.Fatalf("output = %v", m)
		}
	})

	t.Run("ErrTimeout", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("RemediationInProgressException", inProgressMsg))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "delete-config", "--rule", "enc", "--timeout", "1s")...)
		wantExit(t, code, exitTimeout, out, errOut)
		wantLine(t, errOut, "configd remediate delete-config: RemediationInProgressException: Remediation action is in progress. (timed out after 4 attempts)")
	})

	t.Run("ErrAttempts", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("RemediationInProgressException", inProgressMsg))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "delete-config", "--rule", "enc", "--max-attempts", "2")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate delete-config: RemediationInProgressException: Remediation action is in progress. (gave up after 2 attempts)")
	})

	t.Run("ErrPermanent", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("InsufficientPermissionsException", "not allowed"))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "delete-config", "--rule", "enc")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate delete-config: InsufficientPermissionsException: not allowed")
	})
}

func TestRemediateExceptions(t *testing.T) {
	t.Run("OKList", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"RemediationExceptions":[{"ConfigRuleName":"enc","ResourceType":"AWS::S3::Bucket","ResourceId":"a","Message":"legacy","ExpirationTime":1767323045},`+
			`{"ConfigRuleName":"enc","ResourceType":"AWS::S3::Bucket","ResourceId":"b"}]}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "exceptions", "list", "--rule", "enc")...)
		wantExit(t, code, 0, out, errOut)
		want := "RESOURCE TYPE    RESOURCE ID  EXPIRES               MESSAGE\n" +
			"AWS::S3::Bucket  a            2026-01-02T03:04:05Z  legacy\n" +
			"AWS::S3::Bucket  b            -                     -\n"
		if out != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
		}
	})

	t.Run("OKPut", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"FailedBatches":[]}`))
		env := newCLIEnv(false, 0)
		env.clock.t = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		out, errOut, code := env.run(at(srv.URL, "remediate", "exceptions", "put", "--rule", "enc", "--resource-type", bucketType, "--resource-id", "a", "b", "--message", "legacy", "--expires", "24h")...)
		wantExit(t, code, 0, out, errOut)
		if out != "put 2 remediation exceptions of rule enc\n" {
			t.Fatalf("stdout = %q", out)
		}
		body := srv.call(0).body
		if body["Message"] != "legacy" || body["ExpirationTime"] != float64(time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC).Unix()) || len(body["ResourceKeys"].([]any)) != 2 {
			t.Fatalf("request = %v", body)
		}
	})

	t.Run("ErrPutFailedBatch", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"FailedBatches":[{"FailureMessage":"Resource does not exist","FailedItems":[{"ConfigRuleName":"enc","ResourceType":"AWS::S3::Bucket","ResourceId":"b"}]}]}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "exceptions", "put", "--rule", "enc", "--resource-type", bucketType, "--resource-id", "a", "b")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate exceptions put: 1 of 2 failed: Resource does not exist: AWS::S3::Bucket/b")
		if out != "put 1 remediation exception of rule enc\n" {
			t.Fatalf("stdout = %q", out)
		}
	})

	t.Run("ErrExpires", func(t *testing.T) {
		out, errOut, code := newCLIEnv(false, 0).run("remediate", "exceptions", "put", "--rule", "enc", "--resource-type", bucketType, "--resource-id", "a", "--expires", "tomorrow")
		wantExit(t, code, exitUsage, out, errOut)
		if !strings.Contains(errOut, `--expires "tomorrow"`) {
			t.Fatalf("stderr = %q", errOut)
		}
	})

	t.Run("OKDeleteJSON", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"FailedBatches":[]}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "exceptions", "delete", "--rule", "enc", "--resource-type", bucketType, "--resource-id", "a", "--output", "json")...)
		wantExit(t, code, 0, out, errOut)
		if m := decodeJSON(t, out); m["Succeeded"] != 1.0 || len(m["FailedBatches"].([]any)) != 0 {
			t.Fatalf("output = %v", m)
		}
		if srv.ops()[0] != "DeleteRemediationExceptions" {
			t.Fatalf("calls = %v", srv.ops())
		}
	})

	t.Run("ErrDeleteFailedBatch", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"FailedBatches":[{"FailureMessage":"no such exception","FailedItems":[{"ResourceType":"AWS::S3::Bucket","ResourceId":"a"}]}]}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "remediate", "exceptions", "delete", "--rule", "enc", "--resource-type", bucketType, "--resource-id", "a")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate exceptions delete: 1 of 1 failed: no such exception: AWS::S3::Bucket/a")
	})

	t.Run("OKBatchesOf100", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"FailedBatches":[]}`))
		args := []string{"remediate", "exceptions", "put", "--rule", "enc", "--resource-type", bucketType, "--resource-id"}
		for i := range 150 {
			args = append(args, "b"+strconv.Itoa(i))
		}
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, args...)...)
		wantExit(t, code, 0, out, errOut)
		if ops := srv.ops(); len(ops) != 2 || len(srv.call(0).body["ResourceKeys"].([]any)) != 100 || len(srv.call(1).body["ResourceKeys"].([]any)) != 50 {
			t.Fatalf("calls = %v, want 2 of 100 and 50 keys", ops)
		}
	})
}
