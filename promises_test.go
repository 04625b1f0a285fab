package main

import (
	"testing"
)

// TestListenerPortInOnePlace holds that the ALB listener's port is stated
// once, where the listener is made: in every deployment the VPC link's
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
