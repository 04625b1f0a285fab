package stacks_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/config"
	"github.com/example/fargate-api/constructs/cdktest"
	"github.com/example/fargate-api/stacks"
)

// natCIDRIngress returns, per security group of a NAT instance in tpl (an
// instance with source/destination checks off), the CIDRs it may admit: the
// private subnets' and nothing else.
func natCIDRIngress(tpl map[string]any) map[string]map[string]bool {
	resources := tpl["Resources"].(map[string]any)
	private := map[string]bool{}
	for _, r := range resources {
		res := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		if res["Type"] != "AWS::EC2::Subnet" {
			continue
		}
		raw, _ := json.Marshal(props["Tags"])
		if strings.Contains(string(raw), `{"Key":"aws-cdk:subnet-name","Value":"`+stacks.PrivateSubnets+`"}`) {
			private[props["CidrBlock"].(string)] = true
		}
	}
	out := map[string]map[string]bool{}
	for _, r := range resources {
		res := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		if res["Type"] != "AWS::EC2::Instance" || props["SourceDestCheck"] != false {
			continue
		}
		groups, _ := props["SecurityGroupIds"].([]any)
		for _, g := range groups {
			if ref, ok := g.(map[string]any)["Fn::GetAtt"].([]any); ok {
				out[ref[0].(string)] = private
			}
		}
	}
	return out
}

// text concatenates the strings in a template value, in order: the script
// in a user data's Fn::Base64 of an Fn::Join.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, x := range v {
			b.WriteString(text(x))
		}
		return b.String()
	case map[string]any:
		var b strings.Builder
		for _, k := range keys(v) {
			b.WriteString(text(v[k]))
		}
		return b.String()
	}
	return ""
}

