package constructs

import (
	"fmt"
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

	"github.com/example/fargate-api/constructs/fargate"
)

// DeregistrationDelay is how long the ALB keeps sending in-flight requests to
// a task it is draining. CDK's default of 300 s makes every rolling deploy
// wait five minutes per step; API requests finish in well under 30 s.
const DeregistrationDelay = 30

// HealthCheckIntervalSeconds is how often the ALB checks each task.
const HealthCheckIntervalSeconds = 5

// LoadBalancedServiceProps configures a LoadBalancedService.
type LoadBalancedServiceProps struct {
	// Settings are the plain settings: sizes, counts, health check,
	// autoscaling, logs. Zero fields take the defaults documented there.
	fargate.Settings
	// Cluster runs the service; the ALB goes into its VPC. Required.
	Cluster ecs.ICluster
	// Image is what the container runs. Required.
	Image ecs.ContainerImage
	// Subnets hold the ALB and the tasks. Default: the VPC's private subnets
	// with egress.
	Subnets *ec2.SubnetSelection
	// SecurityGroup is the tasks' security group. Default: a new one with
	// open egress.
	SecurityGroup ec2.ISecurityGroup
	// Secrets are injected by ECS at task start from Secrets Manager or SSM,
	// so they never appear in the template or the task definition. Default: none.
	Secrets map[string]ecs.Secret
	// EnvironmentReason says why Environment holds nothing secret; it is the
	// reason recorded for cdk-nag's AwsSolutions-ECS2 finding (plain
	// container environment variables). Default: a generic statement that
	// secrets arrive through Secrets.
	EnvironmentReason string
	// AccessLogBucket receives the ALB's access logs. Default: none; cdk-nag
	// then reports AwsSolutions-ELB2 on the ALB for the caller to accept with
	// its own reason (log delivery needs a concrete region, so
	// environment-agnostic stacks cannot have them).
	AccessLogBucket awss3.IBucket
}

// validate applies the defaults to a copy of p and checks it.
func (p LoadBalancedServiceProps) validate() (LoadBalancedServiceProps, error) {
	p.Settings = p.Settings.WithDefaults()
	problems := p.Settings.Validate()
	if p.Cluster == nil {
		problems = append(problems, fargate.Problem{Field: "Cluster", Value: "nil", Allowed: "an ECS cluster"})
	}
	if p.Image == nil {
		problems = append(problems, fargate.Problem{Field: "Image", Value: "nil", Allowed: "a container image"})
	}
	if len(problems) > 0 {
		return p, fargate.Error(problems)
	}
	if p.EnvironmentReason == "" {
		p.EnvironmentReason = "the container environment holds only plain, non-secret settings; secrets reach the container as ECS secrets"
	}
	return p, nil
}

// LoadBalancedService is an ECS Fargate service behind an internal
// Application Load Balancer, built on ecspatterns.ApplicationLoadBalancedFargateService
// with the defaults a production API needs: private subnets without public
// IPs, no listener open to the world, deployment circuit breaker with
// rollback (rolling and blue/green) or rollback alarms, fast target deregistration, container logs that expire, and
// autoscaling on CPU and on requests per task.
type LoadBalancedService struct {
	constructs.Construct
	// Service is the ECS service; its Connections are the tasks' security group.
	Service        ecs.FargateService
	TaskDefinition ecs.FargateTaskDefinition
	Listener       elbv2.IApplicationListener
	// LoadBalancer offers Connections, so callers grant access SG-to-SG
	// rather than by CIDR, and Metrics.
	LoadBalancer elbv2.IApplicationLoadBalancer
	TargetGroup  elbv2.IApplicationTargetGroup
	// LoadBalancerFullName and TargetGroupFullName are the ALB metrics'
	// dimensions. TargetGroupFullName is the primary target group's; under
	// a traffic-shifting strategy production alternates between it and
	// TrafficShift.AlternateTargetGroup.
	LoadBalancerFullName *string
	TargetGroupFullName  *string
	// TrafficShift holds what a canary, linear or blue/green strategy adds;
	// nil for Rolling.
	TrafficShift *TrafficShift
}

