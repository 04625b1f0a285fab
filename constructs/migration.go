package constructs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	cr "github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/constructs/fargate"
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
	// Tracing, when its Tracing field is set, runs the same OpenTelemetry
	// collector sidecar as the service's tasks (sized by its Collector
	// fields, logs kept LogRetentionDays), so the run's spans are exported
	// before the task stops. Default: none.
	Tracing fargate.Settings
}

// OneOffTask is an ECS task definition that CloudFormation runs to
// completion whenever the task definition changes: a custom resource (CDK
// provider framework in its asynchronous mode, inline handlers, see package
// runtask) starts the task on Create and Update, polls it and fails the
// deployment unless the container exits 0 within RunTimeoutMinutes. Make
// the resources that must come after the run depend on Run. An unchanged
// task definition means an unchanged custom resource, so a deploy that
// changes nothing runs nothing.
type OneOffTask struct {
	constructs.Construct
	TaskDefinition ecs.FargateTaskDefinition
	// Run is the custom resource whose creation or update is the task's run.
	Run awscdk.CustomResource
}

// RunTimeoutMinutes bounds one run. CloudFormation waits at most an hour
// for a custom resource (its ServiceTimeout, 3600 s by default and at
// most); the handler stops the task and fails the deploy after 50 minutes,
// leaving the provider framework's own time-out (totalTimeout, 55 minutes)
// as a backstop that would report no reason.
const RunTimeoutMinutes = 50

