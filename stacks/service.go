package stacks

import (
	"regexp"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
	"github.com/example/fargate-api/constructs/fargate"
)

// ListenerPort is the ALB listener's port. The ALB is internal and reached
// only through the API Gateway VPC link, which terminates TLS for clients.
const ListenerPort = 80

// ServiceProps configures the Service stack.
type ServiceProps struct {
	awscdk.StackProps
	VPC ec2.IVpc
	// Database and DatabaseSecret are what the tasks connect to.
	Database       rds.IDatabaseInstance
	DatabaseSecret awssecretsmanager.ISecret
	DatabaseName   string
	DatabasePort   int

	ClusterName string
	// Image is a registry reference. Empty builds SampleImageDir as a
	// container image asset at deploy time.
	Image          string
	SampleImageDir string
	// ALBAccessLogs stores ALB access logs in a new S3 bucket. It needs a
	// concrete region (StackProps.Env).
	ALBAccessLogs bool
	// Endpoints is the VPC endpoints' security group when the VPC has no NAT
	// gateway; the tasks are allowed to it. Default: nil.
	Endpoints ec2.ISecurityGroup
	// Settings are the service's own settings, handed to the construct as
	// they are, except that Environment gains the database variables.
	fargate.Settings
}

// Service is the ECS cluster and the load-balanced Fargate service.
type Service struct {
	awscdk.Stack
	Cluster      ecs.ICluster
	Listener     elbv2.IApplicationListener
	LoadBalancer elbv2.IApplicationLoadBalancer
	// LoadBalancerFullName and TargetGroupFullName are the ALB metrics'
	// dimensions.
	LoadBalancerFullName *string
	TargetGroupFullName  *string
	FargateService       ecs.FargateService
}

// NewService creates the Service stack.
func NewService(scope constructs.Construct, id string, p ServiceProps) *Service {
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)

	clusterProps := &ecs.ClusterProps{
		Vpc:                            p.VPC,
		ClusterName:                    jsii.String(p.ClusterName),
		ContainerInsightsV2:            ecs.ContainerInsights_ENABLED,
		EnableFargateCapacityProviders: jsii.Bool(p.FargateSpot),
	}
	if p.EnableExecuteCommand {
		clusterProps.ExecuteCommandConfiguration = &ecs.ExecuteCommandConfiguration{
			Logging: ecs.ExecuteCommandLogging_OVERRIDE,
			LogConfiguration: &ecs.ExecuteCommandLogConfiguration{
				CloudWatchLogGroup: appconstructs.NewLogGroup(stack, "ExecLogs", p.LogRetentionDays),
			},
		}
	}
	cluster := ecs.NewCluster(stack, jsii.String("Cluster"), clusterProps)

	env := map[string]string{
		"PORT":       strconv.Itoa(p.ContainerPort),
		"DB_NAME":    p.DatabaseName,
		"DB_SSLMODE": "require", // RDS for PostgreSQL 15+ refuses unencrypted connections
	}
	for k, v := range p.Environment {
		env[k] = v
	}
	env["DB_HOST"] = *p.Database.DbInstanceEndpointAddress()
	env["DB_PORT"] = strconv.Itoa(p.DatabasePort)

	var accessLogs awss3.IBucket
	if p.ALBAccessLogs {
		accessLogs = newAccessLogBucket(stack)
	}

	settings := p.Settings
	settings.Environment = env
	web := appconstructs.NewLoadBalancedService(stack, "Web", appconstructs.LoadBalancedServiceProps{
		Settings: settings,
		Cluster:  cluster,
		Image:    containerImage(stack, p),
		Subnets:  &ec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)},
		Secrets: map[string]ecs.Secret{
			"DB_USERNAME": ecs.Secret_FromSecretsManager(p.DatabaseSecret, jsii.String("username")),
			"DB_PASSWORD": ecs.Secret_FromSecretsManager(p.DatabaseSecret, jsii.String("password")),
		},
		EnvironmentReason: "environment holds only non-secret settings (port, database host, port and name, TLS mode and user-supplied config); credentials arrive as ECS secrets from Secrets Manager",
		AccessLogBucket:   accessLogs,
	})
	if accessLogs == nil {
		appconstructs.Suppress(web.LoadBalancer, appconstructs.Suppression{
			Rule:   "AwsSolutions-ELB2",
			Reason: "ALB access log delivery must name the region's ELB log-delivery principal, unknown in an environment-agnostic stack; set app:account and app:region to turn access logs on. API Gateway access logs record every request that reaches this internal ALB",
		})
	}

	// The rule lands on the database's security group but is created here,
	// in the dependent stack, so the database stack never references this one.
	tasks := web.Service.Connections()
	tasks.AllowTo(p.Database, ec2.Port_Tcp(jsii.Number(p.DatabasePort)), jsii.String("ECS tasks to PostgreSQL"))
	// AllowTo also asks for a matching egress rule, which the tasks' group
	// does not need: it keeps open egress for registries and AWS APIs.
	if p.Endpoints != nil {
		tasks.AllowTo(p.Endpoints, ec2.Port_Tcp(jsii.Number(443)), jsii.String("ECS tasks to VPC endpoints"))
	}
	for _, sg := range *tasks.SecurityGroups() {
		awscdk.Annotations_Of(sg).AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:ipv4IgnoreEgressRule"),
			jsii.String("tasks keep open egress (image registries, Secrets Manager, CloudWatch Logs); only ingress is restricted"))
	}

	awscdk.NewCfnOutput(stack, jsii.String("InternalAlbDnsName"), &awscdk.CfnOutputProps{
		Description: jsii.String("DNS name of the internal ALB: it resolves to private addresses, reachable only from inside the VPC (the API reaches it through the VPC link)"),
		Value:       web.LoadBalancer.LoadBalancerDnsName(),
	})

	return &Service{
		Stack:                stack,
		Cluster:              cluster,
		Listener:             web.Listener,
		LoadBalancer:         web.LoadBalancer,
		LoadBalancerFullName: web.LoadBalancerFullName,
		TargetGroupFullName:  web.TargetGroupFullName,
		FargateService:       web.Service,
	}
}

