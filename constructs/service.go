package constructs

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	appscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
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
	// LoadBalancer is exposed as Connections so callers grant access
	// SG-to-SG rather than by CIDR.
	LoadBalancer elbv2.IApplicationLoadBalancer
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
		Secrets:                secretMap(p.Secrets),
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
	privateSubnets := &ec2.SubnetSelection{SubnetType: ec2.SubnetType_PRIVATE_WITH_EGRESS}
	alb := elbv2.NewApplicationLoadBalancer(c, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     vpc,
		InternetFacing:          jsii.Bool(false),
		VpcSubnets:              privateSubnets,
		DropInvalidHeaderFields: jsii.Bool(true),
	})
	if p.AccessLogBucket != nil {
		alb.LogAccessLogs(p.AccessLogBucket, jsii.String("alb"))
	}

	svc := ecspatterns.NewApplicationLoadBalancedFargateService(c, jsii.String("Service"), &ecspatterns.ApplicationLoadBalancedFargateServiceProps{
		Cluster:            p.Cluster,
		TaskDefinition:     task,
		LoadBalancer:       alb,
		PublicLoadBalancer: jsii.Bool(false),
		// Only the API's VPC link may reach the ALB; the caller adds that rule.
		OpenListener:      jsii.Bool(false),
		ListenerPort:      jsii.Number(80),
		TaskSubnets:       privateSubnets,
		AssignPublicIp:    jsii.Bool(false),
		DesiredCount:      jsii.Number(p.DesiredCount),
		MinHealthyPercent: jsii.Number(100),
		MaxHealthyPercent: jsii.Number(200),
		CircuitBreaker:    &ecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		// Covers the sample API's bounded wait for the database at start (STARTUP_TIMEOUT, 60 s).
		HealthCheckGracePeriod: awscdk.Duration_Seconds(jsii.Number(60)),
		PropagateTags:          ecs.PropagatedTagSource_SERVICE,
		EnableECSManagedTags:   jsii.Bool(true),
	})

	tg := svc.TargetGroup()
	tg.SetAttribute(jsii.String("deregistration_delay.timeout_seconds"), jsii.String(strconv.Itoa(DeregistrationDelay)))
	tg.ConfigureHealthCheck(&elbv2.HealthCheck{
		Path:                    jsii.String(p.HealthCheckPath),
		HealthyHttpCodes:        jsii.String("200"),
		Interval:                awscdk.Duration_Seconds(jsii.Number(10)),
		Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
		HealthyThresholdCount:   jsii.Number(2),
		UnhealthyThresholdCount: jsii.Number(3),
	})

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
	if p.AccessLogBucket == nil {
		Suppress(alb, Suppression{
			Rule:   "AwsSolutions-ELB2",
			Reason: "ALB access log delivery must name the region's ELB log-delivery principal, unknown in an environment-agnostic stack; set app:account and app:region to turn access logs on. API Gateway access logs record every request that reaches this internal ALB",
		})
	}

	return &LoadBalancedService{
		Construct:    c,
		Service:      svc,
		Listener:     svc.Listener(),
		LoadBalancer: alb,
	}
}

func stringMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}

func secretMap(m map[string]ecs.Secret) *map[string]ecs.Secret {
	out := make(map[string]ecs.Secret, len(m))
	for k, v := range m {
		out[k] = v
	}
	return &out
}