const (
	providerTotalTimeoutMinutes = 55
	// pollSeconds is how often the framework asks isComplete: a run takes a
	// minute or more (Fargate start, image pull). Each poll is two Lambda
	// invocations (the framework's isComplete function calls the check
	// handler) and one state transition (a retry of the waiter's task state;
	// Step Functions bills each retry as a transition).
	pollSeconds = 15
)

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
	container := task.AddContainer(jsii.String(p.ContainerName), &ecs.ContainerDefinitionOptions{
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

	if p.Tracing.Tracing {
		// Not essential, so the task stops when the run's container exits
		// (the check handler reads that container's exit code by name); ECS
		// then stops the collector, which exports what it holds on SIGTERM.
		collector := p.Tracing
		collector.LogRetentionDays = p.LogRetentionDays
		container.AddContainerDependencies(&ecs.ContainerDependency{
			Container: addCollector(c, task, collector),
			Condition: ecs.ContainerDependencyCondition_START,
		})
	}

	// Both handlers are entry points of package runtask's inline code; each
	// call is quick (one ECS API call or two).
	handler := func(id, entry, description string, env map[string]*string) awslambda.Function {
		return awslambda.NewFunction(c, jsii.String(id), &awslambda.FunctionProps{
			Runtime:     awslambda.Runtime_NODEJS_24_X(),
			Handler:     jsii.String("index." + entry),
			Code:        awslambda.Code_FromInline(jsii.String(runtask.Handler)),
			Timeout:     awscdk.Duration_Minutes(jsii.Number(1)),
			Description: jsii.String(description),
			Environment: &env,
			LogGroup:    NewLogGroup(c, id+"Logs", p.LogRetentionDays),
		})
	}
	fn := handler("Handler", "onEvent", "Starts the one-off ECS task "+id+" for CloudFormation", nil)
	check := handler("Check", "isComplete", "Reports whether the one-off ECS task "+id+" exited, and with which code",
		map[string]*string{"RUN_TIMEOUT_MINUTES": jsii.String(fmt.Sprint(RunTimeoutMinutes))})
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
	// The run's task in either ARN format RunTask may return: the long one
	// names the cluster (task/CLUSTER/ID); an account still on the short one
	// gets task/ID, allowed here only on the ecs:cluster condition key, which
	// DescribeTasks and StopTask support (Service Authorization Reference,
	// Amazon ECS). Two statements, so the long format does not hang on how
	// the condition is evaluated.
	watch := jsii.Strings("ecs:DescribeTasks", "ecs:StopTask")
	check.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: watch,
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("ecs"), Resource: jsii.String("task"),
			ResourceName: jsii.String(*p.Cluster.ClusterName() + "/*"),
		})),
	}))
	check.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: watch,
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("ecs"), Resource: jsii.String("task"), ResourceName: jsii.String("*"),
		})),
		Conditions: &map[string]any{
			"ArnEquals": map[string]any{"ecs:cluster": p.Cluster.ClusterArn()},
		},
	}))
	// RunTask hands the task its two roles.
	task.ObtainExecutionRole().GrantPassRole(fn.GrantPrincipal())
	task.TaskRole().GrantPassRole(fn.GrantPrincipal())

	provider := cr.NewProvider(c, jsii.String("Provider"), &cr.ProviderProps{
		OnEventHandler:    fn,
		IsCompleteHandler: check,
		QueryInterval:     awscdk.Duration_Seconds(jsii.Number(pollSeconds)),
		TotalTimeout:      awscdk.Duration_Minutes(jsii.Number(providerTotalTimeoutMinutes)),
		LogGroup:          NewLogGroup(c, "ProviderLogs", p.LogRetentionDays),
		// The framework's waiter logs state transitions, not their data: the
		// input carries CloudFormation's presigned response URL.
		DisableWaiterStateMachineLogging: jsii.Bool(false),
		WaiterStateMachineLogOptions: &cr.LogOptions{
			Destination:          NewVendedLogGroup(c, "WaiterLogs", "states", id+"-waiter", p.LogRetentionDays),
			Level:                sfn.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(false),
		},
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
	// Partition, region and account are tokens, or literals in a pinned environment.
	const ecsARN = "^Resource::arn:(<AWS::Partition>|[a-z-]+):ecs:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):"
	Suppress(fn, basicExecution, Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "ecs:RunTask is limited to this task definition's family (any revision, so a rollback can run the previous one) on this cluster",
		AppliesTo: []string{"/" + ecsARN + "task-definition/[^:]+:\\*$/"},
	})
	Suppress(check, basicExecution, Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "ecs:DescribeTasks and ecs:StopTask are limited to tasks of this cluster (by ARN, or by the ecs:cluster condition for short task ARNs, which do not name the cluster), whose IDs are unknown before the run",
		AppliesTo: []string{"/" + ecsARN + "task/<[^>]+>/\\*$/", "/" + ecsARN + "task/\\*$/"},
	})
	Suppress(provider, basicExecution, Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "the CDK provider framework invokes the two handler functions, any version (<arn>:*), and nothing else",
		AppliesTo: []string{"/^Resource::<.+\\.Arn>:\\*$/"},
	})
	// aws-cdk-lib's waiter: a state machine whose one task calls check every
	// pollSeconds until it completes or the total time-out passes.
	waiter := provider.Node().TryFindChild(jsii.String("waiter-state-machine"))
	if waiter == nil {
		panic(fmt.Errorf("OneOffTask %s: aws-cdk-lib's provider framework has no waiter-state-machine child any more; review the suppressions on it", *c.Node().Path()))
	}
	Suppress(waiter, Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "Step Functions' logging to CloudWatch Logs: the log-delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) take no resource-level permissions; this is the policy the Step Functions developer guide gives for logging",
		AppliesTo: []string{"Resource::*"},
	}, Suppression{
		Rule:   "AwsSolutions-SF2",
		Reason: "aws-cdk-lib's provider-framework waiter has no tracing option; its one task, a Lambda call every " + fmt.Sprint(pollSeconds) + " s, is logged by the state machine (level ALL) and by the function",
	})
	Suppress(task.ObtainExecutionRole(), Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "ecr:GetAuthorizationToken supports only Resource \"*\" (no resource-level permissions); image pulls themselves are scoped to the repository",
		AppliesTo: []string{"Resource::*"},
	})

	return &OneOffTask{Construct: c, TaskDefinition: task, Run: run}
}
