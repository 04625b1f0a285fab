package constructs

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cloudwatch "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	ecspatterns "github.com/aws/aws-cdk-go/awscdk/v2/awsecspatterns"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/constructs/fargate"
)

// ecsStrategy maps a fargate strategy to ECS's DeploymentConfiguration.Strategy.
var ecsStrategy = map[string]ecs.DeploymentStrategy{
	fargate.Rolling:   ecs.DeploymentStrategy_ROLLING,
	fargate.Canary:    ecs.DeploymentStrategy_CANARY,
	fargate.Linear:    ecs.DeploymentStrategy_LINEAR,
	fargate.BlueGreen: ecs.DeploymentStrategy_BLUE_GREEN,
}

// ShiftedServiceSuffix ends the ECS service's logical ID under a
// traffic-shifting strategy. Switching between Rolling and the others changes
// the ID, so CloudFormation replaces the service (new one up first, old one
// deleted last) instead of updating it in place: see addTrafficShift.
const ShiftedServiceSuffix = "Shifted"

// TrafficShift is what a traffic-shifting strategy adds to the service.
type TrafficShift struct {
	// AlternateTargetGroup receives the new revision while the primary
	// target group serves the old one; ECS swaps their roles on every
	// deployment.
	AlternateTargetGroup elbv2.ApplicationTargetGroup
	// ProductionRule forwards every request on the listener, weighted
	// between the two target groups; ECS shifts the weights.
	ProductionRule elbv2.ApplicationListenerRule
	// Role is what ECS assumes to register targets and shift the weights.
	Role awsiam.Role
	// RollbackAlarms watch the new revision (see newRevisionAlarm).
	RollbackAlarms []cloudwatch.Alarm
}

