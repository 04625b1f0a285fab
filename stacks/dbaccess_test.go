package stacks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	appconstructs "github.com/example/fargate-api/constructs"
	"github.com/example/fargate-api/constructs/runtask"
	"github.com/example/fargate-api/stacks"
)

// Issue 10: no database password in the service, IAM authentication,
// verified TLS, RDS-managed master credentials, migrations as a one-off
// task before the rollout, restricted egress.

// byPrefix returns the properties of the one resource of typ in s whose
// logical ID starts with prefix.
func (f *fixture) byPrefix(t *testing.T, s awscdk.Stack, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var id string
	var props map[string]any
	for k, p := range f.resources(s, typ) {
		if strings.HasPrefix(k, prefix) {
			if id != "" {
				t.Fatalf("%s: several %s with prefix %s: %s, %s", *s.StackName(), typ, prefix, id, k)
			}
			id, props = k, p
		}
	}
	if id == "" {
		t.Fatalf("%s: no %s with prefix %s", *s.StackName(), typ, prefix)
	}
	return id, props
}

// statements returns every IAM policy statement in s with the logical IDs
// of the roles its policy is attached to.
func (f *fixture) statements(s awscdk.Stack) []statement {
	var out []statement
	for _, p := range f.resources(s, "AWS::IAM::Policy") {
		var roles []string
		for _, r := range p["Roles"].([]any) {
			if ref, ok := r.(map[string]any)["Ref"].(string); ok {
				roles = append(roles, ref)
			}
		}
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			raw, _ := json.Marshal(st)
			out = append(out, statement{roles: roles, json: string(raw)})
		}
	}
	return out
}

type statement struct {
	roles []string
	json  string
}

// longTaskARN: the statement allows arn:…:task/<this cluster>/*.
func longTaskARN(s statement) bool {
	return strings.Contains(s.json, `:task/",{"Ref":"Cluster`) && !strings.Contains(s.json, "Condition")
}

// shortTaskARNOnCluster: the statement allows arn:…:task/* only where the
// ecs:cluster condition key is this cluster's ARN.
func shortTaskARNOnCluster(s statement) bool {
	return strings.Contains(s.json, `:task/*"]]}`) && regexp.MustCompile(`"Condition":\{"ArnEquals":\{"ecs:cluster":\{"Fn::GetAtt":\["Cluster[0-9A-F]+","Arn"\]\}\}\}`).MatchString(s.json)
}

func (s statement) attachedTo(prefix string) bool {
	return slices.ContainsFunc(s.roles, func(r string) bool { return strings.HasPrefix(r, prefix) })
}

func envMap(c map[string]any) map[string]string {
	out := map[string]string{}
	list, _ := c["Environment"].([]any)
	for _, e := range list {
		kv := e.(map[string]any)
		if v, ok := kv["Value"].(string); ok {
			out[kv["Name"].(string)] = v
		} else {
			raw, _ := json.Marshal(kv["Value"])
			out[kv["Name"].(string)] = string(raw)
		}
	}
	return out
}

// namedContainer returns the container called name of task definition td
// (a task traced in prod also runs the collector).
func namedContainer(t *testing.T, td map[string]any, name string) map[string]any {
	t.Helper()
	for _, d := range td["ContainerDefinitions"].([]any) {
		if def := d.(map[string]any); def["Name"] == name {
			return def
		}
	}
	t.Fatalf("no container %s", name)
	return nil
}

func onlyContainer(t *testing.T, td map[string]any) map[string]any {
	t.Helper()
	defs := td["ContainerDefinitions"].([]any)
	if len(defs) != 1 {
		t.Fatalf("%d containers, want 1", len(defs))
	}
	return defs[0].(map[string]any)
}

