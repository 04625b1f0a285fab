package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/example/fargate-api/stacks"
)

// TestTaskCount holds docs/design.md's "Autoscaling owns the task count": the service template never
// carries a desired count, which CloudFormation would send with every
// update and so reset what the autoscaler scaled to; the scalable target in
// the same stack brings a new service up to the configured minimum.
func TestTaskCount(t *testing.T) {
	f := app(t)
	for _, name := range []string{"dev", "prod", "custom", "options"} {
		d := map[string]stacks.Set{"dev": f.dev, "prod": f.prod, "custom": f.custom, "options": f.options}[name]
		svc := d.Service.Stack
		t.Run(name+": no DesiredCount in the service template", func(t *testing.T) {
			for id, s := range f.resources(svc, "AWS::ECS::Service") {
				if v, ok := s["DesiredCount"]; ok {
					t.Errorf("%s: DesiredCount %v would reset the autoscaled task count on every deploy", id, v)
				}
			}
		})
		t.Run(name+": the service's scalable target starts it at the minimum", func(t *testing.T) {
			target := f.only(t, svc, "AWS::ApplicationAutoScaling::ScalableTarget")
			want := f.cfg[name].Service
			if target["MinCapacity"] != float64(want.MinCapacity) || target["MaxCapacity"] != float64(want.MaxCapacity) {
				t.Errorf("scalable target %v..%v, want %d..%d", target["MinCapacity"], target["MaxCapacity"], want.MinCapacity, want.MaxCapacity)
			}
			raw, _ := json.Marshal(target["ResourceId"])
			if target["ScalableDimension"] != "ecs:service:DesiredCount" || !strings.Contains(string(raw), `"Fn::GetAtt":["WebService`) {
				t.Errorf("scalable target %s %s, want the service's desired count", target["ScalableDimension"], raw)
			}
		})
	}
}