// NewLoadBalancedService creates the service, its task definition and its
// ALB. Invalid props panic with an error that names each problem (CDK
// reports construct errors as panics in Go) before anything is created.
func NewLoadBalancedService(scope constructs.Construct, id string, props LoadBalancedServiceProps) *LoadBalancedService {
	p, err := props.validate()
	if err != nil {
		panic(fmt.Errorf("LoadBalancedService %s/%s: invalid props: %w", *scope.Node().Path(), id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))

	task := newLinuxTaskDefinition(c, p.TaskFamily, p.CPUArchitecture == fargate.ARM, p.CPU, p.MemoryMiB)
	logs := NewLogGroup(c, "Logs", p.LogRetentionDays)
	app := task.AddContainer(jsii.String(p.ContainerName), &ecs.ContainerDefinitionOptions{
		ContainerName:          jsii.String(p.ContainerName),
		Image:                  p.Image,
		Essential:              jsii.Bool(true),
		PortMappings:           &[]*ecs.PortMapping{{ContainerPort: jsii.Number(p.ContainerPort), Protocol: ecs.Protocol_TCP}},
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

	if p.Tracing {
		// The application starts once the collector has, so its first
		// spans find a receiver.
		app.AddContainerDependencies(&ecs.ContainerDependency{
			Container: addCollector(c, task, p.Settings),
			Condition: ecs.ContainerDependencyCondition_START,
		})
	}

	vpc := p.Cluster.Vpc()
	alb := elbv2.NewApplicationLoadBalancer(c, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     vpc,
		InternetFacing:          jsii.Bool(false),
		VpcSubnets:              p.Subnets,
		DropInvalidHeaderFields: jsii.Bool(true),
		DeletionProtection:      jsii.Bool(p.LoadBalancerDeletionProtection),
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
	pattern := ecspatterns.NewApplicationLoadBalancedFargateService(c, jsii.String("Service"), &ecspatterns.ApplicationLoadBalancedFargateServiceProps{
		Cluster:            p.Cluster,
		TaskDefinition:     task,
		LoadBalancer:       alb,
		PublicLoadBalancer: jsii.Bool(false),
		// Nothing reaches the ALB until the caller allows a security group.
		OpenListener: jsii.Bool(false),
		// The only place the listener's port is stated: the VPC link's rule
		// takes it from the listener. Plain HTTP: the ALB is internal and
		// reached only through the VPC link; API Gateway terminates TLS.
		ListenerPort:   jsii.Number(80),
		TaskSubnets:    p.Subnets,
		SecurityGroups: securityGroups(p.SecurityGroup),
		AssignPublicIp: jsii.Bool(false),
		// No DesiredCount: CloudFormation sends it with every service update,
		// resetting whatever the autoscaler scaled to. Left unset, ECS creates
		// the service with 1 task, registering the scalable target raises it
		// to MinCapacity, and updates leave the count alone (docs/design.md, "Autoscaling
		// owns the task count"). ecs-patterns in CDK v2 omits it when unset.
		MinHealthyPercent:          jsii.Number(100),
		MaxHealthyPercent:          jsii.Number(200),
		CircuitBreaker:             circuitBreaker(p.DeploymentStrategy),
		HealthCheckGracePeriod:     awscdk.Duration_Seconds(jsii.Number(p.HealthCheckGracePeriodSeconds)),
		PropagateTags:              ecs.PropagatedTagSource_SERVICE,
		EnableECSManagedTags:       jsii.Bool(true),
		EnableExecuteCommand:       jsii.Bool(p.EnableExecuteCommand),
		CapacityProviderStrategies: capacity,
	})

	tg := pattern.TargetGroup()
	tg.SetAttribute(jsii.String("deregistration_delay.timeout_seconds"), jsii.String(strconv.Itoa(DeregistrationDelay)))
	tg.ConfigureHealthCheck(healthCheck(p.Settings))

	var shift *TrafficShift
	if p.ShiftsTraffic() {
		shift = addTrafficShift(c, pattern, p, alb)
	} else {
		forwardToPrimaryAfter(c, pattern)
	}
	if !p.ShiftsTraffic() && p.Rollback5xxPerMinute > 0 {
		// The circuit breaker catches tasks that never become healthy; this
		// alarm catches tasks that are healthy but fail requests.
		// A physical name, not the CloudFormation-generated one: ECS refers to
		// the alarm by name, and with a generated name (a Ref) aws-cdk-lib's
		// enableDeploymentAlarms prints "may cause a circular dependency" on
		// every synth. That INFO is raised with Annotations.addInfo, which
		// has no ID, so neither Annotations.acknowledgeInfo nor
		// Validations.acknowledge can silence it; a name that is a plain
		// string does not raise it. There is no cycle either way: the alarm
		// watches the target group, not the service (aws-ecs README,
		// "Troubleshooting circular dependencies", option 1). The stack name
		// keeps it unique in the account and region.
		alarmName := *awscdk.Stack_Of(c).StackName() + "-" + id + "-Rollback5xx"
		rollback := cloudwatch.NewAlarm(c, jsii.String("Rollback5xx"), &cloudwatch.AlarmProps{
			AlarmName:        jsii.String(alarmName),
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
		pattern.Service().EnableDeploymentAlarms(&[]*string{jsii.String(alarmName)}, &ecs.DeploymentAlarmOptions{
			Behavior: ecs.AlarmBehavior_ROLLBACK_ON_ALARM,
		})
		// The name no longer carries the reference: create the alarm first.
		pattern.Service().Node().AddDependency(rollback)
	}

	scaling := pattern.Service().AutoScaleTaskCount(&appscaling.EnableScalingProps{
		MinCapacity: jsii.Number(p.MinCapacity),
		MaxCapacity: jsii.Number(p.MaxCapacity),
	})
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &ecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(p.CPUTargetPercent),
	})
	if shift != nil {
		scaleOnRequestsAcrossTargetGroups(scaling, pattern.Service(), p.Cluster, alb, p.RequestsPerTarget)
	} else {
		scaling.ScaleOnRequestCount(jsii.String("Requests"), &ecs.RequestCountScalingProps{
			RequestsPerTarget: jsii.Number(p.RequestsPerTarget),
			TargetGroup:       tg,
		})
	}

	// The execution role may read the image registry and the injected
	// secrets; ecr:GetAuthorizationToken has no resource-level permissions.
	Suppress(task.ObtainExecutionRole(), Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "ecr:GetAuthorizationToken supports only Resource \"*\" (no resource-level permissions); image pulls themselves are scoped to the repository",
		AppliesTo: []string{"Resource::*"},
	})
	if len(p.Environment) > 0 || len(p.Secrets) > 0 {
		Suppress(task, Suppression{Rule: "AwsSolutions-ECS2", Reason: p.EnvironmentReason})
	}
	if p.EnableExecuteCommand {
		Suppress(task.TaskRole(), Suppression{
			Rule:   "AwsSolutions-IAM5",
			Reason: "ECS Exec's ssmmessages channel actions and logs:DescribeLogGroups support only Resource \"*\"; session log streams are created under the one exec log group",
			AppliesTo: []string{
				"Resource::*",
				// Tokens in an environment-agnostic stack, concrete values in a pinned one.
				`/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):logs:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):log-group:<ExecLogs[0-9A-F]+>:\*$/`,
			},
		})
	}
	// ecs-patterns adds LoadBalancerDNS and ServiceURL outputs, printed by
	// every deploy under hash-suffixed names; the URL is http:// to an ALB
	// nobody outside the VPC can reach. The caller outputs what users need.
	for _, id := range []string{"LoadBalancerDNS", "ServiceURL"} {
		pattern.Node().TryRemoveChild(jsii.String(id))
	}
	return &LoadBalancedService{
		Construct:            c,
		Service:              pattern.Service(),
		TaskDefinition:       task,
		Listener:             pattern.Listener(),
		LoadBalancer:         alb,
		TargetGroup:          tg,
		LoadBalancerFullName: alb.LoadBalancerFullName(),
		TargetGroupFullName:  tg.TargetGroupFullName(),
		TrafficShift:         shift,
	}
}

// forwardToPrimaryAfter keeps the production listener rule (see
// addTrafficShift) under Rolling, forwarding every request to the primary
// target group, and makes it wait for the service. This orders a switch from
// canary, linear or blue/green back to rolling, when the last shifted
// deployment may have left production on the alternate target group:
// CloudFormation creates the new (rolling) service, whose tasks register in
// the primary group; then updates this rule (same logical ID, so an update,
// not a replacement) to send everything there; and only in its cleanup phase,
// after every create and update, deletes the old service and the alternate
// group, which no longer receive traffic. Without the rule, the old service
// would drain while a deleted-last rule still sent every request to its group.
//
// An L1 rule at the L2 rule's path (ProductionRule/Resource, the same logical
// ID): the L2 rule would register itself with the target group, making every
// service attached to that group depend on it, a cycle with the dependency
// here.
func forwardToPrimaryAfter(c constructs.Construct, pattern ecspatterns.ApplicationLoadBalancedFargateService) {
	scope := constructs.NewConstruct(c, jsii.String(ProductionRuleID))
	rule := elbv2.NewCfnListenerRule(scope, jsii.String("Resource"), &elbv2.CfnListenerRuleProps{
		ListenerArn: pattern.Listener().ListenerArn(),
		Priority:    jsii.Number(1),
		Conditions: &[]any{&elbv2.CfnListenerRule_RuleConditionProperty{
			Field:             jsii.String("path-pattern"),
			PathPatternConfig: &elbv2.CfnListenerRule_PathPatternConfigProperty{Values: jsii.Strings("/*")},
		}},
		Actions: &[]any{&elbv2.CfnListenerRule_ActionProperty{
			Type:           jsii.String("forward"),
			TargetGroupArn: pattern.TargetGroup().TargetGroupArn(),
		}},
	})
	rule.Node().AddDependency(pattern.Service())
}

// ProductionRuleID is the production listener rule's construct ID under every
// strategy: the rule must keep its logical ID across a strategy switch.
const ProductionRuleID = "ProductionRule"

// newProductionRule is the rule matching every path on the listener the HTTP
// API's VPC link targets, at the highest priority.
func newProductionRule(c constructs.Construct, listener elbv2.ApplicationListener, action elbv2.ListenerAction) elbv2.ApplicationListenerRule {
	return elbv2.NewApplicationListenerRule(c, jsii.String(ProductionRuleID), &elbv2.ApplicationListenerRuleProps{
		Listener:   listener,
		Priority:   jsii.Number(1),
		Conditions: &[]elbv2.ListenerCondition{elbv2.ListenerCondition_PathPatterns(jsii.Strings("/*"))},
		Action:     action,
	})
}

// circuitBreaker is the deployment circuit breaker for a strategy: on, with
// rollback, where AWS documents it (the ECS developer guide, "Amazon ECS
// deployment failure detection": "Both methods only support rolling update
// deployment and blue/green deployment types"); explicitly off for canary
// and linear, which roll back on their alarms (see addTrafficShift). Off
// rather than absent, so an update from a template that had it on turns it
// off whatever CloudFormation does with a removed property.
func circuitBreaker(strategy string) *ecs.DeploymentCircuitBreaker {
	on := strategy == fargate.Rolling || strategy == fargate.BlueGreen
	return &ecs.DeploymentCircuitBreaker{Enable: jsii.Bool(on), Rollback: jsii.Bool(on)}
}

// newLinuxTaskDefinition creates the Fargate task definition "Task" under
// scope for Linux on x86_64 or, with arm64, Graviton. An empty family lets
// CDK derive one.
func newLinuxTaskDefinition(scope constructs.Construct, family string, arm64 bool, cpu, memoryMiB int) ecs.FargateTaskDefinition {
	arch := ecs.CpuArchitecture_X86_64()
	if arm64 {
		arch = ecs.CpuArchitecture_ARM64()
	}
	return ecs.NewFargateTaskDefinition(scope, jsii.String("Task"), &ecs.FargateTaskDefinitionProps{
		Family:         optionalString(family),
		Cpu:            jsii.Number(cpu),
		MemoryLimitMiB: jsii.Number(memoryMiB),
		RuntimePlatform: &ecs.RuntimePlatform{
			CpuArchitecture:       arch,
			OperatingSystemFamily: ecs.OperatingSystemFamily_LINUX(),
		},
	})
}

// optionalString is nil for "", so CDK applies its own default.
func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}

func stringMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}

func securityGroups(sg ec2.ISecurityGroup) *[]ec2.ISecurityGroup {
	if sg == nil {
		return nil
	}
	return &[]ec2.ISecurityGroup{sg}
}