// addTrafficShift configures pattern's service for a canary, linear or
// blue/green deployment. ApplicationLoadBalancedFargateService has no props
// for the strategy (aws-cdk#35467) and creates the FargateService itself, so
// the strategy's settings reach the service's L1 resource; everything else
// (target group, listener rule, role, alarms) is built with typed constructs.
//
// Traffic path: the listener (what the HTTP API's VPC link targets) keeps its
// default action; a rule matching every path forwards weighted between the
// primary and the alternate target group, starting at 100/0. ECS moves the
// weights during a deployment, so clients notice nothing.
func addTrafficShift(c constructs.Construct, pattern ecspatterns.ApplicationLoadBalancedFargateService, p LoadBalancedServiceProps, alb elbv2.ApplicationLoadBalancer) *TrafficShift {
	primary := pattern.TargetGroup()
	alternate := elbv2.NewApplicationTargetGroup(c, jsii.String("AlternateTargetGroup"), &elbv2.ApplicationTargetGroupProps{
		Vpc:         p.Cluster.Vpc(),
		Port:        jsii.Number(80),
		Protocol:    elbv2.ApplicationProtocol_HTTP,
		TargetType:  elbv2.TargetType_IP,
		HealthCheck: healthCheck(p.Settings),
	})
	alternate.SetAttribute(jsii.String("deregistration_delay.timeout_seconds"), jsii.String(strconv.Itoa(DeregistrationDelay)))

	rule := newProductionRule(c, pattern.Listener(), elbv2.ListenerAction_WeightedForward(&[]*elbv2.WeightedTargetGroup{
		{TargetGroup: primary, Weight: jsii.Number(100)},
		{TargetGroup: alternate, Weight: jsii.Number(0)},
	}, nil))

	// Least privilege instead of AmazonECSInfrastructureRolePolicyForLoadBalancers,
	// which allows the same actions on every target group, listener and rule
	// in the account.
	role := awsiam.NewRole(c, jsii.String("TrafficShiftRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ecs.amazonaws.com"), nil),
		Description: jsii.String("ECS registers the new revision in the alternate target group and shifts the production listener rule's weights"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DescribeLoadBalancing"),
		Actions:   jsii.Strings("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"),
		Resources: jsii.Strings("*"),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("RegisterTasks"),
		Actions:   jsii.Strings("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"),
		Resources: &[]*string{primary.TargetGroupArn(), alternate.TargetGroupArn()},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ShiftTraffic"),
		Actions:   jsii.Strings("elasticloadbalancing:ModifyRule"),
		Resources: &[]*string{rule.ListenerRuleArn()},
	}))
	// The managed policy grants ModifyListener too; the ECS docs do not say
	// whether a rule-based shift ever calls it, so the one listener may be
	// modified rather than risk a deployment stuck on AccessDenied.
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ModifyListener"),
		Actions:   jsii.Strings("elasticloadbalancing:ModifyListener"),
		Resources: &[]*string{pattern.Listener().ListenerArn()},
	}))
	Suppress(role, Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "elasticloadbalancing:Describe* actions support only Resource \"*\" (no resource-level permissions); every modifying action is scoped to this service's two target groups, its listener and its production rule",
		AppliesTo: []string{"Resource::*"},
	})

	service := pattern.Service()
	cfn := service.Node().DefaultChild().(ecs.CfnService)
	// Typed composition of the ARNs ECS needs; the pattern attached the
	// primary target group itself, so the result reaches the L1 property.
	target := ecs.NewAlternateTarget(jsii.String("Alternate"), &ecs.AlternateTargetProps{
		AlternateTargetGroup: alternate,
		ProductionListener:   ecs.ListenerRuleConfiguration_ApplicationListenerRule(rule),
		Role:                 role,
	}).Bind(c)
	// No typed path: the pattern's FargateService takes the alternate target only at construction.
	cfn.AddPropertyOverride(jsii.String("LoadBalancers.0.AdvancedConfiguration"), map[string]any{
		"AlternateTargetGroupArn": target.AlternateTargetGroupArn,
		"ProductionListenerRule":  target.ProductionListenerRule,
		"RoleArn":                 target.RoleArn,
	})
	// No typed path: DeploymentStrategy, BakeTime and the canary/linear shapes are FargateServiceProps only.
	cfn.AddPropertyOverride(jsii.String("DeploymentConfiguration.Strategy"), string(ecsStrategy[p.DeploymentStrategy]))
	cfn.AddPropertyOverride(jsii.String("DeploymentConfiguration.BakeTimeInMinutes"), p.DeploymentBakeMinutes)
	switch p.DeploymentStrategy {
	case fargate.Canary:
		cfn.AddPropertyOverride(jsii.String("DeploymentConfiguration.CanaryConfiguration"), map[string]any{
			"CanaryPercent":           p.CanaryPercent,
			"CanaryBakeTimeInMinutes": p.CanaryBakeMinutes,
		})
	case fargate.Linear:
		cfn.AddPropertyOverride(jsii.String("DeploymentConfiguration.LinearConfiguration"), map[string]any{
			"StepPercent":           p.LinearStepPercent,
			"StepBakeTimeInMinutes": p.LinearStepBakeMinutes,
		})
	}
	// ECS moves production traffic with the rule's weights, and the alternate
	// target group is attached to the ALB only through that rule; the role's
	// policy must exist before ECS uses it, and while a deployment runs.
	service.Node().AddDependency(rule, role)
	// Switching between rolling and traffic shifting replaces the service:
	// after a shifted deployment ECS may have left production on the
	// alternate target group, which an in-place switch to rolling would
	// empty. A new service starts beside the old one, the production rule
	// (kept under rolling, see forwardToPrimaryAfter) moves to it, and the
	// old one goes last, in CloudFormation's cleanup phase.
	cfn.OverrideLogicalId(jsii.String(*awscdk.Stack_Of(c).GetLogicalId(cfn) + ShiftedServiceSuffix))

	shift := &TrafficShift{AlternateTargetGroup: alternate, ProductionRule: rule, Role: role}
	targets := [2]elbv2.ApplicationTargetGroup{primary, alternate}
	for i, name := range []string{"Primary", "Alternate"} {
		tg, other := targets[i], targets[1-i]
		if p.Rollback5xxPerMinute > 0 {
			shift.RollbackAlarms = append(shift.RollbackAlarms, newRevisionAlarm(c, name+"NewRevision5xx", alb, tg, other,
				"HTTPCode_Target_5XX_Count", "Sum", float64(p.Rollback5xxPerMinute),
				fmt.Sprintf("The new revision answers more than %d 5xx per minute: ECS rolls the deployment back", p.Rollback5xxPerMinute)))
		}
		if p.RollbackResponseP99Ms > 0 {
			shift.RollbackAlarms = append(shift.RollbackAlarms, newRevisionAlarm(c, name+"NewRevisionLatency", alb, tg, other,
				"TargetResponseTime", "p99", float64(p.RollbackResponseP99Ms)/1000,
				fmt.Sprintf("The new revision's p99 response time exceeds %d ms: ECS rolls the deployment back", p.RollbackResponseP99Ms)))
		}
	}
	if len(shift.RollbackAlarms) > 0 {
		names := make([]*string, len(shift.RollbackAlarms))
		// A literal name list, not tokens: see newRevisionAlarm.
		for i, a := range shift.RollbackAlarms {
			names[i] = jsii.String(*awscdk.Stack_Of(c).StackName() + "-" + *c.Node().Id() + "-" + *a.Node().Id())
		}
		service.EnableDeploymentAlarms(&names, &ecs.DeploymentAlarmOptions{Behavior: ecs.AlarmBehavior_ROLLBACK_ON_ALARM})
		// The names carry no reference: without the dependency the service
		// could be created or updated before its alarms exist, and ECS would
		// watch alarms it cannot find (as on the rolling path, service.go).
		for _, a := range shift.RollbackAlarms {
			service.Node().AddDependency(a)
		}
	}
	return shift
}