// ecrImage matches a private ECR reference: account, region, repository,
// then an optional tag and/or digest.
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)(?::([^@]+))?(?:@(.+))?$`)

// containerImage picks how the task gets its image. ECR references go
// through the repository so the execution role is granted pull access to
// exactly that repository; other registries are pulled anonymously.
func containerImage(stack awscdk.Stack, p ServiceProps) ecs.ContainerImage {
	if p.Image == "" {
		platform := awsecrassets.Platform_LINUX_AMD64()
		if p.CPUArchitecture == fargate.ARM {
			platform = awsecrassets.Platform_LINUX_ARM64()
		}
		return ecs.ContainerImage_FromAsset(jsii.String(p.SampleImageDir), &ecs.AssetImageProps{Platform: platform})
	}
	m := ecrImage.FindStringSubmatch(p.Image)
	if m == nil {
		return ecs.ContainerImage_FromRegistry(jsii.String(p.Image), nil)
	}
	account, region, repo, tag, digest := m[1], m[2], m[3], m[4], m[5]
	arn := "arn:" + *awscdk.Aws_PARTITION() + ":ecr:" + region + ":" + account + ":repository/" + repo
	repository := awsecr.Repository_FromRepositoryAttributes(stack, jsii.String("ImageRepository"), &awsecr.RepositoryAttributes{
		RepositoryArn:  jsii.String(arn),
		RepositoryName: jsii.String(repo),
	})
	ref := tag
	if digest != "" {
		ref = digest
	}
	if ref == "" {
		ref = "latest"
	}
	return ecs.ContainerImage_FromEcrRepository(repository, jsii.String(ref))
}

func newAccessLogBucket(stack awscdk.Stack) awss3.IBucket {
	bucket := awss3.NewBucket(stack, jsii.String("AlbAccessLogs"), &awss3.BucketProps{
		// ALB log delivery supports only SSE-S3.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(false),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(90)),
		}},
		// Kept on stack deletion: a non-empty bucket would fail the delete,
		// and the lifecycle rule empties it within 90 days anyway.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	appconstructs.Suppress(bucket, appconstructs.Suppression{
		Rule:   "AwsSolutions-S1",
		Reason: "this bucket is itself the access-log destination of the ALB; logging access to it would need yet another log bucket",
	})
	return bucket
}
