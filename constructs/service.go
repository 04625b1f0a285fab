package constructs

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	appscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	cloudwatch "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	ecspatterns "github.com/aws/aws-cdk-go/awscdk/v2/awsecspatterns"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DeregistrationDelay is how long the ALB keeps sending in-flight requests to
// a task it is draining. CDK's default of 300 s makes every rolling deploy
// wait five minutes per step; API requests finish in well under 30 s.
const DeregistrationDelay = 30

// HealthCheckIntervalSeconds is how often the ALB checks each task.
const HealthCheckIntervalSeconds = 5

// LoadBalancedServiceProps configures a LoadBalancedService. Every field
// without a documented default is required.
type LoadBalancedServiceProps struct {
	Cluster ecs.ICluster
	// Image is what the container runs.
	Image         ecs.ContainerImage
	Family        string
	ContainerName string
	// ARM64 selects Graviton tasks; false is X86_64.
	ARM64     bool
	CPU       int
	MemoryMiB int
	Port      int
	// HealthCheckPath is requested by the ALB target group health check.
	HealthCheckPath string
	// Environment holds plain, non-secret variables. Default: none.
	Environment map[string]string
	// Secrets are injected by ECS at task start from Secrets Manager or SSM,
	// so they never appear in the template or the task definition. Default: none.
	Secrets map[string]ecs.Secret
	// ReadonlyRootFilesystem mounts the root filesystem read-only.
	ReadonlyRootFilesystem bool
	DesiredCount           int
	MinCapacity            int
	MaxCapacity            int
	CPUTargetPercent       int
	RequestsPerTarget      int
	LogRetentionDays       int
	// AccessLogBucket receives the ALB's access logs. Default: none; the ALB
	// needs a concrete region to grant log delivery, so environment-agnostic
	// stacks cannot have them.
	AccessLogBucket awss3.IBucket
	// Subnets hold the ALB and the tasks.
	Subnets *ec2.SubnetSelection
	// EnableExecuteCommand turns on ECS Exec; the cluster must log sessions.
	EnableExecuteCommand bool
	// FargateSpot keeps one task on regular Fargate and weighs the rest 3:1
	// onto Fargate Spot. The cluster must have the Fargate capacity providers.
	FargateSpot bool
	// Rollback5xxPerMinute rolls a deployment back when the new tasks answer
	// more than this many 5xx per minute for 3 of 5 minutes. 0: no alarm.
	Rollback5xxPerMinute int
}

// LoadBalancedService is an ECS Fargate service behind an internal
// Application Load Balancer, built on ecspatterns.ApplicationLoadBalancedFargateService
// with the defaults a production API needs: private subnets without public
// IPs, no listener open to the world, deployment circuit breaker with
// rollback, fast target deregistration, container logs that expire, and
// autoscaling on CPU and on requests per task.
type LoadBalancedService struct {
	constructs.Construct
	Service  ecspatterns.ApplicationLoadBalancedFargateService
	Listener elbv2.IApplicationListener
	// LoadBalancer offers Connections, so callers grant access SG-to-SG
	// rather than by CIDR, and Metrics.
	LoadBalancer elbv2.IApplicationLoadBalancer
	TargetGroup  elbv2.IApplicationTargetGroup
	// LoadBalancerFullName and TargetGroupFullName are the ALB metrics'
	// dimensions.
	LoadBalancerFullName *string
	TargetGroupFullName  *string
}

