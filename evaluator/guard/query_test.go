package guard

import "testing"

func TestBlockClauses(t *testing.T) {
	doc := `{"rules": [{"from": 80, "cidr": "10.0.0.0/8"}, {"from": 443, "cidr": "0.0.0.0/0"}], "empty": []}`
	runEvalCases(t, []evalCase{
		{"OK/AllValues", "rules[*] { from exists\n cidr is_string }", doc, pass, ""},
		{"ErrAllValues", "rules[*] { cidr != '0.0.0.0/0' }", doc, fail, `found "0.0.0.0/0" at /rules/1/cidr`},
		{"OK/SomeValues", "some rules[*] { from == 443 }", doc, pass, ""},
		{"ErrSomeValues", "some rules[*] { from == 22 }", doc, fail, ""},
		{"OK/FilterSelectsNothingSkips", "rules[ from == 22 ] { cidr == 'x' }", doc, skip, ""},
		{"ErrNotEmptyBlock", "rules[ from == 22 ] !empty { cidr == 'x' }", doc, fail, "selected no values"},
		{"ErrUnresolvedBlock", "missing[*] { a exists }", doc, fail, `missing[*]: "missing" not found`},
		{"ErrEmptyListBlock", "empty[*] { a exists }", doc, fail, "no entries"},
		{"OK/NestedBlocks", "rules[*] { when from == 443 { cidr == '0.0.0.0/0' } }", doc, pass, ""},
		{"OK/BlockWithMessage", "rules[*] { from < 1000 << low port >> }", doc, pass, ""},
	})
}

func TestFilters(t *testing.T) {
	doc := `{
		"tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "core"}],
		"ports": [22, 80, 443],
		"res": {"b1": {"Type": "AWS::S3::Bucket", "x": 1}, "q1": {"Type": "AWS::SQS::Queue", "x": 2}},
		"labels": {"aws:cloudformation:stack-name": "s", "owner": "me", "aws:x": "y"}
	}`
	runEvalCases(t, []evalCase{
		{"OK/ListFilter", `tags[ key == "env" ].value == "prod"`, doc, pass, ""},
		{"ErrListFilter", `tags[ key == "team" ].value == "prod"`, doc, fail, `found "core" at /tags/1/value`},
		{"OK/FilterConjunction", "tags[ key == 'env'\n value == 'prod' ] !empty", doc, pass, ""},
		{"OK/FilterDisjunction", "tags[ key == 'x' or key == 'env' ].value == 'prod'", doc, pass, ""},
		{"OK/FilterThis", `ports[ this > 79 ] IN [80, 443]`, doc, pass, ""},
		{"OK/FilterAfterAllIndicesOnScalars", `ports[*][ this < 80 ] == 22`, doc, pass, ""},
		{"OK/StructValuesFilter", `res[ Type == "AWS::S3::Bucket" ].x == 1`, doc, pass, ""},
		{"OK/AllValuesFilter", `res.*[ Type == /SQS/ ].x == 2`, doc, pass, ""},
		{"OK/FilterWithSome", `tags[ some this.* == "core" ].key == "team"`, doc, pass, ""},
		{"OK/KeysFilterRegex", `labels[ keys == /^aws:/ ] !empty`, doc, pass, ""},
		{"OK/KeysFilterValues", `labels[ keys == /^aws:/ ] IN ["s", "y"]`, doc, pass, ""},
		{"OK/KeysFilterNe", `labels[ keys != /^aws:/ ] == "me"`, doc, pass, ""},
		{"OK/KeysFilterIn", `labels[ keys in ["owner", "nobody"] ] == "me"`, doc, pass, ""},
		{"OK/KeysFilterNotIn", `labels[ keys not in ["owner", "aws:x"] ] == "s"`, doc, pass, ""},
		{"OK/KeysFilterNoneSkips", `labels[ keys == "nothing" ] == "x"`, doc, skip, ""},
		{"ErrKeysFilterOnList", `ports[ keys == "x" ] exists`, doc, fail, "cannot filter the keys of list"},
		{"OK/CaptureName", "res[ name | Type == 'AWS::SQS::Queue' ] !empty\n%name == 'q1'", doc, pass, ""},
		{"OK/AllValuesCapture", "res[ n ].Type exists\n%n IN ['b1', 'q1']", doc, pass, ""},
		{"OK/VariableKeyInterpolation", "let k = 'owner'\nlabels.%k == 'me'", doc, pass, ""},
		{"ErrFilterOnScalar", `tags[0].key[ this == "env" ] exists`, doc, fail, "cannot filter string"},
		{"OK/ChainedFilters", `res.*[ x > 0 ][ Type == /S3/ ].x == 1`, doc, pass, ""},
	})
}

