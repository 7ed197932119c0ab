package recorder

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/mototest"
)

// motoAccount is the account moto answers for.
const motoAccount = "123456789012"

var motoScope = configd.Scope{AccountID: motoAccount, Region: "us-east-1"}

func TestMain(m *testing.M) {
	code := m.Run()
	mototest.Close()
	os.Exit(code)
}

// motoConfig returns a fresh moto server endpoint (reset) and an aws.Config for it.
func motoConfig(t *testing.T) (string, aws.Config) {
	t.Helper()
	endpoint := mototest.Shared(t)
	mototest.Reset(t, endpoint)
	cfg, err := AWSConfig(context.Background(), AccountSettings{
		Region: "us-east-1", EndpointURL: endpoint, AccessKeyID: "testing", SecretAccessKey: "testing",
	})
	if err != nil {
		t.Fatal(err)
	}
	return endpoint, cfg
}

// fixture holds the ids of the resources seed creates.
type fixture struct {
	vpc, subnet, sg, tempSG, instance, volume                            string
	queueURL, topicARN, keyID, roleID, userID, policyID, groupID, dbName string
}

// must returns v or panics with err; seed turns the panic into t.Fatal.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// seed creates one or more resources of every supported type.
func seed(t *testing.T, cfg aws.Config) fixture {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	var f fixture

	s3c := s3Client(cfg)
	must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("configd-bucket")}))
	must(s3c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("configd-bucket"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}}))
	must(s3c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("configd-bucket"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
			IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}))
	must(s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("configd-bucket"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	must(s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("configd-bucket"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::configd-bucket/*"}]}`)}))
	must(s3c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("configd-bucket"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: aws.String("expire-logs"), Status: s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(30)},
		}}}}))

	e := ec2.NewFromConfig(cfg)
	f.vpc = *must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId
	f.subnet = *must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &f.vpc, CidrBlock: aws.String("10.0.1.0/24"),
		AvailabilityZone: aws.String("us-east-1a")})).Subnet.SubnetId
	f.sg = *must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"),
		Description: aws.String("web servers"), VpcId: &f.vpc})).GroupId
	must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &f.sg,
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}}))
	f.tempSG = *must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("temp"),
		Description: aws.String("to be deleted"), VpcId: &f.vpc})).GroupId
	images := must(e.DescribeImages(ctx, &ec2.DescribeImagesInput{}))
	if len(images.Images) == 0 {
		t.Fatal("moto has no AMI")
	}
	run := must(e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: images.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		InstanceType: ec2types.InstanceTypeT3Micro, SubnetId: &f.subnet, SecurityGroupIds: []string{f.sg},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
			Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web-1")}}}}}))
	f.instance = *run.Instances[0].InstanceId
	f.volume = *must(e.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(8)})).VolumeId
	must(e.AttachVolume(ctx, &ec2.AttachVolumeInput{Device: aws.String("/dev/sdf"), InstanceId: &f.instance, VolumeId: &f.volume}))
	// moto creates no internet gateway and no address by default.
	igw := must(e.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId
	must(e.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw, VpcId: &f.vpc}))
	must(e.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc}))

	ic := iam.NewFromConfig(cfg)
	pol := must(ic.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("configd-policy"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})).Policy
	f.policyID = *pol.PolicyId
	f.groupID = *must(ic.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("admins")})).Group.GroupId
	f.userID = *must(ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})).User.UserId
	must(ic.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Arn}))
	must(ic.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String("alice"), GroupName: aws.String("admins")}))
	role := must(ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("lambda-role"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})).Role
	f.roleID = *role.RoleId
	must(ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("lambda-role"), PolicyArn: pol.Arn}))

	kc := kms.NewFromConfig(cfg)
	f.keyID = *must(kc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("configd key"),
		Tags: []kmstypes.Tag{{TagKey: aws.String("team"), TagValue: aws.String("sec")}}})).KeyMetadata.KeyId
	must(kc.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: &f.keyID}))

	dc := dynamodb.NewFromConfig(cfg)
	must(dc.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("orders"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}}}))

	qc := sqs.NewFromConfig(cfg)
	f.queueURL = *must(qc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs"),
		Attributes: map[string]string{"VisibilityTimeout": "45"}, Tags: map[string]string{"app": "jobs"}})).QueueUrl

	nc := sns.NewFromConfig(cfg)
	f.topicARN = *must(nc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alerts"),
		Tags: []snstypes.Tag{{Key: aws.String("app"), Value: aws.String("alerts")}}})).TopicArn
	must(nc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &f.topicARN, Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:" + motoAccount + ":jobs")}))

	lc := lambda.NewFromConfig(cfg)
	must(lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("handler"), Runtime: lambdatypes.RuntimePython312,
		Role: role.Arn, Handler: aws.String("main.handler"), Code: &lambdatypes.FunctionCode{ZipFile: lambdaZip(t)},
		Tags: map[string]string{"app": "handler"}}))

	rc := rds.NewFromConfig(cfg)
	f.dbName = "db1"
	must(rc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: &f.dbName, Engine: aws.String("postgres"),
		DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"),
		MasterUserPassword: aws.String("password123"), VpcSecurityGroupIds: []string{f.sg}}))

	tc := cloudtrail.NewFromConfig(cfg)
	must(tc.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("trail1"), S3BucketName: aws.String("configd-bucket")}))
	ec := ecr.NewFromConfig(cfg)
	must(ec.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("web"),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true},
		Tags:                       []ecrtypes.Tag{{Key: aws.String("app"), Value: aws.String("web")}}}))
	cwl := cloudwatchlogs.NewFromConfig(cfg)
	must(cwl.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/configd/app"),
		Tags: map[string]string{"app": "configd"}}))
	must(cwl.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("/configd/app"), RetentionInDays: aws.Int32(30)}))
	smc := secretsmanager.NewFromConfig(cfg)
	must(smc.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("configd/db"),
		Description: aws.String("database credentials"), KmsKeyId: aws.String(f.keyID),
		SecretString: aws.String(`{"user":"app"}`),
		Tags:         []smtypes.Tag{{Key: aws.String("app"), Value: aws.String("configd")}}}))
	ecsc := ecs.NewFromConfig(cfg)
	must(ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"),
		NetworkMode:          ecstypes.NetworkModeAwsvpc,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("nginx"), Memory: aws.Int32(256)}},
		Tags:                 []ecstypes.Tag{{Key: aws.String("app"), Value: aws.String("web")}}}))
	eksc := eks.NewFromConfig(cfg)
	must(eksc.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("k8s"), RoleArn: role.Arn, Version: aws.String("1.29"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{f.subnet}, SecurityGroupIds: []string{f.sg}},
		Tags:               map[string]string{"app": "k8s"}}))
	acmc := acm.NewFromConfig(cfg)
	certPEM, keyPEM := selfSignedPEM(t, "configd.example.com", time.Now().Add(90*24*time.Hour).Truncate(time.Second), false)
	must(acmc.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: keyPEM}))
	cwc := cloudWatchClient(cfg) // awsQuery: moto does not answer the SDK's default CBOR protocol
	must(cwc.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("high-cpu"),
		MetricName: aws.String("CPUUtilization"), Namespace: aws.String("AWS/EC2"), Statistic: cwtypes.StatisticAverage,
		Period: aws.Int32(300), EvaluationPeriods: aws.Int32(2), Threshold: aws.Float64(80),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, AlarmActions: []string{f.topicARN},
		Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(f.instance)}},
		Tags:       []cwtypes.Tag{{Key: aws.String("app"), Value: aws.String("web")}}}))
	ksc := kinesis.NewFromConfig(cfg)
	must(ksc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("events"), ShardCount: aws.Int32(1)}))
	must(ksc.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("events"),
		Tags: map[string]string{"app": "events"}}))
	must(ksc.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("events"),
		EncryptionType: kinesistypes.EncryptionTypeKms, KeyId: aws.String(f.keyID)}))
	efsc := efs.NewFromConfig(cfg)
	fsID := must(efsc.CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("configd-fs"),
		Encrypted: aws.Bool(true), Backup: aws.Bool(true),
		Tags: []efstypes.Tag{{Key: aws.String("app"), Value: aws.String("configd")}}})).FileSystemId
	must(efsc.CreateAccessPoint(ctx, &efs.CreateAccessPointInput{ClientToken: aws.String("configd-ap"), FileSystemId: fsID,
		PosixUser:     &efstypes.PosixUser{Uid: aws.Int64(1000), Gid: aws.Int64(1000)},
		RootDirectory: &efstypes.RootDirectory{Path: aws.String("/configd")}}))
	return f
}

// lambdaZip is a deployment package with one Python file.
func lambdaZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw := must(w.Create("main.py"))
	if _, err := fw.Write([]byte("def handler(event, context):\n    return event\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
