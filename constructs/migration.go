package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	cr "github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/constructs/runtask"
)

// OneOffTaskProps configures a OneOffTask.
type OneOffTaskProps struct {
	// Cluster runs the task. Required.
	Cluster ecs.ICluster
	// Image and Command are what the container runs: Command replaces the
	// image's CMD, so it is the argument list of its ENTRYPOINT. Required.
	Image   ecs.ContainerImage
	Command []string
	// ContainerName names the task's only container. Default: "task".
	ContainerName string
	// CPU and MemoryMiB size the task (a Fargate pair). Default: 256 and 512.
	CPU       int
	MemoryMiB int
	// ARM64 runs the task on Graviton; it must match the image. Default: X86_64.
	ARM64 bool
	// Environment and Secrets reach the container as in any task definition.
	Environment map[string]string
	Secrets     map[string]ecs.Secret
	// Subnets and SecurityGroup place the task; it gets no public IP.
	// Required.
	Subnets       *ec2.SubnetSelection
	SecurityGroup ec2.ISecurityGroup
	// LogRetentionDays is how long the task's and the handler's logs are kept.
	LogRetentionDays int
}

// OneOffTask is an ECS task definition that CloudFormation runs to
// completion whenever the task definition changes: a custom resource (CDK
// provider framework, inline handler, see package runtask) starts the task
// on Create and Update, waits for it and fails the deployment unless the
// container exits 0. Make the resources that must come after the run
// depend on Run. An unchanged task definition means an unchanged custom
// resource, so a deploy that changes nothing runs nothing.
type OneOffTask struct {
	constructs.Construct
	TaskDefinition ecs.FargateTaskDefinition
	// Run is the custom resource whose creation or update is the task's run.
	Run awscdk.CustomResource
}

// handlerTimeout bounds one run: a Lambda function runs at most 15 minutes,
// and the handler gives up (failing the deploy) 15 s before that.
const handlerTimeout = 15

// NewOneOffTask creates the task definition and the custom resource that runs it.
func NewOneOffTask(scope constructs.Construct, id string, p OneOffTaskProps) *OneOffTask {
	if p.Cluster == nil || p.Image == nil || len(p.Command) == 0 || p.Subnets == nil || p.SecurityGroup == nil {
		panic(fmt.Errorf("OneOffTask %s/%s: Cluster, Image, Command, Subnets and SecurityGroup are required", *scope.Node().Path(), id))
	}
	if p.ContainerName == "" {
		p.ContainerName = "task"
	}
	if p.CPU == 0 {
		p.CPU, p.MemoryMiB = 256, 512
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)

	task := newLinuxTaskDefinition(c, "", p.ARM64, p.CPU, p.MemoryMiB)
	logs := NewLogGroup(c, "Logs", p.LogRetentionDays)
	task.AddContainer(jsii.String(p.ContainerName), &ecs.ContainerDefinitionOptions{
		ContainerName:          jsii.String(p.ContainerName),
		Image:                  p.Image,
		Essential:              jsii.Bool(true),
		Command:                jsii.Strings(p.Command...),
		Environment:            stringMap(p.Environment),
		Secrets:                &p.Secrets,
		ReadonlyRootFilesystem: jsii.Bool(true),
		Logging: ecs.LogDrivers_AwsLogs(&ecs.AwsLogDriverProps{
			LogGroup:     logs,
			StreamPrefix: jsii.String(p.ContainerName),
		}),
	})

	fn := awslambda.NewFunction(c, jsii.String("Handler"), &awslambda.FunctionProps{
		Runtime:     awslambda.Runtime_NODEJS_24_X(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(runtask.Handler)),
		Timeout:     awscdk.Duration_Minutes(jsii.Number(handlerTimeout)),
		Description: jsii.String("Runs the one-off ECS task " + id + " for CloudFormation and waits for its exit code"),
		LogGroup:    NewLogGroup(c, "HandlerLogs", p.LogRetentionDays),
	})
	// Any revision of this family: during a rollback CloudFormation runs the
	// previous revision again, possibly before this policy is rolled back.
	family := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ecs"), Resource: jsii.String("task-definition"),
		ResourceName: jsii.String(*task.Family() + ":*"),
	})
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:RunTask"),
		Resources: jsii.Strings(*family),
		Conditions: &map[string]any{
			"ArnEquals": map[string]any{"ecs:cluster": p.Cluster.ClusterArn()},
		},
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ecs:DescribeTasks"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("ecs"), Resource: jsii.String("task"),
			ResourceName: jsii.String(*p.Cluster.ClusterName() + "/*"),
		})),
	}))
	// RunTask hands the task its two roles.
	task.ObtainExecutionRole().GrantPassRole(fn.GrantPrincipal())
	task.TaskRole().GrantPassRole(fn.GrantPrincipal())

	provider := cr.NewProvider(c, jsii.String("Provider"), &cr.ProviderProps{
		OnEventHandler: fn,
		LogGroup:       NewLogGroup(c, "ProviderLogs", p.LogRetentionDays),
	})

	subnets := p.Cluster.Vpc().SelectSubnets(p.Subnets).SubnetIds
	run := awscdk.NewCustomResource(c, jsii.String("Run"), &awscdk.CustomResourceProps{
		ServiceToken: provider.ServiceToken(),
		ResourceType: jsii.String("Custom::OneOffTask"),
		Properties: &map[string]any{
			// The revision ARN changes with the image, command or
			// environment: that, and only that, triggers a new run.
			"TaskDefinition": task.TaskDefinitionArn(),
			"Cluster":        p.Cluster.ClusterArn(),
			"Subnets":        subnets,
			"SecurityGroups": []*string{p.SecurityGroup.SecurityGroupId()},
			"Container":      p.ContainerName,
			"LogGroup":       logs.LogGroupName(),
		},
	})

	basicExecution := Suppression{
		Rule:      "AwsSolutions-IAM4",
		Reason:    "AWSLambdaBasicExecutionRole grants only logs:CreateLogGroup, CreateLogStream and PutLogEvents, what any Lambda function needs to write its logs",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
	}
	Suppress(fn, basicExecution, Suppression{
		Rule:   "AwsSolutions-IAM5",
		Reason: "ecs:RunTask is limited to this task definition's family (any revision, so a rollback can run the previous one) on this cluster; ecs:DescribeTasks to tasks of this cluster, whose IDs are unknown before the run",
		AppliesTo: []string{
			// Partition, region and account are tokens, or literals in a pinned environment.
			"/^Resource::arn:(<AWS::Partition>|[a-z-]+):ecs:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):task-definition/[^:]+:\\*$/",
			"/^Resource::arn:(<AWS::Partition>|[a-z-]+):ecs:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):task/<[^>]+>/\\*$/",
		},
	})
	Suppress(provider, basicExecution, Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "the CDK provider framework invokes the one handler function, any version (<arn>:*), and nothing else",
		AppliesTo: []string{"/^Resource::<.+\\.Arn>:\\*$/"},
	})
	Suppress(task.ObtainExecutionRole(), Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "ecr:GetAuthorizationToken supports only Resource \"*\" (no resource-level permissions); image pulls themselves are scoped to the repository",
		AppliesTo: []string{"Resource::*"},
	})

	return &OneOffTask{Construct: c, TaskDefinition: task, Run: run}
}