// NewLoadBalancedService creates the service, its task definition and its ALB.
func NewLoadBalancedService(scope constructs.Construct, id string, p LoadBalancedServiceProps) *LoadBalancedService {
	c := constructs.NewConstruct(scope, jsii.String(id))

	arch := ecs.CpuArchitecture_X86_64()
	if p.ARM64 {
		arch = ecs.CpuArchitecture_ARM64()
	}
	task := ecs.NewFargateTaskDefinition(c, jsii.String("Task"), &ecs.FargateTaskDefinitionProps{
		Family:         jsii.String(p.Family),
		Cpu:            jsii.Number(p.CPU),
		MemoryLimitMiB: jsii.Number(p.MemoryMiB),
		RuntimePlatform: &ecs.RuntimePlatform{
			CpuArchitecture:       arch,
			OperatingSystemFamily: ecs.OperatingSystemFamily_LINUX(),
		},
	})
	logs := NewLogGroup(c, "Logs", p.LogRetentionDays)
	task.AddContainer(jsii.String(p.ContainerName), &ecs.ContainerDefinitionOptions{
		ContainerName:          jsii.String(p.ContainerName),
		Image:                  p.Image,
		Essential:              jsii.Bool(true),
		PortMappings:           &[]*ecs.PortMapping{{ContainerPort: jsii.Number(p.Port), Protocol: ecs.Protocol_TCP}},
		Environment:            stringMap(p.Environment),
		Secrets:                &p.Secrets,
		ReadonlyRootFilesystem: jsii.Bool(p.ReadonlyRootFilesystem),
		// ECS sends SIGTERM, waits this long, then SIGKILL. Matching the ALB's
		// deregistration delay lets in-flight requests finish.
		StopTimeout: awscdk.Duration_Seconds(jsii.Number(DeregistrationDelay)),
		Logging: ecs.LogDrivers_AwsLogs(&ecs.AwsLogDriverProps{
			LogGroup:     logs,
			StreamPrefix: jsii.String(p.ContainerName),
			Mode:         ecs.AwsLogDriverMode_NON_BLOCKING,
		}),
	})

	vpc := p.Cluster.Vpc()
	alb := elbv2.NewApplicationLoadBalancer(c, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     vpc,
		InternetFacing:          jsii.Bool(false),
		VpcSubnets:              p.Subnets,
		DropInvalidHeaderFields: jsii.Bool(true),
	})
	if p.AccessLogBucket != nil {
		alb.LogAccessLogs(p.AccessLogBucket, jsii.String("alb"))
	}

	var capacity *[]*ecs.CapacityProviderStrategy
	if p.FargateSpot {
		capacity = &[]*ecs.CapacityProviderStrategy{
			{CapacityProvider: jsii.String("FARGATE"), Base: jsii.Number(1), Weight: jsii.Number(1)},
			{CapacityProvider: jsii.String("FARGATE_SPOT"), Weight: jsii.Number(3)},
		}
	}
	svc := ecspatterns.NewApplicationLoadBalancedFargateService(c, jsii.String("Service"), &ecspatterns.ApplicationLoadBalancedFargateServiceProps{
		Cluster:            p.Cluster,
		TaskDefinition:     task,
		LoadBalancer:       alb,
		PublicLoadBalancer: jsii.Bool(false),
		// Only the API's VPC link may reach the ALB; the caller adds that rule.
		OpenListener:      jsii.Bool(false),
		ListenerPort:      jsii.Number(80),
		TaskSubnets:       p.Subnets,
		AssignPublicIp:    jsii.Bool(false),
		DesiredCount:      jsii.Number(p.DesiredCount),
		MinHealthyPercent: jsii.Number(100),
		MaxHealthyPercent: jsii.Number(200),
		CircuitBreaker:    &ecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		// Covers the sample API's bounded wait for the database at start (STARTUP_TIMEOUT, 60 s).
		HealthCheckGracePeriod:     awscdk.Duration_Seconds(jsii.Number(60)),
		PropagateTags:              ecs.PropagatedTagSource_SERVICE,
		EnableECSManagedTags:       jsii.Bool(true),
		EnableExecuteCommand:       jsii.Bool(p.EnableExecuteCommand),
		CapacityProviderStrategies: capacity,
	})

	tg := svc.TargetGroup()
	tg.SetAttribute(jsii.String("deregistration_delay.timeout_seconds"), jsii.String(strconv.Itoa(DeregistrationDelay)))
	// A new task is healthy 2 × 5 s after it answers; a broken one is out
	// after 2 × 5 s. README.md ("Deploys") has the arithmetic of a rolling step.
	tg.ConfigureHealthCheck(&elbv2.HealthCheck{
		Path:                    jsii.String(p.HealthCheckPath),
		HealthyHttpCodes:        jsii.String("200"),
		Interval:                awscdk.Duration_Seconds(jsii.Number(HealthCheckIntervalSeconds)),
		Timeout:                 awscdk.Duration_Seconds(jsii.Number(4)),
		HealthyThresholdCount:   jsii.Number(2),
		UnhealthyThresholdCount: jsii.Number(2),
	})

	if p.Rollback5xxPerMinute > 0 {
		// The circuit breaker catches tasks that never become healthy; this
		// alarm catches tasks that are healthy but fail requests.
		rollback := cloudwatch.NewAlarm(c, jsii.String("Rollback5xx"), &cloudwatch.AlarmProps{
			AlarmDescription: jsii.String("Tasks answer 5xx: ECS rolls a deployment in progress back"),
			Metric: tg.Metrics().HttpCodeTarget(elbv2.HttpCodeTarget_TARGET_5XX_COUNT, &cloudwatch.MetricOptions{
				Period:    awscdk.Duration_Minutes(jsii.Number(1)),
				Statistic: jsii.String("Sum"),
			}),
			Threshold:          jsii.Number(p.Rollback5xxPerMinute),
			ComparisonOperator: cloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(5),
			DatapointsToAlarm:  jsii.Number(3),
			TreatMissingData:   cloudwatch.TreatMissingData_NOT_BREACHING,
		})
		svc.Service().EnableDeploymentAlarms(&[]*string{rollback.AlarmName()}, &ecs.DeploymentAlarmOptions{
			Behavior: ecs.AlarmBehavior_ROLLBACK_ON_ALARM,
		})
	}

	scaling := svc.Service().AutoScaleTaskCount(&appscaling.EnableScalingProps{
		MinCapacity: jsii.Number(p.MinCapacity),
		MaxCapacity: jsii.Number(p.MaxCapacity),
	})
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &ecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(p.CPUTargetPercent),
	})
	scaling.ScaleOnRequestCount(jsii.String("Requests"), &ecs.RequestCountScalingProps{
		RequestsPerTarget: jsii.Number(p.RequestsPerTarget),
		TargetGroup:       tg,
	})

	// The execution role may read the image registry and the injected
	// secrets; ecr:GetAuthorizationToken has no resource-level permissions.
	Suppress(task.ObtainExecutionRole(), Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "ecr:GetAuthorizationToken supports only Resource \"*\" (no resource-level permissions); image pulls themselves are scoped to the repository",
		AppliesTo: []string{"Resource::*"},
	})
	if len(p.Environment) > 0 || len(p.Secrets) > 0 {
		Suppress(task, Suppression{
			Rule:   "AwsSolutions-ECS2",
			Reason: "environment holds only non-secret settings (port, database host, port and name, TLS mode and user-supplied config); credentials arrive as ECS secrets from Secrets Manager",
		})
	}
	if p.EnableExecuteCommand {
		Suppress(task.TaskRole(), Suppression{
			Rule:   "AwsSolutions-IAM5",
			Reason: "ECS Exec's ssmmessages channel actions and logs:DescribeLogGroups support only Resource \"*\"; session log streams are created under the one exec log group",
			AppliesTo: []string{
				"Resource::*",
				`/^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<ExecLogs[0-9A-F]+>:\*$/`,
			},
		})
	}
	if p.AccessLogBucket == nil {
		Suppress(alb, Suppression{
			Rule:   "AwsSolutions-ELB2",
			Reason: "ALB access log delivery must name the region's ELB log-delivery principal, unknown in an environment-agnostic stack; set app:account and app:region to turn access logs on. API Gateway access logs record every request that reaches this internal ALB",
		})
	}

	return &LoadBalancedService{
		Construct:            c,
		Service:              svc,
		Listener:             svc.Listener(),
		LoadBalancer:         alb,
		TargetGroup:          tg,
		LoadBalancerFullName: alb.LoadBalancerFullName(),
		TargetGroupFullName:  tg.TargetGroupFullName(),
	}
}

func stringMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}
