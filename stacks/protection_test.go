package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// TestDeletionProtection holds docs/operations.md's "Tearing prod down": prod's
// stateful and user-facing pieces refuse deletion until turned off on
// purpose; dev stays destroyable with one command.
func TestDeletionProtection(t *testing.T) {
	f := app(t)
	attr := func(value string) assertions.Matcher {
		return obj("LoadBalancerAttributes", arrayWith(obj("Key", "deletion_protection.enabled", "Value", value)))
	}
	t.Run("prod ALB has deletion protection", func(t *testing.T) {
		hasResource(t, f.prod.Service.Stack, "AWS::ElasticLoadBalancingV2::LoadBalancer", attr("true"))
	})
	t.Run("dev ALB can be deleted", func(t *testing.T) {
		for id, lb := range f.resources(f.dev.Service.Stack, "AWS::ElasticLoadBalancingV2::LoadBalancer") {
			attrs, _ := lb["LoadBalancerAttributes"].([]any)
			for _, a := range attrs {
				if m := a.(map[string]any); m["Key"] == "deletion_protection.enabled" && m["Value"] != "false" {
					t.Errorf("%s: deletion_protection.enabled = %v in dev", id, m["Value"])
				}
			}
		}
	})
	t.Run("prod database protected", func(t *testing.T) {
		hasResource(t, f.prod.Database.Stack, "AWS::RDS::DBInstance", obj("DeletionProtection", true))
		if !*f.prod.Database.TerminationProtection() {
			t.Error("prod database stack has no termination protection")
		}
	})
}