// newRevisionAlarm watches one target group's metric only while that target
// group serves the new revision of a deployment in progress. ECS alternates
// the two target groups (the new revision goes to whichever served no
// traffic before), so neither is "the new one" for good, and CloudWatch
// cannot ask ECS. What it can see is traffic: during a shift, the new
// revision serves the smaller share (a canary is below half by validation;
// linear steps until half), and after the full shift it serves everything
// while the old revision's tasks are still registered, healthy and idle (the
// bake). So the metric counts when this target group has requests and either
// the smaller share, or all of them while the other one still has healthy
// targets. It reads 0 in steady state (the other group is empty) and while
// the old revision serves the larger share, so an outage of the old revision
// does not roll back a fix. The one blind spot, the seconds between the new
// tasks turning healthy and the first shift, is shorter than the 3 of 5 bad
// minutes the alarm needs.
// NewRevisionExpression is newRevisionAlarm's metric math: value counts only
// while this target group ("mine") serves the new revision. theirs and
// theirHealthy are the other group's requests and healthy targets.
const NewRevisionExpression = "IF(FILL(mine, 0) > 0 AND ((FILL(theirs, 0) > 0 AND FILL(mine, 0) < FILL(theirs, 0)) OR (FILL(theirs, 0) == 0 AND FILL(theirHealthy, 0) > 0)), FILL(value, 0), 0)"

func newRevisionAlarm(scope constructs.Construct, id string, alb elbv2.ApplicationLoadBalancer, tg, other elbv2.ApplicationTargetGroup, metric, stat string, threshold float64, description string) cloudwatch.Alarm {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	m := func(tg elbv2.ApplicationTargetGroup, name, stat string) cloudwatch.IMetric {
		return cloudwatch.NewMetric(&cloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/ApplicationELB"),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{"LoadBalancer": alb.LoadBalancerFullName(), "TargetGroup": tg.TargetGroupFullName()},
			Period:        minute,
			Statistic:     jsii.String(stat),
		})
	}
	expr := cloudwatch.NewMathExpression(&cloudwatch.MathExpressionProps{
		Expression: jsii.String(NewRevisionExpression),
		UsingMetrics: &map[string]cloudwatch.IMetric{
			"mine":         m(tg, "RequestCount", "Sum"),
			"theirs":       m(other, "RequestCount", "Sum"),
			"theirHealthy": m(other, "HealthyHostCount", "Minimum"),
			"value":        m(tg, metric, stat),
		},
		Label:  jsii.String(metric + " of the new revision"),
		Period: minute,
	})
	return cloudwatch.NewAlarm(scope, jsii.String(id), &cloudwatch.AlarmProps{
		// A physical name, as for the rolling alarm (service.go): ECS refers
		// to deployment alarms by name, and a generated one makes
		// enableDeploymentAlarms report a possible circular dependency.
		AlarmName:          jsii.String(*awscdk.Stack_Of(scope).StackName() + "-" + *scope.Node().Id() + "-" + id),
		AlarmDescription:   jsii.String(description),
		Metric:             expr,
		Threshold:          jsii.Number(threshold),
		ComparisonOperator: cloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(5),
		DatapointsToAlarm:  jsii.Number(3),
		TreatMissingData:   cloudwatch.TreatMissingData_NOT_BREACHING,
	})
}

