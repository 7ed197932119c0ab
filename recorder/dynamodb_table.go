package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/configd/configd"
)

func init() { register(dynamoTables{}) }

// dynamoTables discovers AWS::DynamoDB::Table: the DescribeTable
// TableDescription with lowerCamel keys, without the item counts and sizes
// (they move with the data, not the configuration), and supplementary
// ContinuousBackupsDescription (read by the managed rule
// dynamodb-pitr-enabled) without its sliding restore window.
type dynamoTables struct{}

func (dynamoTables) ResourceType() string { return "AWS::DynamoDB::Table" }
func (dynamoTables) Global() bool         { return false }

func (d dynamoTables) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := dynamodb.NewFromConfig(cfg)
	p := dynamodb.NewListTablesPaginator(client, &dynamodb.ListTablesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list tables: %w", err)
		}
		if err := emitEach(len(page.TableNames), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, page.TableNames[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

func (d dynamoTables) item(ctx context.Context, client *dynamodb.Client, scope configd.Scope, name string) (*configd.ConfigurationItem, error) {
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if isCode(err, "ResourceNotFoundException") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe table %q: %w", name, err)
	}
	t := out.Table
	ci := newItem(d.ResourceType(), name, name, str(t.TableArn), scope.Region, azNotApplicable)
	ci.ResourceCreationTime = timeOf(t.CreationDateTime)
	conf := object(t, "itemCount", "tableSizeBytes")
	for _, k := range []string{"globalSecondaryIndexes", "localSecondaryIndexes"} {
		idx, _ := conf[k].([]any)
		for _, i := range idx {
			if m, ok := i.(map[string]any); ok {
				delete(m, "itemCount")
				delete(m, "indexSizeBytes")
			}
		}
		sortByJSON(idx)
	}
	sortField(conf, "attributeDefinitions")
	ci.Configuration = encode(conf)

	ci.SupplementaryConfiguration = map[string]string{}
	backups, err := client.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: &name})
	switch {
	case isCode(err, "TableNotFoundException"), isCode(err, "ResourceNotFoundException"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe continuous backups %q: %w", name, err)
	case backups.ContinuousBackupsDescription != nil:
		b := object(backups.ContinuousBackupsDescription)
		if pitr, ok := b["pointInTimeRecoveryDescription"].(map[string]any); ok {
			delete(pitr, "earliestRestorableDateTime")
			delete(pitr, "latestRestorableDateTime")
		}
		ci.SupplementaryConfiguration["ContinuousBackupsDescription"] = encode(b)
	}
	var token *string
	for {
		page, err := client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: t.TableArn, NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list tags of %q: %w", name, err)
		}
		for _, tag := range page.Tags {
			ci.Tags[str(tag.Key)] = str(tag.Value)
		}
		if page.NextToken == nil || *page.NextToken == "" {
			break
		}
		token = page.NextToken
	}
	return ci, nil
}
