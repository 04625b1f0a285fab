package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	apigwv2 "github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	cloudwatch "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	cwactions "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/stacks/settings"
)

// MonitoringProps configures the Monitoring stack. Thresholds are per minute
// unless they say otherwise.
type MonitoringProps struct {
	awscdk.StackProps
	API apigwv2.IHttpApi
	// LoadBalancerFullName and TargetGroupFullName are the ALB metrics'
	// dimensions ("app/name/id", "targetgroup/name/id").
	LoadBalancerFullName *string
	TargetGroupFullName  *string
	Service              ecs.FargateService
	Database             rds.IDatabaseInstance
	// NATInstanceAlarms are the Network stack's alarms on its NAT instances'
	// status checks; each gets a composite alarm here that notifies the
	// topic. Default: none (NAT gateways, or no NAT).
	NATInstanceAlarms []cloudwatch.IAlarm
	// AlternateTargetGroupFullName is the service's second target group
	// under a traffic-shifting deployment strategy; production alternates
	// between the two, so the ALB graphs and alarms then cover both.
	// Default: nil (one target group).
	AlternateTargetGroupFullName *string
	// Settings are the alarm e-mail address and thresholds.
	settings.Monitoring
	// TracedService is the service.name of the service's traces when
	// app:tracing is on: the dashboard then links to them. Default: ""
	// (no traces, no link).
	TracedService string
}

// Monitoring holds the alarms on every hop of the request path, the SNS
// topic they notify, and one dashboard that follows a request from the API
// to the database. It depends on all other stacks and nothing depends on it,
// so it can change without touching them.
type Monitoring struct {
	awscdk.Stack
	Topic     awssns.ITopic
	Alarms    []cloudwatch.Alarm
	Dashboard cloudwatch.Dashboard
}

