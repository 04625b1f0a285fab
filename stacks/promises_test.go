package stacks_test

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/example/fargate-api/stacks"
)

// TestListenerPortInOnePlace holds that the ALB listener's port is stated
// once, where the listener is made: in every variant the VPC link's
// egress rule and the ALB's ingress rule for it open exactly the port the
// listener has, so changing that one literal moves all three.
func TestListenerPortInOnePlace(t *testing.T) {
	f := app(t)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			d := v.into(f)
			listener := f.only(t, d.Service.Stack, "AWS::ElasticLoadBalancingV2::Listener")
			port := listener["Port"]
			rules := 0
			for _, typ := range []string{"AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroupIngress"} {
				for id, r := range f.resources(d.API.Stack, typ) {
					if r["Description"] != "API Gateway VPC link to ALB listener" {
						continue
					}
					rules++
					if r["FromPort"] != port || r["ToPort"] != port {
						t.Errorf("%s %s opens ports %v-%v; the listener's port is %v", typ, id, r["FromPort"], r["ToPort"], port)
					}
				}
			}
			if rules != 2 {
				t.Errorf("%d VPC link rules (egress and ingress) in %s, want 2", rules, *d.API.Stack.StackName())
			}
		})
	}
}

// TestProdThrottling holds that the prod profile's stage limits (1000
// requests per second, bursts of 2000) reach its stage: dev's equal the
// code's own literals, so only prod can tell a literal from the setting.
func TestProdThrottling(t *testing.T) {
	f := app(t)
	hasResource(t, f.prod.API.Stack, "AWS::ApiGatewayV2::Stage", obj(
		"DefaultRouteSettings", obj("ThrottlingRateLimit", 1000, "ThrottlingBurstLimit", 2000)))
}

// TestAutomatedBackupsOnDeletion holds that deleting prod's database keeps
// its automated backups (they expire with their retention), while dev's go
// with the instance.
func TestAutomatedBackupsOnDeletion(t *testing.T) {
	f := app(t)
	for _, tt := range []struct {
		name   string
		d      stacks.Set
		delete bool
	}{{"prod keeps them", f.prod, false}, {"dev deletes them", f.dev, true}} {
		t.Run(tt.name, func(t *testing.T) {
			db := f.only(t, tt.d.Database.Stack, "AWS::RDS::DBInstance")
			if got := db["DeleteAutomatedBackups"]; got != tt.delete {
				t.Errorf("DeleteAutomatedBackups = %v, want %v", got, tt.delete)
			}
		})
	}
}

// TestTargetGroupsAlike holds that a traffic-shifting deployment's two
// target groups differ in nothing but their identity: the alternate group
// serves production after every other deployment, so its health check,
// deregistration delay, port and protocol must be the primary's.
func TestTargetGroupsAlike(t *testing.T) {
	f := app(t)
	for _, v := range variants {
		d := v.into(f)
		groups := f.resources(d.Service.Stack, "AWS::ElasticLoadBalancingV2::TargetGroup")
		if len(groups) == 1 {
			continue // rolling: one group
		}
		t.Run(v.name, func(t *testing.T) {
			if len(groups) != 2 {
				t.Fatalf("%d target groups, want 1 or 2", len(groups))
			}
			var ids []string
			for id := range groups {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			if diff := cmp.Diff(groups[ids[0]], groups[ids[1]]); diff != "" {
				t.Errorf("%s and %s differ (-%[1]s +%[2]s):\n%[3]s", ids[0], ids[1], diff)
			}
		})
	}
}

// TestAlarmPublishersSameAccount holds that CloudWatch may use the topic's
// key and publish to the topic only on behalf of alarms in this account
// (aws:SourceAccount), not for any account's alarm that names the topic.
func TestAlarmPublishersSameAccount(t *testing.T) {
	f := app(t)
	mon := f.dev.Monitoring.Stack
	sameAccount := obj("StringEquals", obj("aws:SourceAccount", obj("Ref", "AWS::AccountId")))
	t.Run("key policy", func(t *testing.T) {
		hasResource(t, mon, "AWS::KMS::Key", obj("KeyPolicy", obj("Statement", arrayWith(obj(
			"Principal", obj("Service", "cloudwatch.amazonaws.com"), "Condition", sameAccount)))))
	})
	t.Run("topic policy", func(t *testing.T) {
		hasResource(t, mon, "AWS::SNS::TopicPolicy", obj("PolicyDocument", obj("Statement", arrayWith(obj(
			"Principal", obj("Service", "cloudwatch.amazonaws.com"), "Action", "sns:Publish", "Condition", sameAccount)))))
	})
}

// TestMigrationTaskSubnets holds that the migration task runs where the
// service's tasks run (the private subnets with egress), in every
// deployment: from public subnets it would need a public IP to pull its
// image, from isolated ones it reaches nothing without VPC endpoints.
func TestMigrationTaskSubnets(t *testing.T) {
	f := app(t)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			svc := v.into(f).Service.Stack
			if why := f.broken(*svc.StackName()); why != "" {
				t.Fatal(why)
			}
			if len(f.resources(svc, "Custom::OneOffTask")) == 0 {
				t.Skip("app:migrationCommand=none here")
			}
			run := f.only(t, svc, "Custom::OneOffTask")
			service := f.only(t, svc, "AWS::ECS::Service")
			want, _ := json.Marshal(service["NetworkConfiguration"].(map[string]any)["AwsvpcConfiguration"].(map[string]any)["Subnets"])
			got, _ := json.Marshal(run["Subnets"])
			if !bytes.Equal(got, want) {
				t.Errorf("migration task subnets %s, want the service's %s", got, want)
			}
			if !strings.Contains(string(got), "PrivateSubnet") {
				t.Errorf("migration task subnets %s are not the private subnets", got)
			}
		})
	}
}

// TestAccessLogBucketTLSOnly holds that the ALB access-log bucket refuses
// every request that does not use TLS.
func TestAccessLogBucketTLSOnly(t *testing.T) {
	f := app(t)
	hasResource(t, f.custom.Service.Stack, "AWS::S3::BucketPolicy", obj("PolicyDocument", obj("Statement", arrayWith(obj(
		"Effect", "Deny", "Action", "s3:*", "Principal", obj("AWS", "*"),
		"Condition", obj("Bool", obj("aws:SecureTransport", "false")))))))
}
