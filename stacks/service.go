package stacks

import (
	"maps"
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
	"github.com/example/fargate-api/stacks/settings"
)

// ServiceProps configures the Service stack.
type ServiceProps struct {
	awscdk.StackProps
	VPC ec2.IVpc
	// Database is what the tasks connect to: the service's tasks as
	// RuntimeUsername with IAM tokens, the migration task as the master
	// user with DatabaseMasterSecret.
	Database             rds.IDatabaseInstance
	DatabaseMasterSecret awssecretsmanager.ISecret
	DatabaseName         string
	DatabasePort         int
	RuntimeUsername      string
	// SampleImageDir is built as a container image asset at deploy time
	// when Settings.Image is empty.
	SampleImageDir string
	// ALBAccessLogs stores ALB access logs in a new S3 bucket. It needs a
	// concrete region (StackProps.Env).
	ALBAccessLogs bool
	// Endpoints is the VPC endpoints' security group when the VPC has no NAT
	// gateway; the tasks are allowed to it. Default: nil.
	Endpoints ec2.ISecurityGroup
	// Settings are the service's own settings: the cluster's name, the
	// image, the migration command (run on every deploy that changes the
	// task, before the service moves to the new image) and egress, and the
	// construct's fargate.Settings, handed to it as they are, except that
	// Environment gains the database variables.
	settings.Service
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
	// AlternateTargetGroupFullName is the second target group of a
	// traffic-shifting deployment strategy: ECS alternates production between
	// the two. Nil with rolling deployments.
	AlternateTargetGroupFullName *string
	// Fargate is the ECS service itself.
	Fargate ecs.FargateService
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

	// The database variables of sampleapi/contract.json. config rejects
	// user variables with these names. No password: the tasks sign in with
	// IAM tokens, and verify the server against the RDS CA (pinned on the
	// instance, its root embedded in the image).
	db := map[string]string{
		"DB_HOST":    *p.Database.DbInstanceEndpointAddress(),
		"DB_PORT":    strconv.Itoa(p.DatabasePort),
		"DB_NAME":    p.DatabaseName,
		"DB_SSLMODE": "verify-full",
	}
	env := map[string]string{
		"PORT":        strconv.Itoa(p.ContainerPort),
		"DB_USERNAME": p.RuntimeUsername,
		"DB_AUTH":     "iam",
		"AWS_REGION":  *awscdk.Aws_REGION(),
	}
	// tracingVariables are sampleapi/contract.json's tracing variables,
	// which the migration task gets too.
	tracingVariables := []string{"TRACING_ENDPOINT", "TRACING_SAMPLE_RATE", "TRACING_SERVICE_NAME"}
	if p.Tracing {
		// sampleapi/contract.json's tracing variables: the collector
		// sidecar's receiver, and the task family (app name and profile) as
		// the service's name in the traces.
		env["TRACING_ENDPOINT"] = appconstructs.TracesEndpoint
		env["TRACING_SAMPLE_RATE"] = strconv.FormatFloat(p.TracingSampleRate, 'f', -1, 64)
		env["TRACING_SERVICE_NAME"] = p.TaskFamily
	}
	maps.Copy(env, p.Environment)
	maps.Copy(env, db)

	var accessLogs awss3.IBucket
	if p.ALBAccessLogs {
		accessLogs = newAccessLogBucket(stack)
	}

	image := containerImage(stack, p)
	subnets := &ec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)}
	taskSG := tasksSecurityGroup(stack, "TaskSecurityGroup", "Service tasks", p)
	service := p.Settings
	service.Environment = env
	web := appconstructs.NewLoadBalancedService(stack, "Web", appconstructs.LoadBalancedServiceProps{
		Settings:          service,
		Cluster:           cluster,
		Image:             image,
		Subnets:           subnets,
		SecurityGroup:     taskSG,
		EnvironmentReason: "environment holds only non-secret settings (port, database host, port, name and runtime user, TLS and auth mode, region, user-supplied config); the tasks sign in with IAM tokens and hold no password",
		AccessLogBucket:   accessLogs,
	})
	// rds-db:connect for exactly the runtime user of this instance
	// (arn:...:dbuser:<DbiResourceId>/<user>).
	p.Database.GrantConnect(web.TaskDefinition.TaskRole(), jsii.String(p.RuntimeUsername))

	if migrate := p.MigrationArgs(); len(migrate) > 0 {
		migrationSG := tasksSecurityGroup(stack, "MigrationSecurityGroup", "Migration task", p)
		migrationEnv := map[string]string{"DB_RUNTIME_USERNAME": p.RuntimeUsername}
		for _, k := range tracingVariables {
			if v, ok := env[k]; ok {
				migrationEnv[k] = v
			}
		}
		maps.Copy(migrationEnv, p.Environment)
		maps.Copy(migrationEnv, db)
		migration := appconstructs.NewOneOffTask(stack, "Migration", appconstructs.OneOffTaskProps{
			Cluster:       cluster,
			Image:         image,
			Command:       migrate,
			ContainerName: "migrate",
			ARM64:         p.CPUArchitecture == fargate.ARM,
			Environment:   migrationEnv,
			// Only this task's execution role may read the master secret.
			Secrets: map[string]ecs.Secret{
				"DB_USERNAME": ecs.Secret_FromSecretsManager(p.DatabaseMasterSecret, jsii.String("username")),
				"DB_PASSWORD": ecs.Secret_FromSecretsManager(p.DatabaseMasterSecret, jsii.String("password")),
			},
			Subnets:          subnets,
			SecurityGroup:    migrationSG,
			LogRetentionDays: p.LogRetentionDays,
			Tracing:          p.Settings,
		})
		// The service moves to a new task definition only after the
		// migration run succeeded; a failed run fails the deploy first.
		web.Service.Node().AddDependency(migration.Run)
		// No hotswap may roll a new image out without its migration: the
		// image is shared, so a code change changes both task definitions,
		// and `cdk watch` / `cdk deploy --hotswap` would register the
		// service's new revision directly and skip the custom resource. A
		// value only CloudFormation can resolve (an attribute of the run)
		// in the service's container definitions stops that: the CDK CLI
		// evaluates the new definitions itself, cannot read a custom
		// resource's attributes, and gives up the whole stack's hotswap
		// (docs/operations.md, "The fast loop").
		web.TaskDefinition.DefaultContainer().AddDockerLabel(jsii.String(MigrationRunLabel), migration.Run.GetAttString(jsii.String("TaskArn")))
		suppressOneOffTask(migration, len(p.Environment) > 0)
	}
	if accessLogs == nil {
		appconstructs.Suppress(web.LoadBalancer, appconstructs.Suppression{
			Rule:   "AwsSolutions-ELB2",
			Reason: "ALB access log delivery must name the region's ELB log-delivery principal, unknown in an environment-agnostic stack; set app:account and app:region to turn access logs on. API Gateway access logs record every request that reaches this internal ALB",
		})
	}

	awscdk.NewCfnOutput(stack, jsii.String("InternalAlbDnsName"), &awscdk.CfnOutputProps{
		Description: jsii.String("DNS name of the internal ALB: it resolves to private addresses, reachable only from inside the VPC (the API reaches it through the VPC link)"),
		Value:       web.LoadBalancer.LoadBalancerDnsName(),
	})

	var alternate *string
	if web.TrafficShift != nil {
		alternate = web.TrafficShift.AlternateTargetGroup.TargetGroupFullName()
	}
	return &Service{
		Stack:                        stack,
		Cluster:                      cluster,
		Listener:                     web.Listener,
		LoadBalancer:                 web.LoadBalancer,
		LoadBalancerFullName:         web.LoadBalancerFullName,
		TargetGroupFullName:          web.TargetGroupFullName,
		Fargate:                      web.Service,
		AlternateTargetGroupFullName: alternate,
	}
}

