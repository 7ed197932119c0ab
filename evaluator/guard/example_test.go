package guard_test

import (
	"fmt"

	"github.com/configd/configd/evaluator/guard"
)

func Example() {
	policy, err := guard.Parse(`
rule s3_versioning when resourceType == "AWS::S3::Bucket" {
    supplementaryConfiguration.BucketVersioningConfiguration.status == "Enabled"
        << versioning must be enabled >>
}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := policy.EvaluateJSON([]byte(`{
		"resourceType": "AWS::S3::Bucket",
		"supplementaryConfiguration": {"BucketVersioningConfiguration": {"status": "Suspended"}}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(report.Status, report.Status.ComplianceType())
	fmt.Println(report.Annotation())
	// Output:
	// FAIL NON_COMPLIANT
	// versioning must be enabled
}

func ExampleParse_syntaxError() {
	_, err := guard.Parse("rule r {\n  configuration.x ==\n}")
	fmt.Println(err)
	// Output:
	// guard: line 3, column 1: expected a value or a query after the operator
}