// NewMonitoring creates the Monitoring stack.
func NewMonitoring(scope constructs.Construct, id string, p MonitoringProps) *Monitoring {
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)
	m := &Monitoring{Stack: stack}

	// CloudWatch alarms cannot publish to a topic encrypted with the
	// AWS-managed alias/aws/sns key (its policy does not admit them), so the
	// topic gets a key of its own whose policy does.
	cloudwatchPrincipal := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	sameAccount := &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}}
	key := awskms.NewKey(stack, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the alarm topic; CloudWatch alarms may use it to publish"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudwatchPrincipal},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: sameAccount,
	}), nil)
	m.Topic = awssns.NewTopic(stack, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("Fargate API alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	// The topic policy replaces SNS's default one, so say who may publish.
	m.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudwatchPrincipal},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{m.Topic.TopicArn()},
		Conditions: sameAccount,
	}))
	if p.AlarmEmail != "" {
		m.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
	}

	minute := awscdk.Duration_Minutes(jsii.Number(1))
	opts := func(stat string) *cloudwatch.MetricOptions {
		return &cloudwatch.MetricOptions{Period: minute, Statistic: jsii.String(stat)}
	}
	apiRequests := p.API.MetricCount(opts("Sum"))
	api5xx := p.API.MetricServerError(opts("Sum"))
	api5xxRate := cloudwatch.NewMathExpression(&cloudwatch.MathExpressionProps{
		Expression:   jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]cloudwatch.IMetric{"errors": api5xx, "requests": apiRequests},
		Label:        jsii.String("API 5xx %"),
		Period:       minute,
	})
	apiLatency := p.API.MetricLatency(opts("p99"))
	// Built from the full names rather than through the target group's
	// Metrics(), which derives the ALB's name by splitting the listener ARN
	// here, an expression cfn-lint cannot type across stacks.
	alb := func(name, stat string) cloudwatch.IMetric {
		return cloudwatch.NewMetric(&cloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/ApplicationELB"),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{"LoadBalancer": p.LoadBalancerFullName, "TargetGroup": p.TargetGroupFullName},
			Period:        minute,
			Statistic:     jsii.String(stat),
		})
	}
	target5xx := alb("HTTPCode_Target_5XX_Count", "Sum")
	unhealthy := alb("UnHealthyHostCount", "Maximum")
	healthy := alb("HealthyHostCount", "Minimum")
	responseTime := alb("TargetResponseTime", "p99")
	requests := alb("RequestCount", "Sum")
	requestsPerTask := alb("RequestCountPerTarget", "Sum")
	connectionErrors := alb("TargetConnectionErrorCount", "Sum")
	if p.AlternateTargetGroupFullName != nil {
		// The ALB serves only this service: its load-balancer-wide metrics
		// cover both target groups. Host counts exist per target group only.
		lb := func(name, stat string) cloudwatch.IMetric {
			return cloudwatch.NewMetric(&cloudwatch.MetricProps{
				Namespace:     jsii.String("AWS/ApplicationELB"),
				MetricName:    jsii.String(name),
				DimensionsMap: &map[string]*string{"LoadBalancer": p.LoadBalancerFullName},
				Period:        minute,
				Statistic:     jsii.String(stat),
			})
		}
		both := func(id, name, stat, combine, label string) cloudwatch.IMetric {
			perGroup := func(tg *string) cloudwatch.IMetric {
				return cloudwatch.NewMetric(&cloudwatch.MetricProps{
					Namespace:     jsii.String("AWS/ApplicationELB"),
					MetricName:    jsii.String(name),
					DimensionsMap: &map[string]*string{"LoadBalancer": p.LoadBalancerFullName, "TargetGroup": tg},
					Period:        minute,
					Statistic:     jsii.String(stat),
				})
			}
			return cloudwatch.NewMathExpression(&cloudwatch.MathExpressionProps{
				Expression:   jsii.String(fmt.Sprintf("%s([FILL(%[2]sPrimary, 0), FILL(%[2]sAlternate, 0)])", combine, id)),
				UsingMetrics: &map[string]cloudwatch.IMetric{id + "Primary": perGroup(p.TargetGroupFullName), id + "Alternate": perGroup(p.AlternateTargetGroupFullName)},
				Label:        jsii.String(label),
				Period:       minute,
			})
		}
		target5xx = lb("HTTPCode_Target_5XX_Count", "Sum")
		responseTime = lb("TargetResponseTime", "p99")
		requests = lb("RequestCount", "Sum")
		connectionErrors = lb("TargetConnectionErrorCount", "Sum")
		unhealthy = both("unhealthy", "UnHealthyHostCount", "Maximum", "MAX", "Unhealthy tasks")
		healthy = both("healthy", "HealthyHostCount", "Minimum", "SUM", "Healthy tasks")
		requestsPerTask = both("perTask", "RequestCountPerTarget", "Sum", "MAX", "Requests per task")
	}
	serviceCPU := p.Service.MetricCpuUtilization(opts("Average"))
	serviceMemory := p.Service.MetricMemoryUtilization(opts("Average"))
	dbCPU := p.Database.MetricCPUUtilization(opts("Average"))
	dbFree := p.Database.MetricFreeStorageSpace(opts("Minimum"))
	dbConnections := p.Database.MetricDatabaseConnections(opts("Maximum"))

	above, below := cloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, cloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD
	for _, a := range []struct {
		id, what  string
		metric    cloudwatch.IMetric
		threshold float64
		op        cloudwatch.ComparisonOperator
	}{
		{"Api5xxRate", fmt.Sprintf("API: more than %d%% of responses are 5xx", p.API5xxPercent), api5xxRate, float64(p.API5xxPercent), above},
		{"ApiLatency", fmt.Sprintf("API: p99 latency above %d ms", p.APILatencyP99Ms), apiLatency, float64(p.APILatencyP99Ms), above},
		{"Target5xx", fmt.Sprintf("ALB: tasks answer more than %d 5xx per minute", p.Target5xxPerMinute), target5xx, float64(p.Target5xxPerMinute), above},
		{"UnhealthyTasks", "ALB: a task fails its health check", unhealthy, 0, above},
		{"TargetResponseTime", fmt.Sprintf("ALB: tasks' p99 response time above %d ms", p.TargetResponseP99Ms), responseTime, float64(p.TargetResponseP99Ms) / 1000, above},
		{"ServiceCpu", fmt.Sprintf("ECS: service CPU above %d%%", p.ServiceCPUPercent), serviceCPU, float64(p.ServiceCPUPercent), above},
		{"ServiceMemory", fmt.Sprintf("ECS: service memory above %d%%", p.ServiceMemoryPercent), serviceMemory, float64(p.ServiceMemoryPercent), above},
		{"DatabaseCpu", fmt.Sprintf("RDS: CPU above %d%%", p.DBCPUPercent), dbCPU, float64(p.DBCPUPercent), above},
		{"DatabaseFreeStorage", fmt.Sprintf("RDS: less than %d GiB free storage", p.DBFreeStorageGiB), dbFree, float64(p.DBFreeStorageGiB) * (1 << 30), below},
		{"DatabaseConnections", fmt.Sprintf("RDS: more than %d connections", p.DBConnections), dbConnections, float64(p.DBConnections), above},
	} {
		alarm := cloudwatch.NewAlarm(stack, jsii.String(a.id), &cloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(a.what),
			Metric:             a.metric,
			Threshold:          jsii.Number(a.threshold),
			ComparisonOperator: a.op,
			// 3 bad minutes out of 5: a single spike does not page anyone.
			EvaluationPeriods: jsii.Number(5),
			DatapointsToAlarm: jsii.Number(3),
			TreatMissingData:  cloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarm.AddAlarmAction(cwactions.NewSnsAction(m.Topic))
		alarm.AddOkAction(cwactions.NewSnsAction(m.Topic))
		m.Alarms = append(m.Alarms, alarm)
	}
	var natAlarms []cloudwatch.CompositeAlarm
	for i, a := range p.NATInstanceAlarms {
		// A composite alarm on the Network stack's alarm rather than an alarm
		// on the instance ID: the alarm outlives a replaced instance, so
		// this stack never holds a stale ID or an export lock on it.
		alarm := cloudwatch.NewCompositeAlarm(stack, jsii.String(fmt.Sprintf("NatInstance%dStatus", i+1)), &cloudwatch.CompositeAlarmProps{
			AlarmDescription: jsii.String(fmt.Sprintf("NAT instance %d: status checks fail or report nothing (stopped), so the private subnets it serves have no egress", i+1)),
			AlarmRule:        cloudwatch.AlarmRule_FromAlarm(a, cloudwatch.AlarmState_ALARM),
		})
		alarm.AddAlarmAction(cwactions.NewSnsAction(m.Topic))
		alarm.AddOkAction(cwactions.NewSnsAction(m.Topic))
		natAlarms = append(natAlarms, alarm)
	}

	// One row per hop, in the order a request travels.
	var alarms []interfacesawscloudwatch.IAlarmRef
	for _, a := range m.Alarms {
		alarms = append(alarms, a)
	}
	for _, a := range natAlarms {
		alarms = append(alarms, a)
	}
	graph := func(title string, left []cloudwatch.IMetric, right []cloudwatch.IMetric) cloudwatch.IWidget {
		return cloudwatch.NewGraphWidget(&cloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Width: jsii.Number(8), Height: jsii.Number(6),
			Left: &left, Right: &right,
		})
	}
	none := []cloudwatch.IMetric{}
	rows := []*[]cloudwatch.IWidget{
		{cloudwatch.NewAlarmStatusWidget(&cloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String("Alarms"), Alarms: &alarms, Width: jsii.Number(24), Height: jsii.Number(3),
		})},
		{
			graph("1. API Gateway: requests and errors", []cloudwatch.IMetric{apiRequests}, []cloudwatch.IMetric{api5xx, p.API.MetricClientError(opts("Sum"))}),
			graph("1. API Gateway: latency p99 (ms)", []cloudwatch.IMetric{apiLatency, p.API.MetricIntegrationLatency(opts("p99"))}, none),
			graph("1. API Gateway: 5xx %", []cloudwatch.IMetric{api5xxRate}, none),
		},
		{
			graph("2. ALB: requests and task 5xx", []cloudwatch.IMetric{requests}, []cloudwatch.IMetric{target5xx}),
			graph("2. ALB: task response time p99 (s)", []cloudwatch.IMetric{responseTime}, none),
			graph("2. ALB: healthy and unhealthy tasks", []cloudwatch.IMetric{healthy, unhealthy}, none),
		},
		{
			graph("3. ECS service: CPU and memory (%)", []cloudwatch.IMetric{serviceCPU, serviceMemory}, none),
			graph("3. ECS service: requests per task", []cloudwatch.IMetric{requestsPerTask}, none),
			graph("3. ECS service: ALB connection errors", []cloudwatch.IMetric{connectionErrors}, none),
		},
		{
			graph("4. RDS: CPU (%) and connections", []cloudwatch.IMetric{dbCPU}, []cloudwatch.IMetric{dbConnections}),
			graph("4. RDS: free storage (bytes)", []cloudwatch.IMetric{dbFree}, none),
			graph("4. RDS: read and write IOPS", []cloudwatch.IMetric{p.Database.MetricReadIOPS(opts("Average")), p.Database.MetricWriteIOPS(opts("Average"))}, none),
		},
	}
	if p.TracedService != "" {
		rows = append(rows, &[]cloudwatch.IWidget{tracesWidget(p.TracedService)})
	}
	m.Dashboard = cloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &cloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
		Widgets:         &rows,
	})

	awscdk.NewCfnOutput(stack, jsii.String("DashboardUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("CloudWatch dashboard of the request path, API to database"),
		Value: awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("https://"), awscdk.Aws_REGION(), jsii.String(".console.aws.amazon.com/cloudwatch/home?region="), awscdk.Aws_REGION(), jsii.String("#dashboards:name="), m.Dashboard.DashboardName(),
		}),
	})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("SNS topic the alarms notify; subscribe more endpoints here"),
		Value:       m.Topic.TopicArn(),
	})
	return m
}

