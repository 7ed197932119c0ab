package guard

import (
	"encoding/json"
	"testing"
)

// benchPolicy has ten clauses of the kinds Config policies use: equality,
// IN with a regex, EXISTS, !EMPTY, a block over a list, a filter, a keys
// filter and a variable.
const benchPolicy = `
let algorithms = ["aws:kms", "AES256"]

rule s3_bucket_baseline when resourceType == "AWS::S3::Bucket" {
    supplementaryConfiguration.BucketVersioningConfiguration.status == "Enabled"
    supplementaryConfiguration.ServerSideEncryptionConfiguration.rules[*] {
        applyServerSideEncryptionByDefault.sseAlgorithm IN %algorithms
    }
    supplementaryConfiguration.PublicAccessBlockConfiguration.blockPublicAcls == true
    supplementaryConfiguration.PublicAccessBlockConfiguration.restrictPublicBuckets == true
    supplementaryConfiguration.BucketLoggingConfiguration.destinationBucketName exists
    tags !empty
    tags.env IN ["dev", "staging", "prod"]
    tags[ keys == /^tmp-/ ] empty
    configuration.name == /^[a-z0-9.-]{3,63}$/
    awsRegion != "cn-north-1"
}
`

// BenchmarkEvaluate measures one 10-clause policy against one decoded S3
// bucket configuration item. The target is 20,000 items a second on one core:
// under 50µs an operation.
func BenchmarkEvaluate(b *testing.B) {
	p, err := Parse(benchPolicy)
	if err != nil {
		b.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal([]byte(s3BucketCI), &doc); err != nil {
		b.Fatal(err)
	}
	if rep := p.Evaluate(doc); rep.Status != StatusPass {
		b.Fatalf("benchmark policy does not pass: %+v", rep.Rules)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Evaluate(doc)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "CIs/s")
}

// BenchmarkEvaluateJSON includes decoding the configuration item from JSON.
func BenchmarkEvaluateJSON(b *testing.B) {
	p, err := Parse(benchPolicy)
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(s3BucketCI)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.EvaluateJSON(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "CIs/s")
}

// BenchmarkParse measures parsing the benchmark policy.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(benchPolicy); err != nil {
			b.Fatal(err)
		}
	}
}