// tasksSecurityGroup creates a tasks' security group that may reach the
// database on its port and HTTPS, and nothing else unless p.OpenEgress. The
// rules that land on the database's and the endpoints' groups are created
// here, in the dependent stack, so the database stack never references
// this one. HTTPS goes to any address rather than to the endpoints' group
// alone, because ECR image layers come from S3 through the gateway
// endpoint, whose prefix list an environment-agnostic template cannot
// name; without a NAT gateway no route leads further anyway.
func tasksSecurityGroup(stack awscdk.Stack, id, who string, p ServiceProps) ec2.SecurityGroup {
	sg := ec2.NewSecurityGroup(stack, jsii.String(id), &ec2.SecurityGroupProps{
		Vpc:              p.VPC,
		Description:      jsii.String(who + ": egress to PostgreSQL and HTTPS only, unless app:openEgress"),
		AllowAllOutbound: jsii.Bool(p.OpenEgress),
	})
	sg.Connections().AllowTo(p.Database, ec2.Port_Tcp(jsii.Number(p.DatabasePort)), jsii.String(who+" to PostgreSQL"))
	if p.Endpoints != nil {
		sg.Connections().AllowTo(p.Endpoints, ec2.Port_Tcp(jsii.Number(443)), jsii.String(who+" to VPC endpoints"))
	}
	if p.OpenEgress {
		awscdk.Annotations_Of(sg).AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:ipv4IgnoreEgressRule"),
			jsii.String("app:openEgress: the tasks' egress is open on purpose"))
	} else {
		sg.AddEgressRule(ec2.Peer_AnyIpv4(), ec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS: AWS APIs (STS, Secrets Manager, CloudWatch Logs) and image registries"), nil)
	}
	return sg
}

// MigrationRunLabel is the service container's Docker label that holds the
// ARN of the migration run its revision follows.
const MigrationRunLabel = "migration-run"

// suppressOneOffTask accepts the migration runner's cdk-nag findings that
// come from how AWS and CDK build such resources, each with its reason.
func suppressOneOffTask(t *appconstructs.OneOffTask, userEnvironment bool) {
	appconstructs.Suppress(t.TaskDefinition, appconstructs.Suppression{
		Rule:   "AwsSolutions-ECS2",
		Reason: "environment holds only non-secret settings (database host, port, name, TLS mode, runtime user name" + map[bool]string{true: ", user-supplied config", false: ""}[userEnvironment] + "); the master credentials arrive as ECS secrets",
	})
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