// tracesWidget links the dashboard to the service's traces and says how to
// get from a red graph to the slow request. CloudWatch's Transaction
// Search reads the spans the collector sends (all of the sampled ones, as
// logs in aws/spans); the console URL is the one AWS's own samples print,
// not checked against a live console here.
func tracesWidget(service string) cloudwatch.IWidget {
	search := "https://console.aws.amazon.com/cloudwatch/home?region=" + *awscdk.Aws_REGION() + "#application-signals:transaction-search"
	return cloudwatch.NewTextWidget(&cloudwatch.TextWidgetProps{
		Width: jsii.Number(24), Height: jsii.Number(4),
		Markdown: jsii.String("### 5. Traces: [Transaction Search](" + search + ") for service `" + service + "`\n" +
			"From a red graph or an alarm: open Transaction Search over the same minutes, filter on `service.name = " + service + "`, " +
			"sort the spans by duration (or keep status errors), open a trace: its server span is named by the route (`GET /users/{id}`), " +
			"its children are the queries with their SQL. From a log line: search its `trace_id`. " +
			"A trace starts at the ALB (its `X-Amzn-Trace-Id` is the trace ID): API Gateway HTTP APIs emit no traces. " +
			"Only the sampled requests (`app:tracingSampleRate`) have one (`trace_sampled` in the log line)."),
	})
}
