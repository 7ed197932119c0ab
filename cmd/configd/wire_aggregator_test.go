package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Wire tests of configuration aggregators: account B's data is visible to
// account A's aggregator only after B authorizes A.

func TestWireAggregators(t *testing.T) {
	s := startServer(t)
	a := s.clientA()
	b := s.client(keyB, secretB, "us-east-1")
	startRecording(t, a)
	startRecording(t, b)
	putResource(t, a, "MyOrg::Thing", "a1", `{"size":1}`)
	putResource(t, b, "MyOrg::Thing", "b1", `{"size":2}`)
	src := []types.AccountAggregationSource{{AccountIds: []string{acctA, acctB}, AwsRegions: []string{"us-east-1"}}}
	agg := must[*cs.PutConfigurationAggregatorOutput](t)(a.PutConfigurationAggregator(ctx, &cs.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String("agg"), AccountAggregationSources: src,
	}))
	if !strings.HasPrefix(aws.ToString(agg.ConfigurationAggregator.ConfigurationAggregatorArn), "arn:aws:config:us-east-1:"+acctA+":config-aggregator/") {
		t.Fatalf("ARN = %q", aws.ToString(agg.ConfigurationAggregator.ConfigurationAggregatorArn))
	}
	ids := func() []string {
		out := must[*cs.ListAggregateDiscoveredResourcesOutput](t)(a.ListAggregateDiscoveredResources(ctx, &cs.ListAggregateDiscoveredResourcesInput{
			ConfigurationAggregatorName: aws.String("agg"), ResourceType: "MyOrg::Thing",
		}))
		var r []string
		for _, id := range out.ResourceIdentifiers {
			r = append(r, aws.ToString(id.SourceAccountId)+"/"+aws.ToString(id.ResourceId))
		}
		return r
	}
	t.Run("ErrIsolationWithoutAuthorization", func(t *testing.T) {
		if got := strings.Join(ids(), ","); got != acctA+"/a1" {
			t.Fatalf("resources before authorization = %s", got)
		}
		sel := must[*cs.SelectAggregateResourceConfigOutput](t)(a.SelectAggregateResourceConfig(ctx, &cs.SelectAggregateResourceConfigInput{
			ConfigurationAggregatorName: aws.String("agg"), Expression: aws.String("SELECT resourceId"),
		}))
		if len(sel.Results) != 1 {
			t.Fatalf("select before authorization = %q", sel.Results)
		}
		_, err := a.GetAggregateResourceConfig(ctx, &cs.GetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String("agg"),
			ResourceIdentifier: &types.AggregateResourceIdentifier{SourceAccountId: aws.String(acctB), SourceRegion: aws.String("us-east-1"), ResourceId: aws.String("b1"), ResourceType: "MyOrg::Thing"}})
		wantCode(t, err, "ResourceNotDiscoveredException")
		st := must[*cs.DescribeConfigurationAggregatorSourcesStatusOutput](t)(a.DescribeConfigurationAggregatorSourcesStatus(ctx, &cs.DescribeConfigurationAggregatorSourcesStatusInput{ConfigurationAggregatorName: aws.String("agg")}))
		if len(st.AggregatedSourceStatusList) != 2 || st.AggregatedSourceStatusList[1].LastUpdateStatus != types.AggregatedSourceStatusTypeFailed {
			t.Fatalf("sources status = %+v", st.AggregatedSourceStatusList)
		}
		pend := must[*cs.DescribePendingAggregationRequestsOutput](t)(b.DescribePendingAggregationRequests(ctx, &cs.DescribePendingAggregationRequestsInput{}))
		if len(pend.PendingAggregationRequests) != 1 || aws.ToString(pend.PendingAggregationRequests[0].RequesterAccountId) != acctA {
			t.Fatalf("pending = %+v", pend.PendingAggregationRequests)
		}
	})
	t.Run("OKAuthorized", func(t *testing.T) {
		must[*cs.PutAggregationAuthorizationOutput](t)(b.PutAggregationAuthorization(ctx, &cs.PutAggregationAuthorizationInput{AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")}))
		if got := strings.Join(ids(), ","); got != acctA+"/a1,"+acctB+"/b1" {
			t.Fatalf("resources after authorization = %s", got)
		}
		item := must[*cs.GetAggregateResourceConfigOutput](t)(a.GetAggregateResourceConfig(ctx, &cs.GetAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String("agg"),
			ResourceIdentifier: &types.AggregateResourceIdentifier{SourceAccountId: aws.String(acctB), SourceRegion: aws.String("us-east-1"), ResourceId: aws.String("b1"), ResourceType: "MyOrg::Thing"}}))
		if aws.ToString(item.ConfigurationItem.ResourceId) != "b1" {
			t.Fatalf("item = %+v", item.ConfigurationItem)
		}
		counts := must[*cs.GetAggregateDiscoveredResourceCountsOutput](t)(a.GetAggregateDiscoveredResourceCounts(ctx, &cs.GetAggregateDiscoveredResourceCountsInput{ConfigurationAggregatorName: aws.String("agg"), GroupByKey: types.ResourceCountGroupKeyAccountId}))
		if counts.TotalDiscoveredResources != 2 || len(counts.GroupedResourceCounts) != 2 {
			t.Fatalf("counts = %+v", counts)
		}
		pend := must[*cs.DescribePendingAggregationRequestsOutput](t)(b.DescribePendingAggregationRequests(ctx, &cs.DescribePendingAggregationRequestsInput{}))
		if len(pend.PendingAggregationRequests) != 0 {
			t.Fatalf("pending after authorization = %+v", pend.PendingAggregationRequests)
		}
		auths := must[*cs.DescribeAggregationAuthorizationsOutput](t)(b.DescribeAggregationAuthorizations(ctx, &cs.DescribeAggregationAuthorizationsInput{}))
		if len(auths.AggregationAuthorizations) != 1 {
			t.Fatalf("authorizations = %+v", auths.AggregationAuthorizations)
		}
		must[*cs.DeleteAggregationAuthorizationOutput](t)(b.DeleteAggregationAuthorization(ctx, &cs.DeleteAggregationAuthorizationInput{AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")}))
		if got := strings.Join(ids(), ","); got != acctA+"/a1" {
			t.Fatalf("resources after revocation = %s", got)
		}
	})
	t.Run("ErrNoSuchAggregator", func(t *testing.T) {
		_, err := a.DescribeConfigurationAggregators(ctx, &cs.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{"nope"}})
		wantCode(t, err, "NoSuchConfigurationAggregatorException")
		// Account B cannot use account A's aggregator.
		_, err = b.SelectAggregateResourceConfig(ctx, &cs.SelectAggregateResourceConfigInput{ConfigurationAggregatorName: aws.String("agg"), Expression: aws.String("SELECT resourceId")})
		wantCode(t, err, "NoSuchConfigurationAggregatorException")
	})
	t.Run("ErrInvalidSources", func(t *testing.T) {
		_, err := a.PutConfigurationAggregator(ctx, &cs.PutConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("x")})
		wantCode(t, err, "InvalidParameterValueException")
		_, err = a.PutConfigurationAggregator(ctx, &cs.PutConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("x"),
			OrganizationAggregationSource: &types.OrganizationAggregationSource{RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), AllAwsRegions: true}})
		wantCode(t, err, "NoAvailableOrganizationException")
	})
	t.Run("OKDelete", func(t *testing.T) {
		must[*cs.DeleteConfigurationAggregatorOutput](t)(a.DeleteConfigurationAggregator(ctx, &cs.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("agg")}))
		_, err := a.DeleteConfigurationAggregator(ctx, &cs.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: aws.String("agg")})
		wantCode(t, err, "NoSuchConfigurationAggregatorException")
	})
}
