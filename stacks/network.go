package stacks

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cloudwatch "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
	"github.com/example/fargate-api/stacks/settings"
)

// Subnet group names. Dependents select subnets by group, which holds
// whether or not the private tier has a NAT route.
const (
	PrivateSubnets  = "Private"
	IsolatedSubnets = "Isolated"
)

// NetworkProps configures the Network stack.
type NetworkProps struct {
	awscdk.StackProps
	// Settings are the VPC's: AZs, NAT devices (NATGateways of them, NAT
	// instances of NATInstanceType with NATProvider NATInstance, NAT gateways
	// otherwise; none builds a VPC without internet access, with VPC
	// endpoints for ECR, S3, CloudWatch Logs and Secrets Manager instead)
	// and flow log retention.
	settings.Network
	// ExecEndpoint adds the ssmmessages endpoint ECS Exec needs when there
	// is no NAT gateway.
	ExecEndpoint bool
}

// Network is the VPC: public subnets for NAT gateways or instances only, private subnets
// for the ALB, the tasks and the VPC link, and isolated subnets without any
// route out for the database.
type Network struct {
	awscdk.Stack
	VPC ec2.IVpc
	// Endpoints admits HTTPS to the interface endpoints; nil with NAT
	// gateways. Dependents allow their tasks to it.
	Endpoints ec2.ISecurityGroup
	// NATInstances are the NAT instances, one per NAT AZ; empty with NAT
	// gateways or without NAT.
	NATInstances []ec2.IInstance
	// NATInstanceAlarms watch each NAT instance's status checks, in the
	// order of NATInstances; they notify no one by themselves.
	NATInstanceAlarms []cloudwatch.IAlarm
}

// NewNetwork creates the Network stack.
func NewNetwork(scope constructs.Construct, id string, p NetworkProps) *Network {
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)

	subnets := []*ec2.SubnetConfiguration{
		{Name: jsii.String("Public"), SubnetType: ec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
		{Name: jsii.String(PrivateSubnets), SubnetType: ec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(20)},
		{Name: jsii.String(IsolatedSubnets), SubnetType: ec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
	}
	if p.NATGateways == 0 {
		// Nothing public: no internet gateway, no NAT, no route out.
		subnets = []*ec2.SubnetConfiguration{
			{Name: jsii.String(PrivateSubnets), SubnetType: ec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(20)},
			{Name: jsii.String(IsolatedSubnets), SubnetType: ec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		}
	}
	vpcProps := &ec2.VpcProps{
		IpAddresses:         ec2.IpAddresses_Cidr(jsii.String("10.0.0.0/16")),
		MaxAzs:              jsii.Number(p.MaxAZs),
		NatGateways:         jsii.Number(p.NATGateways),
		SubnetConfiguration: &subnets,
		// Strips all rules from the VPC's default security group, so nothing
		// launched without an explicit group gets traffic.
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	}
	var natInstances ec2.NatInstanceProviderV2
	if p.NATInstances() {
		natInstances = natInstanceProvider(p.NATInstanceType)
		vpcProps.NatGatewayProvider = natInstances
	}
	vpc := ec2.NewVpc(stack, jsii.String("Vpc"), vpcProps)
	flowLogs := appconstructs.NewLogGroup(stack, "FlowLogs", p.FlowLogRetentionDays)
	vpc.AddFlowLog(jsii.String("FlowLog"), &ec2.FlowLogOptions{
		Destination: ec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
		TrafficType: ec2.FlowLogTrafficType_ALL,
	})

	n := &Network{Stack: stack, VPC: vpc}
	if p.NATGateways == 0 {
		n.Endpoints = addEndpoints(stack, vpc, p.ExecEndpoint)
	}
	if natInstances != nil {
		n.NATInstances, n.NATInstanceAlarms = configureNATInstances(stack, vpc, natInstances)
	}
	suppressCDKHandlers(stack, "restricts the VPC's default security group")
	return n
}

// addEndpoints gives tasks without internet access what Fargate needs: ECR
// (API, Docker registry, and S3 for its layers), CloudWatch Logs for the
// awslogs driver and Secrets Manager for ECS secrets.
func addEndpoints(stack awscdk.Stack, vpc ec2.Vpc, exec bool) ec2.ISecurityGroup {
	private := &ec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)}
	vpc.AddGatewayEndpoint(jsii.String("S3"), &ec2.GatewayVpcEndpointOptions{
		Service: ec2.GatewayVpcEndpointAwsService_S3(),
		Subnets: &[]*ec2.SubnetSelection{private},
	})
	sg := ec2.NewSecurityGroup(stack, jsii.String("EndpointSecurityGroup"), &ec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("VPC interface endpoints: HTTPS from the groups that are allowed to them"),
		AllowAllOutbound: jsii.Bool(false),
	})
	services := map[string]ec2.InterfaceVpcEndpointAwsService{
		"EcrApi":         ec2.InterfaceVpcEndpointAwsService_ECR(),
		"EcrDocker":      ec2.InterfaceVpcEndpointAwsService_ECR_DOCKER(),
		"Logs":           ec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS(),
		"SecretsManager": ec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER(),
	}
	if exec {
		services["SsmMessages"] = ec2.InterfaceVpcEndpointAwsService_SSM_MESSAGES()
	}
	for _, id := range slices.Sorted(maps.Keys(services)) {
		vpc.AddInterfaceEndpoint(jsii.String(id), &ec2.InterfaceVpcEndpointOptions{
			Service:        services[id],
			Subnets:        private,
			SecurityGroups: &[]ec2.ISecurityGroup{sg},
			// Open would admit the whole VPC CIDR; dependents add their groups.
			Open:              jsii.Bool(false),
			PrivateDnsEnabled: jsii.Bool(true),
		})
	}
	return sg
}
