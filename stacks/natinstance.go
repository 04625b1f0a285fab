package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cloudwatch "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	cwactions "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
)

// natInstanceProvider returns CDK's Amazon Linux 2023 NAT instance provider
// for instances of instanceType, with the image of the type's architecture
// (arm64 for Graviton), as aws-cdk-lib derives it from the type's name.
func natInstanceProvider(instanceType string) ec2.NatInstanceProviderV2 {
	typ := ec2.NewInstanceType(jsii.String(instanceType))
	cpu := ec2.AmazonLinuxCpuType_X86_64
	if typ.Architecture() == ec2.InstanceArchitecture_ARM_64 {
		cpu = ec2.AmazonLinuxCpuType_ARM_64
	}
	props := &ec2.NatInstanceProps{
		InstanceType: typ,
		// AWS's public SSM parameter for the kernel AWS makes the default (not
		// the 6.1 that MachineImage_LatestAmazonLinux2023 pins), resolved by
		// CloudFormation on every deploy: synth needs no lookup, and a deploy
		// after a new AMI release replaces the instance with a patched one.
		MachineImage: ec2.NewAmazonLinux2023ImageSsmParameter(&ec2.AmazonLinux2023ImageSsmParameterProps{
			CpuType: cpu,
			Kernel:  ec2.AmazonLinux2023Kernel_DEFAULT(),
			// A CloudFormation parameter, not a context lookup at synth.
			CachedInContext: jsii.Bool(false),
		}),
		// The provider's default admits all traffic from 0.0.0.0/0;
		// configureNATInstances admits the private subnets only.
		DefaultAllowedTraffic: ec2.NatTrafficDirection_OUTBOUND_ONLY,
		UserData:              natUserData(),
	}
	if strings.HasPrefix(instanceType, "t") {
		// Out of CPU credits, a standard-mode instance slows to its baseline
		// instead of billing surplus credits: the monthly cost stays fixed.
		props.CreditSpecification = ec2.CpuCredits_STANDARD
	}
	return ec2.NatProvider_InstanceV2(props)
}

// natCommands configure forwarding and masquerading like the provider's
// default script, but survive what that script does not: dnf racing Amazon
// Linux's own first-boot dnf run (aws-cdk#36717), and a reboot, such as an
// automatic recovery, after which the default's rules are gone. They also
// install cfn-signal, which Amazon Linux 2023 does not ship.
var natCommands = []string{
	"set -euxo pipefail",
	"for attempt in $(seq 30); do dnf install -y iptables-services aws-cfn-bootstrap && break; sleep 10; done",
	"rpm -q iptables-services aws-cfn-bootstrap",
	"echo 'net.ipv4.ip_forward=1' > /etc/sysctl.d/90-nat.conf",
	"sysctl -p /etc/sysctl.d/90-nat.conf",
	"systemctl enable --now iptables",
	`iface=$(ip route show default | awk '{print $5; exit}')`,
	`test -n "$iface"`,
	`iptables -t nat -A POSTROUTING -o "$iface" -j MASQUERADE`,
	// The iptables-services defaults reject forwarded packets.
	"iptables -F FORWARD",
	// iptables.service restores this file on every boot.
	"iptables-save > /etc/sysconfig/iptables",
}

func natUserData() ec2.UserData {
	ud := ec2.UserData_ForLinux(nil)
	ud.AddCommands(*jsii.Strings(natCommands...)...)
	return ud
}

