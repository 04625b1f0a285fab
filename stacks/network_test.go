package stacks_test

import (
	"testing"
)

func TestNetwork(t *testing.T) {
	f := app(t)
	dev, prod := f.dev.Network.Stack, f.prod.Network.Stack
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"VPC spans 2 AZs with public, private and isolated subnets", func(t *testing.T) {
			if got := len(f.resources(dev, "AWS::EC2::Subnet")); got != 6 {
				t.Errorf("subnets = %d, want 6", got)
			}
			for _, tier := range []string{"Public", "Private", "Isolated"} {
				hasResource(t, dev, "AWS::EC2::Subnet", obj("Tags", arrayWith(obj("Key", "aws-cdk:subnet-name", "Value", tier))))
			}
		}},
		{"dev uses a single NAT instance, no NAT gateway", func(t *testing.T) {
			if got, gw := len(f.resources(dev, "AWS::EC2::Instance")), len(f.resources(dev, "AWS::EC2::NatGateway")); got != 1 || gw != 0 {
				t.Errorf("NAT instances = %d, NAT gateways = %d; want 1, 0", got, gw)
			}
		}},
		{"prod uses one NAT gateway per AZ", func(t *testing.T) {
			if got := len(f.resources(prod, "AWS::EC2::NatGateway")); got != 2 {
				t.Errorf("NAT gateways = %d, want 2", got)
			}
		}},
		{"custom environment spans 2 of 3 looked-up AZs", func(t *testing.T) {
			hasResource(t, f.custom.Network.Stack, "AWS::EC2::Subnet", obj("AvailabilityZone", "eu-west-1b"))
		}},
		{"all VPC traffic is flow-logged to CloudWatch", func(t *testing.T) {
			hasResource(t, dev, "AWS::EC2::FlowLog", obj("TrafficType", "ALL", "LogDestinationType", "cloud-watch-logs"))
			hasResource(t, dev, "AWS::Logs::LogGroup", obj("RetentionInDays", 14))
			hasResource(t, prod, "AWS::Logs::LogGroup", obj("RetentionInDays", 90))
		}},
		{"default security group is stripped of its rules", func(t *testing.T) {
			if len(f.resources(dev, "Custom::VpcRestrictDefaultSG")) != 1 {
				t.Error("no Custom::VpcRestrictDefaultSG resource")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}