func TestDatabaseAccess(t *testing.T) {
	f := app(t)
	for _, v := range []struct {
		name string
		d    stacks.Set
	}{{"dev", f.dev}, {"prod", f.prod}, {"options", f.options}} {
		db, svc := v.d.Database.Stack, v.d.Service.Stack
		t.Run(v.name, func(t *testing.T) {
			t.Run("the instance pins its CA and has IAM authentication on", func(t *testing.T) {
				inst := f.only(t, db, "AWS::RDS::DBInstance")
				if inst["CACertificateIdentifier"] != "rds-ca-rsa2048-g1" || inst["EnableIAMDatabaseAuthentication"] != true {
					t.Errorf("CACertificateIdentifier %v, EnableIAMDatabaseAuthentication %v", inst["CACertificateIdentifier"], inst["EnableIAMDatabaseAuthentication"])
				}
			})
			t.Run("RDS-managed master password", func(t *testing.T) {
				inst := f.only(t, db, "AWS::RDS::DBInstance")
				if inst["ManageMasterUserPassword"] != true || inst["MasterUserPassword"] != nil {
					t.Errorf("ManageMasterUserPassword %v, MasterUserPassword %v", inst["ManageMasterUserPassword"], inst["MasterUserPassword"])
				}
				for _, s := range []awscdk.Stack{db, svc} {
					for _, typ := range []string{"AWS::SecretsManager::Secret", "AWS::SecretsManager::SecretTargetAttachment", "AWS::SecretsManager::RotationSchedule"} {
						got := f.resources(s, typ)
						if v.name == "options" && s == db && typ != "AWS::SecretsManager::RotationSchedule" {
							continue // app:dbKeepLegacySecret, below
						}
						if len(got) != 0 {
							t.Errorf("%s has %s %v", *s.StackName(), typ, keys(got))
						}
					}
				}
			})
			if v.name == "options" {
				t.Run("legacy secret kept for one deploy", func(t *testing.T) {
					// The IDs and export name of every environment created
					// before this change (dev: FargateApidevDatabaseSecret4F46A4D6...).
					secrets, attachments := keys(f.resources(db, "AWS::SecretsManager::Secret")), keys(f.resources(db, "AWS::SecretsManager::SecretTargetAttachment"))
					if len(secrets) != 1 || !strings.HasSuffix(secrets[0], "3fdaad7efa858a3daf9490cf0a702aeb") ||
						!slices.Equal(attachments, []string{"DatabaseSecretAttachmentE5D1B020"}) {
						t.Errorf("legacy secret %v, attachment %v", secrets, attachments)
					}
					outputs := f.templates[*db.StackName()]["Outputs"].(map[string]any)
					if _, ok := outputs["ExportsOutputRefDatabaseSecretAttachmentE5D1B020633AEB73"]; !ok {
						t.Errorf("outputs %v lack the legacy secret's export", keys(outputs))
					}
					if raw := mustJSON(f.templates[*svc.StackName()]); strings.Contains(raw, "DatabaseSecretAttachment") {
						t.Error("the Service stack still references the legacy secret")
					}
				})
			}

			_, web := f.byPrefix(t, svc, "AWS::ECS::TaskDefinition", "WebTask")
			_, mig := f.byPrefix(t, svc, "AWS::ECS::TaskDefinition", "MigrationTask")
			webC, migC := container(t, f, svc), namedContainer(t, mig, "migrate")

			t.Run("the service's task definition holds no password", func(t *testing.T) {
				if s := webC["Secrets"]; s != nil {
					t.Errorf("service container secrets %v, want none", s)
				}
				raw, _ := json.Marshal(web)
				if bytes.Contains(bytes.ToLower(raw), []byte("password")) || bytes.Contains(raw, []byte("MasterUserSecret")) {
					t.Errorf("service task definition mentions a password or the master secret: %s", raw)
				}
				env := envMap(webC)
				for k, want := range map[string]string{"DB_USERNAME": "app_runtime", "DB_AUTH": "iam", "DB_SSLMODE": "verify-full", "AWS_REGION": `{"Ref":"AWS::Region"}`} {
					if env[k] != want {
						t.Errorf("service env %s = %q, want %q", k, env[k], want)
					}
				}
			})
			t.Run("the task role may connect as exactly the runtime user", func(t *testing.T) {
				var connect []statement
				for _, st := range f.statements(svc) {
					if strings.Contains(st.json, "rds-db:") {
						connect = append(connect, st)
					}
				}
				want := `{"Action":"rds-db:connect","Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":rds-db:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":dbuser:",{"Fn::ImportValue":"` +
					*db.StackName() + `:ExportsOutputFnGetAttDatabaseB269D8BBDbiResourceIdFFE1C191"},"/app_runtime"]]}}`
				if len(connect) != 1 || connect[0].json != want || !connect[0].attachedTo("WebTaskTaskRole") || len(connect[0].roles) != 1 {
					t.Errorf("rds-db statements %+v\nwant exactly one, on the service's task role:\n%s", connect, want)
				}
			})
			t.Run("only the migration task's execution role may read the master secret", func(t *testing.T) {
				var readers []statement
				for _, st := range f.statements(svc) {
					if strings.Contains(st.json, "secretsmanager:") {
						readers = append(readers, st)
					}
				}
				if len(readers) != 1 || !readers[0].attachedTo("MigrationTaskExecutionRole") || len(readers[0].roles) != 1 ||
					!strings.Contains(readers[0].json, "MasterUserSecretSecretArn") {
					t.Errorf("secretsmanager statements %+v, want one on the migration task's execution role for the master secret", readers)
				}
			})
			t.Run("migration task: same image, own role", func(t *testing.T) {
				wi, _ := json.Marshal(webC["Image"])
				mi, _ := json.Marshal(migC["Image"])
				if !bytes.Equal(wi, mi) {
					t.Errorf("migration image %s, service image %s", mi, wi)
				}
				if cmd, _ := json.Marshal(migC["Command"]); string(cmd) != `["migrate"]` {
					t.Errorf("migration command %s", cmd)
				}
				we, _ := json.Marshal(web["ExecutionRoleArn"])
				me, _ := json.Marshal(mig["ExecutionRoleArn"])
				if bytes.Equal(we, me) || !strings.Contains(string(me), "MigrationTaskExecutionRole") {
					t.Errorf("execution roles: service %s, migration %s", we, me)
				}
				secrets, _ := json.Marshal(migC["Secrets"])
				if got := names(migC["Secrets"]); !slices.Equal(got, []string{"DB_PASSWORD", "DB_USERNAME"}) ||
					strings.Count(string(secrets), "MasterUserSecretSecretArn") != 2 {
					t.Errorf("migration secrets %s, want username and password from the master secret", secrets)
				}
				env := envMap(migC)
				if env["DB_RUNTIME_USERNAME"] != "app_runtime" || env["DB_SSLMODE"] != "verify-full" {
					t.Errorf("migration env %v", env)
				}
			})
			t.Run("the run is a custom resource triggered only by the task definition", func(t *testing.T) {
				id, run := f.byPrefix(t, svc, "Custom::OneOffTask", "MigrationRun")
				var props []string
				for k := range run {
					props = append(props, k)
				}
				sort.Strings(props)
				if strings.Join(props, ",") != "Cluster,Container,LogGroup,SecurityGroups,ServiceToken,Subnets,TaskDefinition" {
					t.Errorf("%s properties %v", id, props)
				}
				migID, _ := f.byPrefix(t, svc, "AWS::ECS::TaskDefinition", "MigrationTask")
				if ref, _ := json.Marshal(run["TaskDefinition"]); string(ref) != `{"Ref":"`+migID+`"}` {
					t.Errorf("TaskDefinition %s, want the migration task definition's revision ARN", ref)
				}
			})
			t.Run("the service moves to a new revision only after the run", func(t *testing.T) {
				runID, _ := f.byPrefix(t, svc, "Custom::OneOffTask", "MigrationRun")
				for id, r := range f.templates[*svc.StackName()]["Resources"].(map[string]any) {
					res := r.(map[string]any)
					if res["Type"] == "AWS::ECS::Service" {
						deps, _ := json.Marshal(res["DependsOn"])
						if !strings.Contains(string(deps), `"`+runID+`"`) {
							t.Errorf("%s DependsOn %s, want %s", id, deps, runID)
						}
					}
				}
				var afterDB bool
				for _, d := range *svc.Dependencies() {
					afterDB = afterDB || *d.StackName() == *db.StackName()
				}
				if !afterDB {
					t.Error("the Service stack does not depend on the Database stack")
				}
			})
			t.Run("no hotswap rolls an image out without its migration: the service's container carries an attribute of the run", func(t *testing.T) {
				runID, _ := f.byPrefix(t, svc, "Custom::OneOffTask", "MigrationRun")
				_, task := f.byPrefix(t, svc, "AWS::ECS::TaskDefinition", "WebTask")
				labels := mustJSON(stratPath(task, "ContainerDefinitions", 0, "DockerLabels"))
				if want := `{"` + stacks.MigrationRunLabel + `":{"Fn::GetAtt":["` + runID + `","TaskArn"]}}`; labels != want {
					t.Errorf("service container DockerLabels %s, want %s (the CDK CLI cannot resolve it, so it cannot hotswap the service)", labels, want)
				}
			})
			t.Run("runner handlers: inline, least privilege", func(t *testing.T) {
				for prefix, want := range map[string]string{"MigrationHandler": "index.onEvent", "MigrationCheck": "index.isComplete"} {
					_, fn := f.byPrefix(t, svc, "AWS::Lambda::Function", prefix)
					code := fn["Code"].(map[string]any)
					if code["ZipFile"] != runtask.Handler || fn["Runtime"] != "nodejs24.x" || fn["Handler"] != want || fn["Timeout"] != float64(60) {
						t.Errorf("%s: handler %v, runtime %v, timeout %v, inline code %v", prefix, fn["Handler"], fn["Runtime"], fn["Timeout"], code["ZipFile"] == runtask.Handler)
					}
				}
				_, check := f.byPrefix(t, svc, "AWS::Lambda::Function", "MigrationCheck")
				if env := mustJSON(check["Environment"]); env != fmt.Sprintf(`{"Variables":{"RUN_TIMEOUT_MINUTES":"%d"}}`, appconstructs.RunTimeoutMinutes) {
					t.Errorf("check environment %s", env)
				}
				var ecsStatements []statement
				for _, st := range f.statements(svc) {
					if strings.Contains(st.json, "ecs:") || strings.Contains(st.json, "iam:PassRole") {
						ecsStatements = append(ecsStatements, st)
					}
				}
				for _, st := range ecsStatements {
					starts := strings.Contains(st.json, "ecs:RunTask") || strings.Contains(st.json, "iam:PassRole")
					watches := strings.Contains(st.json, "ecs:DescribeTasks") || strings.Contains(st.json, "ecs:StopTask")
					switch {
					case starts && (!st.attachedTo("MigrationHandlerServiceRole") || len(st.roles) != 1 || watches):
						t.Errorf("start statement %s on %v, want the start handler's role alone", st.json, st.roles)
					case strings.Contains(st.json, "ecs:RunTask") && !strings.Contains(st.json, "ServiceMigrationTask"):
						t.Errorf("RunTask beyond the migration family: %s", st.json)
					case strings.Contains(st.json, "iam:PassRole") && strings.Contains(st.json, "WebTask"):
						t.Errorf("PassRole of the service's roles: %s", st.json)
					case watches && (!st.attachedTo("MigrationCheckServiceRole") || len(st.roles) != 1 || !(longTaskARN(st) || shortTaskARNOnCluster(st))):
						t.Errorf("watch statement %s on %v, want the check handler's role alone, on the cluster's tasks", st.json, st.roles)
					}
				}
				if len(ecsStatements) != 4 {
					t.Errorf("%d ECS/PassRole statements, want 4 (RunTask, PassRole, DescribeTasks+StopTask on each task ARN format)", len(ecsStatements))
				}
			})
			t.Run("check handler: both task ARN formats", func(t *testing.T) {
				var long, short bool
				for _, st := range f.statements(svc) {
					if st.attachedTo("MigrationCheckServiceRole") && strings.Contains(st.json, `"ecs:DescribeTasks","ecs:StopTask"`) {
						long = long || longTaskARN(st)
						short = short || shortTaskARNOnCluster(st)
					}
				}
				if !long || !short {
					t.Errorf("long task ARN format allowed: %v, short one (on the cluster condition): %v; want both", long, short)
				}
			})
			t.Run("provider waiter: within the hour", func(t *testing.T) {
				_, sm := f.byPrefix(t, svc, "AWS::StepFunctions::StateMachine", "MigrationProviderwaiterstatemachine")
				def := mustJSON(sm["DefinitionString"])
				m := regexp.MustCompile(`\\"IntervalSeconds\\":(\d+),\\"MaxAttempts\\":(\d+),\\"BackoffRate\\":1\b`).FindStringSubmatch(def)
				if m == nil {
					t.Fatalf("waiter definition without a fixed-interval retry: %s", def)
				}
				interval, _ := strconv.Atoi(m[1])
				attempts, _ := strconv.Atoi(m[2])
				if total := interval * attempts; total <= appconstructs.RunTimeoutMinutes*60 || total >= 3600 {
					t.Errorf("waiter gives up after %d s: want more than the handler's %d min (which stops the task and says why) and less than CloudFormation's 3600 s", total, appconstructs.RunTimeoutMinutes)
				}
				logging := mustJSON(sm["LoggingConfiguration"])
				if !strings.Contains(logging, `"IncludeExecutionData":false,"Level":"ALL"`) || !strings.Contains(logging, "MigrationWaiterLogs") {
					t.Errorf("waiter logging %s", logging)
				}
				_, logs := f.byPrefix(t, svc, "AWS::Logs::LogGroup", "MigrationWaiterLogs")
				if name := mustJSON(logs["LogGroupName"]); !strings.HasPrefix(name, `"/aws/vendedlogs/states/`) {
					t.Errorf("waiter log group %s, want a vended-logs name", name)
				}
			})
			t.Run("tasks' egress: PostgreSQL and HTTPS only", func(t *testing.T) {
				for _, prefix := range []string{"TaskSecurityGroup", "MigrationSecurityGroup"} {
					sgID, sg := f.byPrefix(t, svc, "AWS::EC2::SecurityGroup", prefix)
					inline, _ := json.Marshal(sg["SecurityGroupEgress"])
					if string(inline) != `[{"CidrIp":"0.0.0.0/0","Description":"HTTPS: AWS APIs (STS, Secrets Manager, CloudWatch Logs) and image registries","FromPort":443,"IpProtocol":"tcp","ToPort":443}]` {
						t.Errorf("%s inline egress %s", sgID, inline)
					}
					var rules []string
					for _, e := range f.resources(svc, "AWS::EC2::SecurityGroupEgress") {
						if strings.Contains(mustJSON(e["GroupId"]), sgID) {
							rules = append(rules, mustJSON(map[string]any{"port": e["FromPort"], "to": e["DestinationSecurityGroupId"]}))
						}
					}
					sort.Strings(rules)
					want := []string{`{"port":5432,"to":{"Fn::ImportValue":"` + *db.StackName() + `:ExportsOutputFnGetAttDatabaseSecurityGroup5C91FDCBGroupId8DCC9244"}}`}
					if v.name == "options" { // no NAT: the VPC endpoints' group too
						want = append([]string{`{"port":443,"to":{"Fn::ImportValue":"` + *v.d.Network.StackName() + `:ExportsOutputFnGetAttEndpointSecurityGroupF840B798GroupIdB674FE46"}}`}, want...)
					}
					if !slices.Equal(rules, want) {
						t.Errorf("%s egress rules %v, want %v", sgID, rules, want)
					}
				}
			})
			t.Run("the database admits the service and the migration task", func(t *testing.T) {
				var sources []string
				for _, in := range f.resources(svc, "AWS::EC2::SecurityGroupIngress") {
					if in["FromPort"] == float64(5432) {
						sources = append(sources, mustJSON(in["SourceSecurityGroupId"]))
					}
				}
				sort.Strings(sources)
				if len(sources) != 2 || !strings.Contains(sources[0], "MigrationSecurityGroup") || !strings.Contains(sources[1], "TaskSecurityGroup") {
					t.Errorf("PostgreSQL ingress from %v", sources)
				}
			})
		})
	}

	t.Run("custom: migration task off and egress open", func(t *testing.T) {
		svc := f.custom.Service.Stack
		for _, typ := range []string{"Custom::OneOffTask", "AWS::Lambda::Function"} {
			if got := f.resources(svc, typ); len(got) != 0 {
				t.Errorf("%s with migrationCommand=none: %v", typ, keys(got))
			}
		}
		if n := len(f.resources(svc, "AWS::ECS::TaskDefinition")); n != 1 {
			t.Errorf("%d task definitions, want only the service's", n)
		}
		for _, st := range f.statements(svc) {
			if strings.Contains(st.json, "secretsmanager:") {
				t.Errorf("with the migration task off nothing may read the master secret: %s", st.json)
			}
		}
		_, sg := f.byPrefix(t, svc, "AWS::EC2::SecurityGroup", "TaskSecurityGroup")
		if egress := mustJSON(sg["SecurityGroupEgress"]); !strings.Contains(egress, `"CidrIp":"0.0.0.0/0"`) || !strings.Contains(egress, `"IpProtocol":"-1"`) {
			t.Errorf("openEgress: egress %s, want all traffic", egress)
		}
	})
}

