package constructs

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/constructs/fargate"
)

// CollectorImage is the AWS Distro for OpenTelemetry collector, pinned by
// digest: the tag says what it is, the digest what runs. (The digest is
// the one a public repository's build check pins for this tag; it could
// not be checked against the registry from here.)
const CollectorImage = "public.ecr.aws/aws-observability/aws-otel-collector:v0.48.0@sha256:9b28046359054b414f4ba76056ba4e8cffda2d53fbcee06171d7eeecd71326c3"

// CollectorContainerName names the collector sidecar in the task definition.
const CollectorContainerName = "otel-collector"

// TracesEndpoint is where the application sends its spans: the collector's
// OTLP/HTTP receiver, which listens on the task's loopback only.
const TracesEndpoint = "http://localhost:4318/v1/traces"

// collectorConfig is the collector's whole configuration, passed in an
// environment variable (the ADOT collector's env: config provider), so no
// SSM parameter or image of our own is needed. CloudWatch's OTLP traces
// endpoint takes HTTP only and requires SigV4 (the sigv4auth extension,
// with the task role's credentials). The memory limiter keeps the
// collector under its hard container limit by refusing spans rather than
// being killed; the collector's own metrics are off (nothing scrapes them).
const collectorConfig = `extensions:
  sigv4auth:
    region: REGION
    service: xray
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:4318
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 25
  batch: {}
exporters:
  otlphttp:
    traces_endpoint: https://xray.REGION.amazonaws.com/v1/traces
    compression: gzip
    auth:
      authenticator: sigv4auth
service:
  extensions: [sigv4auth]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlphttp]
`

// addCollector adds the OpenTelemetry collector sidecar to task: its own
// log group, its share of the task's CPU and memory, and the task role's
// permission to send spans. It returns the container so the application
// can start after it.
func addCollector(scope constructs.Construct, task ecs.FargateTaskDefinition, s fargate.Settings) ecs.ContainerDefinition {
	region := *awscdk.Aws_REGION()
	collector := task.AddContainer(jsii.String(CollectorContainerName), &ecs.ContainerDefinitionOptions{
		ContainerName: jsii.String(CollectorContainerName),
		Image:         ecs.ContainerImage_FromRegistry(jsii.String(CollectorImage), nil),
		// Not essential: a collector that crashes loses spans, not the
		// service. ECS does not restart it; the next task replacement does.
		Essential:              jsii.Bool(false),
		Cpu:                    jsii.Number(s.CollectorCPU),
		MemoryLimitMiB:         jsii.Number(s.CollectorMemoryMiB),
		ReadonlyRootFilesystem: jsii.Bool(true),
		Command:                jsii.Strings("--config=env:OTEL_COLLECTOR_CONFIG"),
		Environment: &map[string]*string{
			"OTEL_COLLECTOR_CONFIG": jsii.String(strings.ReplaceAll(collectorConfig, "REGION", region)),
		},
		Logging: ecs.LogDrivers_AwsLogs(&ecs.AwsLogDriverProps{
			// Its own group, expiring like the application's: without one,
			// the awslogs driver's default group keeps logs forever.
			LogGroup:     NewLogGroup(scope, "CollectorLogs", s.LogRetentionDays),
			StreamPrefix: jsii.String(CollectorContainerName),
			Mode:         ecs.AwsLogDriverMode_NON_BLOCKING,
		}),
	})

	// CloudWatch's OTLP endpoint authorizes xray:PutSpans (and
	// PutSpansForIndexing for the spans Transaction Search indexes); X-Ray
	// has no resource-level permissions for them. A policy of its own, so
	// its suppression names only these actions.
	policy := iam.NewPolicy(scope, jsii.String("TracingPolicy"), &iam.PolicyProps{
		Statements: &[]iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions:   jsii.Strings("xray:PutSpans", "xray:PutSpansForIndexing"),
			Resources: jsii.Strings("*"),
		})},
	})
	task.TaskRole().AttachInlinePolicy(policy)
	Suppress(policy, Suppression{
		Rule:      "AwsSolutions-IAM5",
		Reason:    "xray:PutSpans and xray:PutSpansForIndexing (CloudWatch's OTLP traces endpoint) support only Resource \"*\" (X-Ray has no resource-level permissions for writing trace data)",
		AppliesTo: []string{"Resource::*"},
	})
	return collector
}