func TestQueryParts(t *testing.T) {
	doc := `{"l": [10, 20, 30], "m": {"a b": 1, "aws:tag": "v", "n": {"k": true}}, "BucketName": "bn",
		"configuration": {"bucketName": "x", "serverSideEncryption": {"sseAlgorithm": "AES256"}}}`
	runEvalCases(t, []evalCase{
		{"OK/Index", `l[1] == 20`, doc, pass, ""},
		{"OK/DottedIndex", `l.2 == 30`, doc, pass, ""},
		// Guard reads a negative index as its absolute value.
		{"OK/NegativeIndex", `l[-1] == 20`, doc, pass, ""},
		{"ErrIndexOutOfRange", `l[5] == 1`, doc, fail, "index 5 is out of range at /l"},
		{"ErrIndexOnStruct", `m[0] == 1`, doc, fail, "is not a list"},
		{"ErrKeyOnList", `l.a == 1`, doc, fail, `cannot read "a": list at /l is not a struct`},
		{"OK/QuotedKey", `m['a b'] == 1`, doc, pass, ""},
		{"OK/DottedQuotedKey", `m."aws:tag" == "v"`, doc, pass, ""},
		{"OK/QuotedFirstPart", `"BucketName" == "bn"`, doc, pass, ""},
		{"OK/AllValues", `m.n.* == true`, doc, pass, ""},
		{"OK/This", `this.m.n.k == true`, doc, pass, ""},
		{"OK/ScalarAsList", `m.n.k[*] == true`, doc, pass, ""},
		// Guard retries a missing key in other letter cases.
		{"OK/CaseConversionCamel", `configuration.BucketName == "x"`, doc, pass, ""},
		{"OK/CaseConversionNested", `configuration.ServerSideEncryption.SSEAlgorithm == "AES256"`, doc, pass, ""},
		{"OK/CaseConversionSnake", `configuration.server_side_encryption exists`, doc, pass, ""},
		{"OK/WhitespaceBeforeDot", "configuration\n  .bucketName == 'x'", doc, pass, ""},
	})
}

func TestTypeBlocks(t *testing.T) {
	ci := `{"resourceType": "AWS::S3::Bucket", "configuration": {"versioning": "Enabled"}}`
	template := `{"Resources": {
		"a": {"Type": "AWS::S3::Bucket", "Properties": {"Versioning": "Enabled"}},
		"b": {"Type": "AWS::S3::Bucket", "Properties": {"Versioning": "Suspended"}},
		"q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}`
	runEvalCases(t, []evalCase{
		{"OK/ConfigItem", `AWS::S3::Bucket { configuration.versioning == "Enabled" }`, ci, pass, ""},
		{"ErrConfigItem", `AWS::S3::Bucket { configuration.versioning == "Suspended" }`, ci, fail, `found "Enabled" at /configuration/versioning`},
		{"OK/ConfigItemOtherType", `AWS::EC2::Instance { configuration.instanceType == "t2.micro" }`, ci, skip, ""},
		{"OK/SingleClauseForm", `AWS::S3::Bucket configuration.versioning exists`, ci, pass, ""},
		{"OK/InRule", "rule r { AWS::S3::Bucket { configuration.versioning exists } }", ci, pass, ""},
		{"OK/WhenOnTypeBlock", `AWS::S3::Bucket when configuration.versioning == "Off" { configuration.x exists }`, ci, skip, ""},
		{"OK/Disjunction", "AWS::EC2::Instance { configuration.x exists } or\nAWS::S3::Bucket { configuration.versioning exists }", ci, pass, ""},
		{"ErrTemplateEachResource", `AWS::S3::Bucket { Properties.Versioning == "Enabled" }`, template, fail, "/Resources/b/Properties/Versioning"},
		{"OK/TemplateNoResourcesOfType", `AWS::EC2::Instance { Properties.x exists }`, template, skip, ""},
		{"OK/TemplateModuleSuffix", `AWS::SQS::Queue::MODULE { Properties empty }`, template, pass, ""},
		{"OK/NeitherTemplateNorItem", `AWS::S3::Bucket { x exists }`, `{"x": 1}`, skip, ""},
		{"OK/TwoPartTypeName", `Custom::Thing { configuration exists }`, `{"resourceType": "Custom::Thing", "configuration": {}}`, pass, ""},
	})
}