// TestImageContract holds both task definitions to sampleapi/contract.json,
// which the sample API's own tests read too: variable names, fixed values,
// the migrate command.
func TestImageContract(t *testing.T) {
	c := loadContract(t)
	f := app(t)
	svc := f.dev.Service.Stack
	_, web := f.byPrefix(t, svc, "AWS::ECS::TaskDefinition", "WebTask")
	_, mig := f.byPrefix(t, svc, "AWS::ECS::TaskDefinition", "MigrationTask")
	for _, tt := range []struct {
		name             string
		container        map[string]any
		env, secrets     []string
		values           map[string]string
		command, wantCmd []string
	}{
		{"service", onlyContainer(t, web), c.Environment, c.Secrets, c.Values, nil, nil},
		{"migration", onlyContainer(t, mig), c.Migrate.Environment, c.Migrate.Secrets, c.Migrate.Values, nil, c.Migrate.Command},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := envMap(tt.container)
			var gotEnv []string
			for k := range env {
				gotEnv = append(gotEnv, k)
			}
			if !equalStrings(gotEnv, tt.env) || !equalStrings(names(tt.container["Secrets"]), tt.secrets) {
				t.Errorf("environment %v and secrets %v; contract %v and %v", gotEnv, names(tt.container["Secrets"]), tt.env, tt.secrets)
			}
			for k, v := range tt.values {
				if env[k] != v {
					t.Errorf("%s = %q, contract says %q", k, env[k], v)
				}
			}
			var cmd []string
			if list, ok := tt.container["Command"].([]any); ok {
				for _, a := range list {
					cmd = append(cmd, a.(string))
				}
			}
			if !slices.Equal(cmd, tt.wantCmd) {
				t.Errorf("command %q, contract %q", cmd, tt.wantCmd)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