// configureNATInstances locks down the NAT instances the VPC created:
// ingress from the private subnets only, IMDSv2 only, an encrypted root
// volume, Session Manager instead of SSH, and a CloudWatch alarm that
// recovers an instance onto new hardware when its host fails. It returns the
// instances and, for each, an alarm on its status checks.
func configureNATInstances(stack awscdk.Stack, vpc ec2.Vpc, nat ec2.NatInstanceProviderV2) ([]ec2.IInstance, []cloudwatch.IAlarm) {
	// By CIDR, as the VPC guide's NAT instance security group does: whatever
	// runs in the private subnets may egress, and the network stack names no
	// group of the stacks that depend on it.
	private := vpc.SelectSubnets(&ec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)})
	for i, s := range *private.Subnets {
		nat.SecurityGroup().AddIngressRule(ec2.Peer_Ipv4(s.Ipv4CidrBlock()), ec2.Port_AllTraffic(),
			jsii.String(fmt.Sprintf("Egress of private subnet %d, to be forwarded", i+1)), jsii.Bool(false))
	}

	var instances []ec2.IInstance
	var statusAlarms []cloudwatch.IAlarm
	for i, inst := range *nat.GatewayInstances() {
		instances = append(instances, inst)
		cfn := inst.Instance()
		// CloudFormation completes the instance, and only then points the
		// private subnets' routes at it, when its script has signalled that
		// forwarding works; a failed script rolls the deploy back instead of
		// leaving the subnets without egress. The provider shares one user
		// data between its instances; the signal must name each one.
		ud := natUserData()
		ud.AddSignalOnExitCommand(inst)
		cfn.SetUserData(awscdk.Fn_Base64(ud.Render()))
		cfn.CfnOptions().SetCreationPolicy(&awscdk.CfnCreationPolicy{
			ResourceSignal: &awscdk.CfnResourceSignal{Count: jsii.Number(1), Timeout: jsii.String("PT15M")},
		})
		cfn.SetMetadataOptions(&ec2.CfnInstance_MetadataOptionsProperty{
			HttpEndpoint:            jsii.String("enabled"),
			HttpTokens:              jsii.String("required"),
			HttpPutResponseHopLimit: jsii.Number(1),
		})
		// The AMI's own root device (/dev/xvda on Amazon Linux 2023) at its
		// own size, encrypted with the account's EBS key.
		cfn.SetBlockDeviceMappings(&[]any{&ec2.CfnInstance_BlockDeviceMappingProperty{
			DeviceName: jsii.String("/dev/xvda"),
			Ebs: &ec2.CfnInstance_EbsProperty{
				Encrypted:           jsii.Bool(true),
				VolumeType:          jsii.String("gp3"),
				DeleteOnTermination: jsii.Bool(true),
			},
		}})
		// What the SSM agent (preinstalled on Amazon Linux 2023) needs for
		// Session Manager, and nothing else: the managed policy
		// AmazonSSMManagedInstanceCore would also let it read every SSM
		// parameter in the account.
		inst.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings(
				"ssm:UpdateInstanceInformation",
				"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
				"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
			),
			Resources: jsii.Strings("*"),
		}))
		appconstructs.Suppress(inst.Role(), appconstructs.Suppression{
			Rule:      "AwsSolutions-IAM5",
			Reason:    "Session Manager's agent channels (ssmmessages) have no resource-level permissions, and the instance role exists before the instance ID it would name",
			AppliesTo: []string{"Resource::*"},
		})
		appconstructs.Suppress(cfn,
			appconstructs.Suppression{
				Rule:   "AwsSolutions-EC28",
				Reason: "status-check metrics, which the recovery and monitoring alarms use, come every minute without detailed monitoring; a NAT instance needs no 1-minute CPU metrics at $2.10 a month",
			},
			appconstructs.Suppression{
				Rule:   "AwsSolutions-EC29",
				Reason: "stateless: CloudFormation replaces it on every new Amazon Linux AMI and deletes it with the stack, which termination protection would block; host failures are recovered in place",
			},
		)

		// Simplified automatic recovery is on by default for supported types;
		// the alarm makes recovery explicit and prompt (2 minutes).
		cloudwatch.NewAlarm(stack, jsii.String(fmt.Sprintf("NatInstance%dRecovery", i+1)), &cloudwatch.AlarmProps{
			AlarmDescription:   jsii.String("NAT instance: the host failed its system status check; EC2 recovers the instance onto healthy hardware"),
			Metric:             StatusCheckMetric(inst, "StatusCheckFailed_System"),
			Threshold:          jsii.Number(1),
			ComparisonOperator: cloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(2),
			DatapointsToAlarm:  jsii.Number(2),
		}).AddAlarmAction(cwactions.NewEc2Action(cwactions.Ec2InstanceAction_RECOVER))

		// In this stack, so that it follows the instance when a new image
		// replaces it; the Monitoring stack notifies on it through a
		// composite alarm. An import of the instance ID there would lock
		// the export and fail every deploy that replaces the instance.
		// No data is as bad as a failed check: the instance is stopped.
		statusAlarms = append(statusAlarms, cloudwatch.NewAlarm(stack, jsii.String(fmt.Sprintf("NatInstance%dStatus", i+1)), &cloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("NAT instance %d: status checks fail or report nothing (stopped), so the private subnets it serves have no egress", i+1)),
			Metric:             StatusCheckMetric(inst, "StatusCheckFailed"),
			Threshold:          jsii.Number(0),
			ComparisonOperator: cloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(5),
			DatapointsToAlarm:  jsii.Number(3),
			TreatMissingData:   cloudwatch.TreatMissingData_BREACHING,
		}))
	}
	return instances, statusAlarms
}

// StatusCheckMetric is one of an EC2 instance's status-check metrics
// (StatusCheckFailed, StatusCheckFailed_System, StatusCheckFailed_Instance)
// per minute, which EC2 publishes at no charge.
func StatusCheckMetric(inst ec2.IInstance, name string) cloudwatch.IMetric {
	return cloudwatch.NewMetric(&cloudwatch.MetricProps{
		Namespace:     jsii.String("AWS/EC2"),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{"InstanceId": inst.InstanceId()},
		Period:        awscdk.Duration_Minutes(jsii.Number(1)),
		Statistic:     jsii.String("Maximum"),
	})
}