// healthCheck is the target groups' health check: a new task is healthy
// 2 × 5 s after it answers, a broken one is out after 2 × 5 s. docs/operations.md
// ("Deploys") has the arithmetic.
func healthCheck(s fargate.Settings) *elbv2.HealthCheck {
	return &elbv2.HealthCheck{
		Path:                    jsii.String(s.HealthCheckPath),
		HealthyHttpCodes:        jsii.String("200"),
		Interval:                awscdk.Duration_Seconds(jsii.Number(HealthCheckIntervalSeconds)),
		Timeout:                 awscdk.Duration_Seconds(jsii.Number(4)),
		HealthyThresholdCount:   jsii.Number(2),
		UnhealthyThresholdCount: jsii.Number(2),
	}
}

// scaleOnRequestsAcrossTargetGroups replaces the request-count scaling
// policy's metric. The predefined ALBRequestCountPerTarget is bound to one
// target group, which goes idle after every other traffic-shifting
// deployment (aws/containers-roadmap#1681). Instead: all requests on the
// ALB (it serves only this service) per running task (Container Insights,
// which the cluster must have on).
func scaleOnRequestsAcrossTargetGroups(scaling ecs.ScalableTaskCount, service ecs.FargateService, cluster ecs.ICluster, alb elbv2.ApplicationLoadBalancer, requestsPerTask int) {
	scaling.ScaleToTrackCustomMetric(jsii.String("Requests"), &ecs.TrackCustomMetricProps{
		Metric: cloudwatch.NewMetric(&cloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/ApplicationELB"),
			MetricName:    jsii.String("RequestCount"),
			DimensionsMap: &map[string]*string{"LoadBalancer": alb.LoadBalancerFullName()},
			Statistic:     jsii.String("Sum"),
		}),
		TargetValue: jsii.Number(requestsPerTask),
	})
	// BaseScalableAttribute creates its policies under its scalable target.
	policy := scaling.Node().FindChild(jsii.String("Target")).Node().FindChild(jsii.String("Requests")).Node().DefaultChild().(awscdk.CfnResource)
	// No typed path: TargetTrackingScalingPolicy renders a single metric, not the metric math this needs.
	spec := "TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification."
	for _, field := range []string{"MetricName", "Namespace", "Statistic", "Dimensions"} {
		policy.AddPropertyDeletionOverride(jsii.String(spec + field))
	}
	policy.AddPropertyOverride(jsii.String(spec+"Metrics"), []any{
		map[string]any{"Id": "requests", "ReturnData": false, "MetricStat": map[string]any{
			"Stat": "Sum",
			"Metric": map[string]any{"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "Dimensions": []any{
				map[string]any{"Name": "LoadBalancer", "Value": alb.LoadBalancerFullName()},
			}},
		}},
		map[string]any{"Id": "tasks", "ReturnData": false, "MetricStat": map[string]any{
			"Stat": "Average",
			"Metric": map[string]any{"Namespace": "ECS/ContainerInsights", "MetricName": "RunningTaskCount", "Dimensions": []any{
				map[string]any{"Name": "ClusterName", "Value": cluster.ClusterName()},
				map[string]any{"Name": "ServiceName", "Value": service.ServiceName()},
			}},
		}},
		map[string]any{"Id": "perTask", "Expression": "requests / tasks", "Label": "ALB requests per running task", "ReturnData": true},
	})
}
