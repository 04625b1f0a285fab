// Breaks each promise the tests hold, once, on purpose, and checks that a
// test with a name fails for it: the team's "before you call a promise
// tested, break it once (one line) and watch a named test fail", made
// repeatable. CI runs it after the tests (.ci/run).
//
//   node scripts/breakages.js [SUBSTRING]
//
// Each entry of `breakages` below is one promise, broken by replacing the
// one occurrence of `from` in `file` with `to`. The module's files (git
// ls-files: tracked, plus untracked ones that are not ignored) are copied
// once into a temporary directory, node_modules is linked, and each breakage
// in turn is applied there, `go test -count=1 -json <pkg>` runs, and the
// file is restored. A breakage is
//
//   caught         when every test in `expect` fails (a name matches itself
//                  and its subtests: "TestAlarmValues/custom" is caught by
//                  TestAlarmValues/custom/Api5xxRate). Names are as go test
//                  -json reports them: subtests with _ for spaces.
//   MISSED         when one of them passes, or the package does not build
//                  (a breakage that does not compile proves nothing), or
//                  one of them fails without the breakage too.
//   FAILED         "no longer applies", when `from` occurs zero or several
//                  times in `file` (the code moved on: update the entry).
//
// The script exits 1 unless every breakage is caught. SUBSTRING runs only
// the breakages whose names contain it.
//
// Adding a promise? Add its breakage here: the smallest change that breaks
// it and still compiles, and the test that should name it; run
// `node scripts/breakages.js "<its name>"` and see it caught.
"use strict";
const { execFileSync, spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

// name: the promise broken. dir: the Go module, relative to the repository
// (default: the root module). pkg: the package go test runs, in that module.
// env: variables go test gets for this breakage only (e.g. REACH=1 for the
// test that costs a synthesis per setting).
const breakages = [
  // Database
  {
    name: "database storage encryption off",
    file: "stacks/database.go",
    from: "StorageEncrypted:        jsii.Bool(true),",
    to: "StorageEncrypted:        jsii.Bool(false),",
    pkg: ".",
    expect: ["TestDatabase/storage_is_encrypted_gp3", "TestNag"],
  },
  {
    name: "prod database deletion protection off",
    file: "stacks/database.go",
    from: "DeletionProtection:      jsii.Bool(p.Protected),",
    to: "DeletionProtection:      jsii.Bool(false),",
    pkg: ".",
    expect: ["TestDeletionProtection/prod_database_has_deletion_protection_and_its_stack_termination_protection"],
  },
  {
    name: "RDS log export retention removed",
    file: "stacks/database.go",
    from: "CloudwatchLogsRetention: appconstructs.Retention(p.LogRetentionDays),",
    to: "",
    pkg: ".",
    expect: ["TestDatabaseLogRetention"],
  },

  // Security groups and the one-way references between the stacks
  {
    name: "tasks→database rule created from the database side (a reference cycle)",
    file: "stacks/service.go",
    from: "sg.Connections().AllowTo(p.Database, ec2.Port_Tcp(jsii.Number(p.DatabasePort)), jsii.String(who+\" to PostgreSQL\"))",
    to: "p.Database.Connections().AllowFrom(sg, ec2.Port_Tcp(jsii.Number(p.DatabasePort)), jsii.String(who+\" to PostgreSQL\"))",
    pkg: ".",
    expect: ["TestSynthesis"],
  },
  {
    name: "VPC link→ALB rule created from the ALB side (a reference cycle)",
    file: "constructs/privateapi.go",
    from: "linkSG.Connections().AllowToDefaultPort(p.Listener, jsii.String(\"API Gateway VPC link to ALB listener\"))",
    to: "p.Listener.Connections().AllowDefaultPortFrom(linkSG, jsii.String(\"API Gateway VPC link to ALB listener\"))",
    pkg: ".",
    expect: ["TestSynthesis"],
  },
  {
    name: "VPC link security group given all egress",
    file: "constructs/privateapi.go",
    from: "AllowAllOutbound: jsii.Bool(false),",
    to: "AllowAllOutbound: jsii.Bool(true),",
    pkg: ".",
    expect: ["TestAPI/VPC_link_may_reach_the_ALB_listener_only"],
  },
  {
    name: "database security group opened to 0.0.0.0/0",
    file: "stacks/database.go",
    from: "\tsuppressCDKHandlers(stack, \"sets the retention of the log groups RDS creates for exported logs\")",
    to: "\tdb.Connections().AllowDefaultPortFromAnyIpv4(nil); suppressCDKHandlers(stack, \"sets the retention of the log groups RDS creates for exported logs\")",
    pkg: ".",
    expect: ["TestNoOpenIngress"],
  },
  {
    name: "tasks' egress open to everything",
    file: "stacks/service.go",
    from: "AllowAllOutbound: jsii.Bool(p.OpenEgress),",
    to: "AllowAllOutbound: jsii.Bool(true),",
    pkg: ".",
    expect: ["TestDatabaseAccess/dev/tasks'_egress:_PostgreSQL_to_the_database's_group_and_HTTPS,_nothing_else"],
  },
  {
    name: "cross-stack references weak instead of strong",
    file: "cdk.json",
    from: "\"@aws-cdk/core:defaultCrossStackReferences\": \"strong\"",
    to: "\"@aws-cdk/core:defaultCrossStackReferences\": \"weak\"",
    pkg: ".",
    expect: ["TestCrossStackReferences"],
  },
  {
    name: "the VPC link's rules state a listener port of their own",
    file: "constructs/privateapi.go",
    from: "linkSG.Connections().AllowToDefaultPort(p.Listener, jsii.String(\"API Gateway VPC link to ALB listener\"))",
    to: "linkSG.Connections().AllowTo(p.Listener, ec2.Port_Tcp(jsii.Number(8080)), jsii.String(\"API Gateway VPC link to ALB listener\"))",
    pkg: ".",
    expect: ["TestListenerPortInOnePlace"],
  },
  {
    name: "prod stage throttled at dev's literals",
    file: "constructs/privateapi.go",
    from: "RateLimit:  jsii.Number(p.ThrottleRateLimit),",
    to: "RateLimit:  jsii.Number(100),",
    pkg: ".",
    expect: ["TestProdThrottling"],
  },
  {
    name: "prod database deletes its automated backups with it",
    file: "stacks/database.go",
    from: "DeleteAutomatedBackups:  jsii.Bool(!p.Protected),",
    to: "DeleteAutomatedBackups:  jsii.Bool(true),",
    pkg: ".",
    expect: ["TestAutomatedBackupsOnDeletion/prod_keeps_them"],
  },
  {
    name: "alternate target group with another health-check timeout",
    file: "constructs/trafficshift.go",
    from: "HealthCheck: healthCheck(p.Settings),",
    to: "HealthCheck: &elbv2.HealthCheck{Path: jsii.String(p.Settings.HealthCheckPath), Timeout: awscdk.Duration_Seconds(jsii.Number(3))},",
    pkg: ".",
    expect: ["TestTargetGroupsAlike/prod", "TestTargetGroupsAlike/custom", "TestTargetGroupsAlike/options"],
  },
  {
    name: "alternate target group keeps the 300 s default deregistration delay",
    file: "constructs/trafficshift.go",
    from: "alternate.SetAttribute(jsii.String(\"deregistration_delay.timeout_seconds\"), jsii.String(strconv.Itoa(DeregistrationDelay)))",
    to: "alternate.SetAttribute(jsii.String(\"stickiness.enabled\"), jsii.String(strconv.FormatBool(false)))",
    pkg: ".",
    expect: ["TestTargetGroupsAlike/prod", "TestTargetGroupsAlike/custom", "TestTargetGroupsAlike/options"],
  },
  {
    name: "alarm topic key usable by CloudWatch for any account's alarms",
    file: "stacks/monitoring.go",
    from: "Resources:  jsii.Strings(\"*\"),\n\t\tConditions: sameAccount,",
    to: "Resources:  jsii.Strings(\"*\"),",
    pkg: ".",
    expect: ["TestAlarmPublishersSameAccount/key_policy"],
  },
  {
    name: "alarm topic publishable by CloudWatch for any account's alarms",
    file: "stacks/monitoring.go",
    from: "Resources:  &[]*string{m.Topic.TopicArn()},\n\t\tConditions: sameAccount,",
    to: "Resources:  &[]*string{m.Topic.TopicArn()},",
    pkg: ".",
    expect: ["TestAlarmPublishersSameAccount/topic_policy"],
  },
  {
    name: "migration task in the public subnets",
    file: "stacks/service.go",
    from: "\t\t\tSubnets:          subnets,",
    to: "\t\t\tSubnets:          &ec2.SubnetSelection{SubnetType: ec2.SubnetType_PUBLIC},",
    pkg: ".",
    expect: ["TestMigrationTaskSubnets/dev", "TestMigrationTaskSubnets/prod", "TestMigrationTaskSubnets/options"],
  },
  {
    name: "access-log bucket takes plain HTTP",
    file: "stacks/service.go",
    from: "EnforceSSL:        jsii.Bool(true),",
    to: "EnforceSSL:        jsii.Bool(false),",
    pkg: ".",
    expect: ["TestAccessLogBucketTLSOnly"],
  },
  {
    name: "a setting validated, then ignored by its construct (app:corsMaxAgeSeconds)",
    file: "constructs/privateapi.go",
    from: "MaxAge:       awscdk.Duration_Seconds(jsii.Number(s.CORSMaxAgeSeconds)),",
    to: "MaxAge:       awscdk.Duration_Seconds(jsii.Number(600)),",
    pkg: ".",
    env: { REACH: "1" },
    expect: ["TestEverySettingReachesATemplate/app:corsMaxAgeSeconds"],
  },
  {
    name: "the early configuration check ignores the CLI's context overflow file",
    file: "app.go",
    from: "maps.Copy(ctx, overflow)",
    to: "maps.Copy(overflow, ctx)",
    pkg: ".",
    expect: ["TestCLIContext"],
  },

  // Service
  {
    name: "ALB internet-facing",
    file: "constructs/service.go",
    from: "InternetFacing:          jsii.Bool(false),",
    to: "InternetFacing:          jsii.Bool(true),",
    pkg: ".",
    expect: ["TestService/ALB_is_internal"],
  },
  {
    name: "tasks get public IPs",
    file: "constructs/service.go",
    from: "AssignPublicIp: jsii.Bool(false),",
    to: "AssignPublicIp: jsii.Bool(true),",
    pkg: ".",
    expect: ["TestService/tasks_run_in_private_subnets_without_public_IPs"],
  },
  {
    name: "container logs kept 14 days whatever the setting",
    file: "constructs/service.go",
    from: "logs := NewLogGroup(c, \"Logs\", p.LogRetentionDays)",
    to: "logs := NewLogGroup(c, \"Logs\", 14)",
    pkg: ".",
    expect: ["TestService/container_logs_expire_(prod_90_days)"],
  },
  {
    name: "DesiredCount set on the service again",
    file: "constructs/service.go",
    from: "AssignPublicIp: jsii.Bool(false),",
    to: "AssignPublicIp: jsii.Bool(false), DesiredCount: jsii.Number(2),",
    pkg: ".",
    expect: ["TestTaskCount"],
  },
  {
    name: "deployment circuit breaker does not roll back",
    file: "constructs/service.go",
    from: "return &ecs.DeploymentCircuitBreaker{Enable: jsii.Bool(on), Rollback: jsii.Bool(on)}",
    to: "return &ecs.DeploymentCircuitBreaker{Enable: jsii.Bool(on), Rollback: jsii.Bool(false)}",
    pkg: ".",
    expect: [
      "TestService/circuit_breaker_and_rollback;_task_count_left_to_the_autoscaler_(TestTaskCount)",
      "TestTrafficShiftingStrategies/custom/circuit_breaker_only_where_AWS_documents_it",
    ],
  },
  {
    name: "circuit breaker on with canary and linear (AWS documents it for rolling and blue/green only)",
    file: "constructs/service.go",
    from: "on := strategy == fargate.Rolling || strategy == fargate.BlueGreen",
    to: "on := true",
    pkg: ".",
    expect: [
      "TestTrafficShiftingStrategies/prod/circuit_breaker_only_where_AWS_documents_it",
      "TestTrafficShiftingStrategies/options/circuit_breaker_only_where_AWS_documents_it",
    ],
  },
  {
    name: "shifted service does not depend on its rollback alarms",
    file: "constructs/trafficshift.go",
    from: "service.Node().AddDependency(a)",
    to: "_ = a",
    pkg: ".",
    expect: ["TestTrafficShiftingStrategies/prod/service_depends_on_its_rollback_alarms_(ECS_knows_them_by_name_only)"],
  },
  {
    name: "switch back to rolling: no production rule under rolling (the old service drains while the rule still sends to its group)",
    file: "constructs/service.go",
    from: "forwardToPrimaryAfter(c, pattern)",
    to: "_ = forwardToPrimaryAfter",
    pkg: ".",
    expect: ["TestSwitchBackToRolling"],
  },
  {
    name: "switch back to rolling: the rule moves to the primary group before the new service exists",
    file: "constructs/service.go",
    from: "rule.Node().AddDependency(pattern.Service())",
    to: "_ = rule",
    pkg: ".",
    expect: ["TestSwitchBackToRolling/the_rule_is_updated_after_the_new_service_exists"],
  },
  {
    name: "switch back to rolling: the rule gets a new logical ID (created first, old one deleted last)",
    file: "constructs/service.go",
    from: "scope := constructs.NewConstruct(c, jsii.String(ProductionRuleID))",
    to: "scope := constructs.NewConstruct(c, jsii.String(\"RollingRule\"))",
    pkg: ".",
    expect: ["TestSwitchBackToRolling/the_production_rule_is_updated_in_place,_not_replaced_(same_logical_ID)"],
  },
  {
    name: "DB_SSLMODE set to disable",
    file: "stacks/service.go",
    from: "\"DB_SSLMODE\": \"verify-full\",",
    to: "\"DB_SSLMODE\": \"disable\",",
    pkg: ".",
    expect: ["TestContainerEnvironmentValues/dev_DB_SSLMODE"],
  },

  // API
  {
    name: "PrivateHTTPAPI accepts a stage throttled to 0 requests per second",
    file: "constructs/privateapi.go",
    from: "problems := p.Settings.Validate()",
    to: "problems := p.Settings.Validate()[:0]",
    pkg: "./constructs",
    expect: ["TestPrivateHTTPAPIRejectsBadProps/zero_throttle", "TestPrivateHTTPAPIRejectsBadProps/zero_settings"],
  },
  {
    name: "ANY routes not expanded under CORS",
    file: "constructs/privateapi.go",
    from: "if r.Method != string(apigwv2.HttpMethod_ANY) {",
    to: "if true {",
    pkg: ".",
    expect: ["TestCORSPreflight/custom:_no_route_matches_OPTIONS,_so_API_Gateway_answers_every_preflight", "TestCORSPreflight/options:_no_route_matches_OPTIONS,_so_API_Gateway_answers_every_preflight"],
  },
  {
    name: "API access log group outside /aws/vendedlogs/",
    file: "constructs/loggroup.go",
    from: "name := \"/aws/vendedlogs/\" + service",
    to: "name := \"/aws/\" + service",
    pkg: ".",
    expect: ["TestVendedLogGroups"],
  },

  // Monitoring
  {
    name: "an alarm threshold hard-coded instead of from config",
    file: "stacks/monitoring.go",
    from: "api5xxRate, float64(p.API5xxPercent), above},",
    to: "api5xxRate, 5, above},",
    pkg: ".",
    expect: ["TestAlarmValues/custom/Api5xxRate"],
  },
  {
    name: "alarms fire on 1 datapoint instead of 3 of 5",
    file: "stacks/monitoring.go",
    from: "DatapointsToAlarm: jsii.Number(3),",
    to: "DatapointsToAlarm: jsii.Number(1),",
    pkg: ".",
    expect: ["TestAlarmValues/dev", "TestAlarmValues/prod", "TestAlarmValues/custom"],
  },
  {
    name: "a template change no intent test names (the alarm topic key's description)",
    file: "stacks/monitoring.go",
    from: "\"Encrypts the alarm topic; CloudWatch alarms may use it to publish\"",
    to: "\"Encrypts the alarm topic\"",
    pkg: ".",
    expect: ["TestGoldenTemplates"],
  },

  // Configuration
  {
    name: "moot-setting note no longer printed on synth",
    file: "app.go",
    from: "fmt.Fprintln(notes, \"note:\", note)",
    to: "_ = note",
    pkg: ".",
    expect: ["TestMootSettingIsNamedOnSynth"],
  },
  {
    name: "a moot-setting rule dropped (corsMaxAgeSeconds without CORS)",
    file: "config/ineffective.go",
    from: "{\"corsMaxAgeSeconds\", withoutCORS, \"CORS (corsAllowOrigins set)\"},",
    to: "",
    pkg: "./config",
    expect: ["TestIneffective/CORS_details_without_CORS"],
  },
  {
    name: "fewer than 2 tasks allowed (fargate.Settings.Validate)",
    file: "constructs/fargate/settings.go",
    from: "if s.MinCapacity < 2 || s.MinCapacity > 500 {",
    to: "if s.MinCapacity < 1 || s.MinCapacity > 500 {",
    pkg: "./constructs/fargate",
    expect: ["TestValidateRejects/min_capacity"],
  },
  {
    name: "a duplicate app:environment variable keeps the last value",
    file: "config/load.go",
    from: "if _, dup := out[name]; dup {",
    to: "if _, dup := out[name]; dup && false {",
    pkg: "./config",
    expect: ["TestLoadRejects/duplicate_environment_variable"],
  },
  {
    name: "a duplicate variable in app:environment's JSON keeps the last value",
    file: "config/load.go",
    from: "if name := duplicateJSONName(s); name != \"\" {",
    to: "if name := duplicateJSONName(s); name == \"-\" {",
    pkg: "./config",
    expect: ["TestLoadRejects/duplicate_environment_variable_in_JSON"],
  },
  {
    name: "a free-storage alarm the database can never clear is accepted",
    file: "config/validate.go",
    from: "if m.DBFreeStorageGiB < 1 || m.DBFreeStorageGiB >= ceiling {",
    to: "if m.DBFreeStorageGiB < 1 || m.DBFreeStorageGiB > 65536 {",
    pkg: "./config",
    expect: ["TestLoadRejects/alarm_DB_storage_at_the_autoscaling_ceiling", "TestLoadRejects/alarm_DB_storage_at_allocated_storage_without_autoscaling"],
  },
  {
    name: "Fargate: the 2048-CPU row accepts 2048 MiB",
    file: "constructs/fargate/settings.go",
    from: "2048:  steps(4096, 16384, 1024),",
    to: "2048:  steps(2048, 16384, 1024),",
    pkg: "./constructs/fargate",
    expect: ["TestFargateCPUMemoryTable/2048"],
  },
  {
    name: "Fargate: the 8192-CPU row steps by 1 GiB, not 4",
    file: "constructs/fargate/settings.go",
    from: "8192:  steps(16384, 61440, 4096),",
    to: "8192:  steps(16384, 61440, 1024),",
    pkg: "./constructs/fargate",
    expect: ["TestFargateCPUMemoryTable/8192"],
  },
  {
    name: "Fargate: the 16384-CPU row stops short of 120 GiB",
    file: "constructs/fargate/settings.go",
    from: "16384: steps(32768, 122880, 8192),",
    to: "16384: steps(32768, 114688, 8192),",
    pkg: "./constructs/fargate",
    expect: ["TestFargateCPUMemoryTable/16384"],
  },
  {
    name: "Fargate: the 256-CPU row accepts 1536 MiB",
    file: "constructs/fargate/settings.go",
    from: "256:   {512, 1024, 2048},",
    to: "256:   {512, 1024, 1536, 2048},",
    pkg: "./constructs/fargate",
    expect: ["TestFargateCPUMemoryTable"],
  },

  // Migration runner
  {
    name: "migration run decided only once its task is STOPPED (a run that exited 0 while deprovisioning is failed at the time limit)",
    file: "constructs/runtask/handler.js",
    from: "const c = ((t && t.containers) || [])",
    to: "const c = ((t && t.lastStatus === 'STOPPED' && t.containers) || [])",
    pkg: "./constructs/runtask",
    expect: ["TestIsComplete/a_container_that_exited_0_completes_the_run_before_its_task_is_STOPPED,_even_at_the_time_limit_(not_stopped,_not_failed)"],
  },

  {
    name: "a DescribeTasks error that may mend fails the deploy at once (throttling, IAM propagation)",
    file: "constructs/runtask/handler.js",
    from: "const retry = minutes < limit && (transient || (early && minutes < GRACE));",
    to: "const retry = false;",
    pkg: "./constructs/runtask",
    expect: ["TestIsComplete/DescribeTasks_error:_throttling_is_asked_again", "TestIsComplete/DescribeTasks_error:_access_denied_early_(a_new_policy_propagating)_is_asked_again"],
  },
  {
    name: "every DescribeTasks error retried until the 50-minute limit (a permanent one hangs the deploy)",
    file: "constructs/runtask/handler.js",
    from: "const retry = minutes < limit && (transient || (early && minutes < GRACE));",
    to: "const retry = minutes < limit;",
    pkg: "./constructs/runtask",
    expect: ["TestIsComplete/DescribeTasks_error:_an_invalid_parameter_fails_at_once", "TestIsComplete/DescribeTasks_error:_a_missing_cluster_fails_at_once", "TestIsComplete/DescribeTasks_error:_access_denied_after_the_grace_minutes_fails"],
  },
  {
    name: "DescribeTasks server errors (5xx) fail the deploy at once",
    file: "constructs/runtask/handler.js",
    from: " || status >= 500 || err.$fault === 'server'",
    to: "",
    pkg: "./constructs/runtask",
    expect: ["TestIsComplete/DescribeTasks_error:_a_server_error_(5xx)_is_asked_again"],
  },
  {
    name: "a run that cannot be watched is left running when the deploy fails",
    file: "constructs/runtask/handler.js",
    from: "await ecs.send(new StopTaskCommand({ cluster: p.Cluster, task: arn, reason: 'not watchable: ' + name })).catch(() => {});",
    to: "",
    pkg: "./constructs/runtask",
    expect: ["TestIsComplete/DescribeTasks_error:_an_invalid_parameter_fails_at_once"],
  },
  {
    name: "the check role matches only long task ARNs (task/CLUSTER/ID): an account on short ARNs fails every DescribeTasks",
    file: "constructs/migration.go",
    from: "Service: jsii.String(\"ecs\"), Resource: jsii.String(\"task\"), ResourceName: jsii.String(\"*\"),",
    to: "Service: jsii.String(\"ecs\"), Resource: jsii.String(\"task\"), ResourceName: jsii.String(*p.Cluster.ClusterName() + \"/*\"),",
    pkg: ".",
    expect: ["TestDatabaseAccess/dev/the_check_handler_may_watch_the_run's_task_in_both_ARN_formats_(task/CLUSTER/ID,_and_task/ID_on_the_ecs:cluster_condition)"],
  },
  {
    name: "hotswap may roll an image out before its migration: the service's container no longer carries the run's attribute",
    file: "stacks/service.go",
    from: "web.TaskDefinition.DefaultContainer().AddDockerLabel(jsii.String(MigrationRunLabel), migration.Run.GetAttString(jsii.String(\"TaskArn\")))",
    to: "_ = migration.Run",
    pkg: ".",
    expect: ["TestDatabaseAccess/dev/no_hotswap_rolls_an_image_out_without_its_migration:_the_service's_container_carries_an_attribute_of_the_run"],
  },
  {
    name: "hotswap may roll an image out before its migration: the label holds a value the CDK CLI can resolve",
    file: "testdata/golden/FargateApi-dev-Service.json",
    from: `              "migration-run": {
                "Fn::GetAtt": [
                  "MigrationRun95D15400",
                  "TaskArn"
                ]
              }`,
    to: `              "migration-run": {
                "Ref": "MigrationRun95D15400"
              }`,
    pkg: "./constructs/runtask",
    expect: ["TestPinnedCLICannotHotswapTheService/dev:_the_CLI_cannot_compute_the_service's_new_container_definitions"],
  },
  {
    name: "hotswap may stop every task at once (cdk.json sets no hotswap.ecs.minimumHealthyPercent; the CLI sends 0)",
    file: "cdk.json",
    from: "\"minimumHealthyPercent\": 100,",
    to: "\"minimumHealthyPercent\": 0,",
    pkg: ".",
    expect: ["TestWatchAndHotswapSettings/a_hotswap_keeps_every_task_running_(the_CLI_sends_minimumHealthyPercent_0_when_cdk.json_sets_none)"],
  },
  {
    name: "a run past the time limit left running (a rollback's run would wait for its lock)",
    file: "constructs/runtask/handler.js",
    from: "await ecs.send(new StopTaskCommand({ cluster: p.Cluster, task: arn, reason: `ran longer than ${limit} minutes` }));",
    to: "",
    pkg: "./constructs/runtask",
    expect: ["TestIsComplete/a_run_past_RUN_TIMEOUT_MINUTES_is_stopped,_so_a_rollback's_run_does_not_wait_for_its_lock,_and_fails"],
  },

  // Sample API configuration
  {
    name: "sample API: DB_SSLMODE ignored in the connection URL",
    file: "sampleapi/internal/config/config.go",
    from: "RawQuery: url.Values{\"sslmode\": {c.DBSSLMode}}.Encode(),",
    to: "RawQuery: url.Values{\"sslmode\": {\"verify-full\"}}.Encode(),",
    dir: "sampleapi",
    pkg: "./internal/config",
    expect: ["TestEverySSLModeReachesTheURL/disable", "TestEverySSLModeReachesTheURL/require"],
  },
  {
    name: "sample API: DB_SSLMODE=allow refused",
    file: "sampleapi/internal/config/config.go",
    from: "var validSSLModes = []string{\"disable\", \"allow\", \"prefer\",",
    to: "var validSSLModes = []string{\"disable\", \"prefer\",",
    dir: "sampleapi",
    pkg: "./internal/config",
    expect: ["TestEverySSLModeReachesTheURL/allow"],
  },

  // Sample API image
  {
    name: "runtime base image back on Debian 12",
    file: "sampleapi/Dockerfile",
    from: "FROM gcr.io/distroless/static-debian13:nonroot@",
    to: "FROM gcr.io/distroless/static-debian12:nonroot@",
    dir: "sampleapi",
    pkg: ".",
    expect: ["TestBaseImagesPinnedAndSupported"],
  },

  // Tracing (sample API)
  {
    name: "server span named by the path instead of the route template",
    file: "sampleapi/internal/api/api.go",
    from: "\t\treturn r.Pattern\n",
    to: "\t\treturn r.Method + \" \" + r.URL.Path\n",
    dir: "sampleapi",
    pkg: "./internal/api",
    expect: ["TestServerSpanPerRoute/GET_/users/{id}", "TestServerSpanPerRoute/GET_/products/{id}"],
  },
  {
    name: "log line without the trace ID",
    file: "sampleapi/internal/tracing/log.go",
    from: "slog.String(LogTraceID, sc.TraceID().String()),",
    to: "",
    dir: "sampleapi",
    pkg: "./internal/tracing",
    expect: ["TestLogLineCarriesTraceID"],
  },
  {
    name: "the ALB's Root-only X-Amzn-Trace-Id dropped (a fresh trace ID per request)",
    file: "sampleapi/internal/tracing/xray.go",
    from: "return context.WithValue(ctx, rootKey{}, tid)",
    to: "return ctx",
    dir: "sampleapi",
    pkg: "./internal/tracing",
    expect: ["TestALBTraceHeader/root_only,_as_the_ALB_sends_it"],
  },

  // Documentation
  {
    name: "README links to a section that moved",
    file: "README.md",
    from: "(docs/operations.md#tearing-prod-down)",
    to: "(docs/operations.md#tearing-down-prod)",
    pkg: "./docs",
    expect: ["TestDocLinks"],
  },
  {
    name: "configuration reference edited by hand",
    file: "docs/configuration.md",
    from: "| `app:cpu` | `256` | `512` |",
    to: "| `app:cpu` | `512` | `512` |",
    pkg: "./config",
    expect: ["TestConfigurationReference"],
  },
  {
    name: "CI's test command no longer the README's",
    file: ".ci/run",
    from: 'step "tests (README: bash scripts/test.sh;',
    to: 'step "tests (README: bash scripts/check.sh;',
    pkg: "./docs",
    expect: ["TestReadmeHasCICommands"],
  },

  // Delivery: the destructive-change gate (cmd/diffgate)
  {
    name: "gate lets a database replacement through",
    file: "cmd/diffgate/gate.go",
    from: '"AWS::RDS::DBInstance":                      "the database instance: its data",',
    to: "",
    pkg: "./cmd/diffgate",
    expect: ["TestGate/database_rename_blocks_naming_the_instance_and_the_property"],
  },

  // Delivery: the GitHub Actions workflows (workflows/)
  {
    name: "an action pinned by tag, not by commit",
    file: ".github/workflows/checks.yml",
    from: "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0",
    to: "actions/setup-node@v7",
    dir: "workflows",
    pkg: ".",
    expect: ["TestActionsPinned"],
  },
  {
    name: "the pull-request gate job may mint an OIDC token",
    file: ".github/workflows/change-report.yml",
    from: "      contents: read\n    steps:",
    to: "      contents: read\n      id-token: write\n    steps:",
    dir: "workflows",
    pkg: ".",
    expect: ["TestPermissions/change-report/gate"],
  },

  // Delivery: the CI stack's roles (stacks/githubci.go)
  {
    name: "a CI role trusted through a wildcard subject",
    file: "stacks/githubci.go",
    from: "GitHubOIDCHost + \":sub\": Subject(p.Repository, p.RepositoryIDs, env),",
    to: "GitHubOIDCHost + \":sub\": \"repo:\" + p.Repository + \":*\",",
    pkg: ".",
    expect: ["TestGitHubCI/each_role_trusts_exactly_its_repository_and_environment_by_name"],
  },
];

const root = path.resolve(__dirname, "..");
const started = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(0)} s`;

// goTest runs go test -json in dir and returns the tests that failed, and
// the build errors when the package did not build.
function goTest(dir, pkg, env, label) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn("go", ["test", "-count=1", "-json", "-timeout=5m", pkg], { cwd: dir, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const tick = setInterval(() => console.log(`        ... ${label}: still running (${secs(Date.now() - t0)})`), 15000);
    const kill = setTimeout(() => child.kill("SIGKILL"), 6 * 60 * 1000);
    child.on("close", (code) => {
      clearInterval(tick);
      clearTimeout(kill);
      const failed = new Set();
      const buildOutput = [];
      let buildFailed = false;
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        let e;
        try {
          e = JSON.parse(line);
        } catch {
          continue;
        }
        if (e.Action === "fail" && e.Test) failed.add(e.Test);
        if (e.Action === "build-output") buildOutput.push(e.Output);
        if (e.Action === "build-fail" || (e.Action === "fail" && !e.Test && e.FailedBuild)) buildFailed = true;
      }
      // A package that fails with no test failing did not build or run (a
      // vet error, a panic in init, a timeout with no test running).
      if (code !== 0 && failed.size === 0) buildFailed = true;
      const errors = [...buildOutput, err].join("").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
      resolve({ failed, buildFailed, errors, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

// matches reports whether test is want or one of its subtests.
const matches = (test, want) => test === want || test.startsWith(want + "/");

// leaves keeps the failed tests that have no failed subtest: a failing
// subtest fails its parents, which say nothing more.
function leaves(tests) {
  return [...tests].filter((t) => ![...tests].some((u) => u.startsWith(t + "/"))).sort();
}

// abbreviate lists tests one per top-level test: the test itself when one
// leaf failed under it, "Top (n subtests)" when more did.
function abbreviate(tests, max = 4) {
  const byTop = new Map();
  for (const t of leaves(tests)) {
    const top = t.split("/")[0];
    byTop.set(top, [...(byTop.get(top) || []), t]);
  }
  const parts = [...byTop].map(([top, ts]) => (ts.length === 1 ? ts[0] : `${top} (${ts.length} subtests)`));
  return parts.length > max ? `${parts.slice(0, max).join(", ")}, +${parts.length - max} more` : parts.join(", ");
}

function occurrences(text, s) {
  if (s === "") return 0;
  let n = 0;
  for (let i = text.indexOf(s); i !== -1; i = text.indexOf(s, i + 1)) n++;
  return n;
}

async function main() {
  const filter = process.argv[2] || "";
  const selected = breakages.filter((b) => b.name.includes(filter));
  if (selected.length === 0) {
    console.error(`breakages: no breakage name contains "${filter}"`);
    process.exit(2);
  }

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "breakages-"));
  const cleanup = () => fs.rmSync(scratch, { recursive: true, force: true });
  process.on("exit", cleanup);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((f) => f && fs.existsSync(path.join(root, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(scratch, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(scratch, f));
  }
  fs.symlinkSync(path.join(root, "node_modules"), path.join(scratch, "node_modules"));
  const env = {
    ...process.env,
    // The pinned Node.js, as scripts/node-env.sh puts it, for jsii.
    PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`,
    // The sample API's integration tests need PostgreSQL; a breakage there
    // must be caught by a unit test.
    SAMPLEAPI_SKIP_INTEGRATION: "1",
  };
  console.log(`breakages: ${selected.length} of ${breakages.length}, each on a copy of ${files.length} files in ${scratch}; ~5 s each`);

  // Without any breakage first, once per package: an expected test that
  // fails already cannot show that a breakage is caught.
  const applies = (b) => occurrences(fs.readFileSync(path.join(scratch, b.file), "utf8"), b.from) === 1;
  const baseline = new Map();
  for (const key of [...new Set(selected.filter(applies).map((b) => `${b.dir || "."}\t${b.pkg}`))]) {
    const [dir, pkg] = key.split("\t");
    const where = dir === "." ? pkg : `${pkg} in ${dir}/`;
    console.log(`  [baseline] go test ${where}, nothing broken ...`);
    const r = await goTest(path.join(scratch, dir), pkg, env, "baseline");
    baseline.set(key, r);
    if (r.buildFailed) console.log(`        the package does not build or run unbroken: ${r.errors.slice(0, 5).join(" | ")}`);
    else if (r.failed.size > 0) console.log(`        already failing: ${abbreviate(r.failed)}`);
  }

  const results = [];
  for (const [i, b] of selected.entries()) {
    const dir = b.dir || ".";
    const file = path.join(scratch, b.file);
    const original = fs.readFileSync(file, "utf8");
    const n = occurrences(original, b.from);
    if (n !== 1) {
      results.push(`FAILED  ${b.name}: no longer applies: update the list (${b.file} has ${n} occurrences of ${JSON.stringify(b.from)}, want exactly 1)`);
      console.log(`  [${i + 1}/${selected.length}] ${results.at(-1)}`);
      continue;
    }
    console.log(`  [${i + 1}/${selected.length}] ${b.name}: go test ${b.pkg}${dir === "." ? "" : ` in ${dir}/`} ...`);
    fs.writeFileSync(file, original.replace(b.from, () => b.to));
    let r;
    try {
      r = await goTest(path.join(scratch, dir), b.pkg, { ...env, ...b.env }, b.name);
    } finally {
      fs.writeFileSync(file, original);
    }
    const base = baseline.get(`${dir}\t${b.pkg}`);
    const caught = b.expect.map((want) => ({ want, failed: leaves([...r.failed].filter((t) => matches(t, want))) }));
    const alreadyFailing = b.expect.filter((want) => [...base.failed].some((t) => matches(t, want)));
    const others = new Set([...r.failed].filter((t) => !b.expect.some((want) => matches(t, want) || want.startsWith(t + "/"))));
    let line;
    if (r.buildFailed) {
      line = `MISSED  ${b.name}: does not build, so it proves nothing (a breakage must compile): ${r.errors.slice(0, 3).join(" | ")}`;
    } else if (alreadyFailing.length > 0) {
      line = `MISSED  ${b.name}: ${alreadyFailing.join(", ")} fail${alreadyFailing.length === 1 ? "s" : ""} without the breakage too`;
    } else if (caught.every((c) => c.failed.length > 0)) {
      const shown = ({ want, failed }) => (failed.length === 1 ? failed[0] : `${want} (${failed.length} failed)`);
      line = `caught  ${b.name}: ${caught.map(shown).join(", ")}`;
      if (others.size > 0) line += ` (also failed: ${abbreviate(others)})`;
    } else {
      const failedInstead = r.failed.size > 0 ? abbreviate(r.failed) : "nothing";
      line = `MISSED  ${b.name}: expected ${b.expect.join(", ")} to fail; failed instead: ${failedInstead}`;
    }
    results.push(line);
    console.log(`        ${line} [${r.seconds.toFixed(1)} s]`);
  }

  const bad = results.filter((l) => !l.startsWith("caught"));
  console.log(`\n${results.join("\n")}\n`);
  console.log(`breakages: ${results.length - bad.length} of ${results.length} caught in ${secs(Date.now() - started)}${bad.length ? `; ${bad.length} not (MISSED: the promise needs a named test that fails when it is broken; FAILED: update the list)` : ""}`);
  process.exit(bad.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
