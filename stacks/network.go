package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
)

// NetworkProps configures the Network stack.
type NetworkProps struct {
	awscdk.StackProps
	// MaxAZs is how many availability zones the VPC spans.
	MaxAZs int
	// NATGateways is how many NAT gateways serve the private subnets.
	NATGateways int
	// FlowLogRetentionDays is how long VPC flow logs are kept.
	FlowLogRetentionDays int
}

// Network is the VPC: public subnets for NAT gateways only, private subnets
// with egress for the ALB, the tasks and the VPC link, and isolated subnets
// without any route out for the database.
type Network struct {
	awscdk.Stack
	VPC ec2.IVpc
}

// NewNetwork creates the Network stack.
func NewNetwork(scope constructs.Construct, id string, p NetworkProps) *Network {
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)

	vpc := ec2.NewVpc(stack, jsii.String("Vpc"), &ec2.VpcProps{
		IpAddresses: ec2.IpAddresses_Cidr(jsii.String("10.0.0.0/16")),
		MaxAzs:      jsii.Number(p.MaxAZs),
		NatGateways: jsii.Number(p.NATGateways),
		SubnetConfiguration: &[]*ec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: ec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("Private"), SubnetType: ec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(20)},
			{Name: jsii.String("Isolated"), SubnetType: ec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
		// Strips all rules from the VPC's default security group, so nothing
		// launched without an explicit group gets traffic.
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	flowLogs := appconstructs.NewLogGroup(stack, "FlowLogs", p.FlowLogRetentionDays)
	vpc.AddFlowLog(jsii.String("FlowLog"), &ec2.FlowLogOptions{
		Destination: ec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
		TrafficType: ec2.FlowLogTrafficType_ALL,
	})

	suppressCDKHandlers(stack, "restricts the VPC's default security group")

	return &Network{Stack: stack, VPC: vpc}
}