func TestNATInstance(t *testing.T) {
	f := app(t)
	dev := f.dev.Network.Stack
	tpl := f.templates[*dev.StackName()]
	instances := f.resources(dev, "AWS::EC2::Instance")
	if len(instances) != 1 {
		t.Fatalf("dev has %d EC2 instances, want 1 NAT instance", len(instances))
	}
	var id string
	var inst map[string]any
	for id, inst = range instances {
	}
	ref := map[string]any{"Ref": id}

	tests := []struct {
		name  string
		props assertions.Matcher
	}{
		{"Graviton t4g.nano forwarding traffic", obj("InstanceType", "t4g.nano", "SourceDestCheck", false)},
		{"IMDSv2 only", obj("MetadataOptions", obj("HttpTokens", "required", "HttpEndpoint", "enabled"))},
		{"root volume is encrypted gp3", obj("BlockDeviceMappings", []any{obj("DeviceName", "/dev/xvda", "Ebs", obj("Encrypted", true, "VolumeType", "gp3", "DeleteOnTermination", true))})},
		{"no SSH key", obj("KeyName", assertions.Match_Absent())},
		{"standard CPU credits: a fixed price", obj("CreditSpecification", obj("CPUCredits", "standard"))},
		{"has an instance profile for Session Manager", obj("IamInstanceProfile", obj("Ref", assertions.Match_StringLikeRegexp(jsii.String("NatInstance"))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { hasResource(t, dev, "AWS::EC2::Instance", tt.props) })
	}

	t.Run("image: arm64 AL2023 from SSM", func(t *testing.T) {
		param, _ := inst["ImageId"].(map[string]any)["Ref"].(string)
		p, _ := tpl["Parameters"].(map[string]any)[param].(map[string]any)
		if p["Type"] != "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" || p["Default"] != "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" {
			t.Errorf("ImageId = %v, parameter %v; want the al2023 arm64 SSM parameter", inst["ImageId"], p)
		}
	})
	t.Run("user data: masquerade, persist, signal", func(t *testing.T) {
		ud := text(inst["UserData"])
		for _, want := range []string{
			"dnf install -y iptables-services aws-cfn-bootstrap && break", "ip_forward=1", "-j MASQUERADE", "iptables -F FORWARD",
			"iptables-save > /etc/sysconfig/iptables", "systemctl enable --now iptables",
			"trap exitTrap EXIT", "/opt/aws/bin/cfn-signal --stack " + *dev.StackName() + " --resource " + id + " ",
		} {
			if !strings.Contains(ud, want) {
				t.Errorf("user data lacks %q: %s", want, ud)
			}
		}
	})
	t.Run("CloudFormation waits for its signal before routing to it", func(t *testing.T) {
		assert(t, func() {
			assertions.Template_FromStack(dev, nil).HasResource(jsii.String("AWS::EC2::Instance"),
				obj("CreationPolicy", obj("ResourceSignal", obj("Count", 1, "Timeout", "PT15M"))))
		})
	})
	t.Run("both private subnets route to it", func(t *testing.T) {
		n := 0
		for _, r := range f.resources(dev, "AWS::EC2::Route") {
			if raw, _ := json.Marshal(r["InstanceId"]); string(raw) == `{"Ref":"`+id+`"}` && r["DestinationCidrBlock"] == "0.0.0.0/0" {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d default routes to the NAT instance, want 2", n)
		}
	})
	t.Run("admits the private subnets only", func(t *testing.T) {
		groups, _ := inst["SecurityGroupIds"].([]any)
		if len(groups) != 1 {
			t.Fatalf("SecurityGroupIds = %v, want one group", groups)
		}
		sg := f.resources(dev, "AWS::EC2::SecurityGroup")[groups[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)]
		var got []string
		for _, rule := range sg["SecurityGroupIngress"].([]any) {
			got = append(got, rule.(map[string]any)["CidrIp"].(string))
		}
		slices.Sort(got)
		if want := []string{"10.0.16.0/20", "10.0.32.0/20"}; !slices.Equal(got, want) {
			t.Errorf("ingress from %v, want the private subnets %v", got, want)
		}
	})
	t.Run("role may use Session Manager and nothing else", func(t *testing.T) {
		for _, r := range f.resources(dev, "AWS::IAM::Role") {
			if raw, _ := json.Marshal(r["AssumeRolePolicyDocument"]); strings.Contains(string(raw), "ec2.amazonaws.com") && r["ManagedPolicyArns"] != nil {
				t.Errorf("NAT instance role has managed policies %v", r["ManagedPolicyArns"])
			}
		}
		hasResource(t, dev, "AWS::IAM::Policy", obj("PolicyDocument", obj("Statement", []any{obj(
			"Action", []any{"ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
			"Effect", "Allow", "Resource", "*")})))
	})
	t.Run("a failed host recovers the instance", func(t *testing.T) {
		hasResource(t, dev, "AWS::CloudWatch::Alarm", obj(
			"Namespace", "AWS/EC2", "MetricName", "StatusCheckFailed_System", "Dimensions", []any{obj("Name", "InstanceId", "Value", ref)},
			"Threshold", 1, "ComparisonOperator", "GreaterThanOrEqualToThreshold",
			"AlarmActions", []any{obj("Fn::Join", arrayWith(arrayWith(":ec2:recover")))}))
	})
	t.Run("status-check alarm in the same stack", func(t *testing.T) {
		hasResource(t, dev, "AWS::CloudWatch::Alarm", obj(
			"Namespace", "AWS/EC2", "MetricName", "StatusCheckFailed", "Statistic", "Maximum", "Threshold", 0,
			"ComparisonOperator", "GreaterThanThreshold", "EvaluationPeriods", 5, "DatapointsToAlarm", 3,
			"TreatMissingData", "breaching", "Dimensions", []any{obj("Name", "InstanceId", "Value", ref)}))
	})
	t.Run("Monitoring notifies on that alarm, not on the instance ID", func(t *testing.T) {
		status, ok := f.byLogicalID(dev, "AWS::CloudWatch::Alarm", "NatInstance1Status")
		if !ok || status["MetricName"] != "StatusCheckFailed" {
			t.Fatalf("no NatInstance1Status alarm in %s", *dev.StackName())
		}
		composite := f.only(t, f.dev.Monitoring.Stack, "AWS::CloudWatch::CompositeAlarm")
		rule := text(composite["AlarmRule"])
		if !strings.HasPrefix(rule, `ALARM("`) || !strings.Contains(rule, "NatInstance1Status") {
			t.Errorf("AlarmRule = %v, want ALARM(the Network stack's NatInstance1Status)", composite["AlarmRule"])
		}
		for _, key := range []string{"AlarmActions", "OKActions"} {
			if raw, _ := json.Marshal(composite[key]); !strings.Contains(string(raw), `"Ref":"Alarms`) {
				t.Errorf("%s = %s, want the alarm topic", key, raw)
			}
		}
		raw, _ := json.Marshal(f.templates[*f.dev.Monitoring.StackName()])
		if strings.Contains(string(raw), id) {
			t.Errorf("the Monitoring stack refers to the NAT instance %s itself: replacing it would fail on the export", id)
		}
	})
}

func TestNATGateways(t *testing.T) {
	f := app(t)
	tests := []struct {
		name                string
		d                   stacks.Set
		gateways, instances int
		monitoringNATAlarms int
	}{
		{"prod: one NAT gateway per AZ", f.prod, 2, 0, 0},
		{"dev with natProvider=gateway: one NAT gateway", f.custom, 1, 0, 0},
		{"no NAT: neither", f.options, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw, inst := len(f.resources(tt.d.Network.Stack, "AWS::EC2::NatGateway")), len(f.resources(tt.d.Network.Stack, "AWS::EC2::Instance"))
			if gw != tt.gateways || inst != tt.instances {
				t.Errorf("NAT gateways %d, instances %d; want %d, %d", gw, inst, tt.gateways, tt.instances)
			}
			for id, a := range f.resources(tt.d.Network.Stack, "AWS::CloudWatch::Alarm") {
				t.Errorf("alarm %s (%v) in the Network stack without NAT instances", id, a["MetricName"])
			}
			if n := len(f.resources(tt.d.Monitoring.Stack, "AWS::CloudWatch::CompositeAlarm")); n != 0 {
				t.Errorf("%d composite alarms without NAT instances", n)
			}
		})
	}
}

// TestNATInstancesInProd builds the Network stack alone for prod with NAT
// instances of an x86 type, pinned to an account and region: one instance
// per AZ, each AZ's private subnet routed to its own, the x86_64 image, no
// context lookup (synth stays offline), and no unsuppressed cdk-nag finding.
func TestNATInstancesInProd(t *testing.T) {
	flags, err := cdktest.Context()
	if err != nil {
		t.Fatal(err)
	}
	flags["availability-zones:account=123456789012:region=eu-west-1"] = []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	ctx := map[string]any{}
	for k, v := range flags {
		ctx[k] = v
	}
	for k, v := range map[string]any{"app:profile": "prod", "app:natProvider": "instance", "app:natInstanceType": "t3.small",
		"app:account": "123456789012", "app:region": "eu-west-1"} {
		ctx[k] = v
	}
	cfg, err := config.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := awscdk.NewApp(&awscdk.AppProps{Context: &flags, BuiltinCloudFormationValidation: jsii.Bool(false)})
	stacks.AddChecks(a)
	p := stacks.NetworkProps{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)}},
		Network:    cfg.Network,
	}
	net := stacks.NewNetwork(a, "ProdNatInstances", p)
	// cdk.json's @aws-cdk/core:annotationsInValidationReport makes synth
	// fail on any unsuppressed cdk-nag finding.
	var asm cxapi.CloudAssembly
	func() {
		defer func() {
			if r := recover(); r != nil {
				// The panic names only the report's path; the findings are in it.
				msg := fmt.Sprint(r)
				if _, path, ok := strings.Cut(msg, "can be found in: "); ok {
					if report, err := os.ReadFile(strings.TrimSpace(path)); err == nil {
						msg += "\n" + string(report)
					}
				}
				t.Fatalf("synth: %s", msg)
			}
		}()
		asm = a.Synth(nil)
	}()
	manifest, err := os.ReadFile(*asm.Directory() + "/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(manifest), `"missing"`) {
		t.Errorf("synth needs context lookups: %s", manifest)
	}
	raw, err := os.ReadFile(*asm.GetStackArtifact(net.ArtifactId()).TemplateFullPath())
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	resources := func(typ string) map[string]map[string]any {
		out := map[string]map[string]any{}
		for id, r := range tpl["Resources"].(map[string]any) {
			if res := r.(map[string]any); res["Type"] == typ {
				out[id], _ = res["Properties"].(map[string]any)
			}
		}
		return out
	}

	if n, m := len(net.NATInstances), len(resources("AWS::EC2::Instance")); n != 2 || m != 2 {
		t.Fatalf("%d NAT instances (%d in the template), want 2 (one per AZ)", n, m)
	}
	if n := len(resources("AWS::EC2::NatGateway")); n != 0 {
		t.Errorf("%d NAT gateways next to NAT instances", n)
	}
	t.Run("each AZ's private subnet routes to the NAT instance in its AZ", func(t *testing.T) {
		for id, r := range resources("AWS::EC2::Route") {
			if !strings.HasPrefix(id, "VpcPrivateSubnet") {
				continue
			}
			instance, _ := r["InstanceId"].(map[string]any)
			target, _ := instance["Ref"].(string)
			az := strings.TrimPrefix(id, "VpcPrivateSubnet")[:1]
			if want := "VpcPublicSubnet" + az + "NatInstance"; !strings.HasPrefix(target, want) {
				t.Errorf("route %s targets %q, want the NAT instance %s…", id, target, want)
			}
		}
	})
	t.Run("x86 type gets the x86_64 image", func(t *testing.T) {
		for _, p := range tpl["Parameters"].(map[string]any) {
			if d, _ := p.(map[string]any)["Default"].(string); strings.Contains(d, "al2023") && d != "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" {
				t.Errorf("image parameter %s, want the x86_64 one", d)
			}
		}
	})
	t.Run("a recovery and a status alarm per instance", func(t *testing.T) {
		n := map[any]int{}
		for _, a := range resources("AWS::CloudWatch::Alarm") {
			n[a["MetricName"]]++
		}
		if n["StatusCheckFailed_System"] != 2 || n["StatusCheckFailed"] != 2 || len(net.NATInstanceAlarms) != 2 {
			t.Errorf("alarms by metric %v and %d status alarms for Monitoring; want 2 of each", n, len(net.NATInstanceAlarms))
		}
	})
}

// TestNATFamiliesMatchCDK holds config's architecture of each allowed NAT
// instance family, which validation promises, to the one aws-cdk-lib derives
// from the type, which picks the image.
func TestNATFamiliesMatchCDK(t *testing.T) {
	for family, arch := range config.NATFamilies() {
		want := ec2.InstanceArchitecture_X86_64
		if arch == config.ArchARM {
			want = ec2.InstanceArchitecture_ARM_64
		}
		if got := ec2.NewInstanceType(jsii.String(family + ".large")).Architecture(); got != want {
			t.Errorf("%s: config says %s, aws-cdk-lib says %s", family, arch, got)
		}
	}
}
