package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Wire tests of stored queries and SelectResourceConfig through the
// aws-sdk-go-v2 client.

func putResource(t *testing.T, c *cs.Client, typ, id, conf string) {
	t.Helper()
	if _, err := c.PutResourceConfig(ctx, &cs.PutResourceConfigInput{
		ResourceType: aws.String(typ), ResourceId: aws.String(id), SchemaVersionId: aws.String("1"), Configuration: aws.String(conf),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestWireStoredQueries(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	t.Run("OK", func(t *testing.T) {
		put := must[*cs.PutStoredQueryOutput](t)(c.PutStoredQuery(ctx, &cs.PutStoredQueryInput{
			StoredQuery: &types.StoredQuery{QueryName: aws.String("q1"), Description: aws.String("d"), Expression: aws.String("SELECT resourceId WHERE resourceType = 'AWS::S3::Bucket'")},
			Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
		}))
		arn := aws.ToString(put.QueryArn)
		if !strings.HasPrefix(arn, "arn:aws:config:us-east-1:"+acctA+":stored-query/q1/query-") {
			t.Fatalf("QueryArn = %q", arn)
		}
		got := must[*cs.GetStoredQueryOutput](t)(c.GetStoredQuery(ctx, &cs.GetStoredQueryInput{QueryName: aws.String("q1")}))
		if aws.ToString(got.StoredQuery.QueryArn) != arn || aws.ToString(got.StoredQuery.Description) != "d" || !strings.HasSuffix(arn, aws.ToString(got.StoredQuery.QueryId)) {
			t.Fatalf("GetStoredQuery = %+v", got.StoredQuery)
		}
		// An update keeps the ARN.
		put2 := must[*cs.PutStoredQueryOutput](t)(c.PutStoredQuery(ctx, &cs.PutStoredQueryInput{
			StoredQuery: &types.StoredQuery{QueryName: aws.String("q1"), Expression: aws.String("SELECT resourceId")},
		}))
		if aws.ToString(put2.QueryArn) != arn {
			t.Fatalf("ARN changed on update: %q", aws.ToString(put2.QueryArn))
		}
		tags := must[*cs.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &cs.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
		if len(tags.Tags) != 1 {
			t.Fatalf("tags = %+v", tags.Tags)
		}
		for _, n := range []string{"q2", "q3"} {
			must[*cs.PutStoredQueryOutput](t)(c.PutStoredQuery(ctx, &cs.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String(n), Expression: aws.String("SELECT arn")}}))
		}
		var names []string
		in := &cs.ListStoredQueriesInput{MaxResults: aws.Int32(2)}
		for {
			out := must[*cs.ListStoredQueriesOutput](t)(c.ListStoredQueries(ctx, in))
			for _, m := range out.StoredQueryMetadata {
				names = append(names, aws.ToString(m.QueryName))
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		if strings.Join(names, ",") != "q1,q2,q3" {
			t.Fatalf("ListStoredQueries = %v", names)
		}
		must[*cs.DeleteStoredQueryOutput](t)(c.DeleteStoredQuery(ctx, &cs.DeleteStoredQueryInput{QueryName: aws.String("q1")}))
		_, err := c.GetStoredQuery(ctx, &cs.GetStoredQueryInput{QueryName: aws.String("q1")})
		wantCode(t, err, "ResourceNotFoundException")
		_, err = c.ListTagsForResource(ctx, &cs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		wantCode(t, err, "ResourceNotFoundException")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.DeleteStoredQuery(ctx, &cs.DeleteStoredQueryInput{QueryName: aws.String("nope")})
		wantCode(t, err, "ResourceNotFoundException")
		// Another account does not see account A's queries.
		_, err = s.client(keyB, secretB, "us-east-1").GetStoredQuery(ctx, &cs.GetStoredQueryInput{QueryName: aws.String("q2")})
		wantCode(t, err, "ResourceNotFoundException")
	})
	t.Run("ErrValidation", func(t *testing.T) {
		_, err := c.PutStoredQuery(ctx, &cs.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String("bad"), Expression: aws.String("SELECT FROM")}})
		wantCode(t, err, "ValidationException")
	})
}

func TestWireSelectResourceConfig(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	cb := s.client(keyB, secretB, "us-east-1")
	startRecording(t, c)
	startRecording(t, cb)
	putResource(t, c, "MyOrg::Thing", "t1", `{"size":1,"color":"red"}`)
	putResource(t, c, "MyOrg::Thing", "t2", `{"size":5,"color":"blue"}`)
	putResource(t, c, "MyOrg::Thing", "t3", `{"size":9,"color":"red"}`)
	putResource(t, c, "MyOrg::Other", "o1", `{"size":3}`)
	if _, err := c.DeleteResourceConfig(ctx, &cs.DeleteResourceConfigInput{ResourceType: aws.String("MyOrg::Thing"), ResourceId: aws.String("t3")}); err != nil {
		t.Fatal(err)
	}
	putResource(t, cb, "MyOrg::Thing", "b1", `{"size":2}`)
	t.Run("OK", func(t *testing.T) {
		out := must[*cs.SelectResourceConfigOutput](t)(c.SelectResourceConfig(ctx, &cs.SelectResourceConfigInput{
			Expression: aws.String("SELECT resourceId, configuration.size WHERE resourceType = 'MyOrg::Thing' ORDER BY resourceId"),
		}))
		want := []string{`{"configuration":{"size":1},"resourceId":"t1"}`, `{"configuration":{"size":5},"resourceId":"t2"}`}
		if strings.Join(out.Results, "|") != strings.Join(want, "|") {
			t.Fatalf("Results = %q", out.Results)
		}
		if len(out.QueryInfo.SelectFields) != 2 || aws.ToString(out.QueryInfo.SelectFields[1].Name) != "configuration.size" {
			t.Fatalf("SelectFields = %+v", out.QueryInfo.SelectFields)
		}
	})
	t.Run("OKCountAndPages", func(t *testing.T) {
		out := must[*cs.SelectResourceConfigOutput](t)(c.SelectResourceConfig(ctx, &cs.SelectResourceConfigInput{
			Expression: aws.String("SELECT resourceType, COUNT(*) GROUP BY resourceType ORDER BY resourceType"),
		}))
		if strings.Join(out.Results, "|") != `{"COUNT(*)":1,"resourceType":"MyOrg::Other"}|{"COUNT(*)":2,"resourceType":"MyOrg::Thing"}` {
			t.Fatalf("Results = %q", out.Results)
		}
		var all []string
		in := &cs.SelectResourceConfigInput{Expression: aws.String("SELECT resourceId ORDER BY resourceId"), Limit: 1}
		for {
			page := must[*cs.SelectResourceConfigOutput](t)(c.SelectResourceConfig(ctx, in))
			all = append(all, page.Results...)
			if page.NextToken == nil {
				break
			}
			in.NextToken = page.NextToken
		}
		if len(all) != 3 {
			t.Fatalf("paged results = %q", all)
		}
	})
	t.Run("ErrInvalidExpression", func(t *testing.T) {
		_, err := c.SelectResourceConfig(ctx, &cs.SelectResourceConfigInput{Expression: aws.String("SELECT resourceId WHERE")})
		wantCode(t, err, "InvalidExpressionException")
	})
	t.Run("ErrInvalidNextToken", func(t *testing.T) {
		_, err := c.SelectResourceConfig(ctx, &cs.SelectResourceConfigInput{Expression: aws.String("SELECT resourceId"), NextToken: aws.String("bogus")})
		wantCode(t, err, "InvalidNextTokenException")
	})
}
