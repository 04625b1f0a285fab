package constructs

import (
	"testing"

	"github.com/example/fargate-api/constructs/httpapi"
)

// TestPrivateHTTPAPIRejectsBadProps: the construct refuses what API Gateway
// would accept but nobody wants (a stage throttled to 0 requests per
// second) and what would fail deep inside the CDK, before it creates
// anything, naming each field.
func TestPrivateHTTPAPIRejectsBadProps(t *testing.T) {
	ts := newTestStack()
	valid := func() PrivateHTTPAPIProps {
		return PrivateHTTPAPIProps{
			VPC:      ts.cluster.Vpc(),
			Listener: ts.service.Listener,
			Settings: httpapi.Defaults(),
		}
	}
	tests := []struct {
		name   string
		modify func(*PrivateHTTPAPIProps)
		want   []string
	}{
		{"zero throttle", func(p *PrivateHTTPAPIProps) { p.ThrottleRateLimit = 0 }, []string{
			"PrivateHTTPAPI Test/BadApi0: invalid props:", "ThrottleRateLimit: 0 is not allowed; allowed: 1 to 10000 requests per second"}},
		{"zero settings", func(p *PrivateHTTPAPIProps) { p.Settings = httpapi.Settings{} }, []string{
			`Routes: "" is not allowed`, `StageName: "" is not allowed`, "ThrottleBurstLimit: 0 is not allowed", "AccessLogRetentionDays: 0 is not allowed"}},
		{"no network", func(p *PrivateHTTPAPIProps) { p.VPC, p.Listener = nil, nil }, []string{
			`VPC: "nil" is not allowed`, `Listener: "nil" is not allowed`}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "BadApi" + string(rune('0'+i))
			p := valid()
			tt.modify(&p)
			rejectsProps(t, ts.stack, id, tt.want, func() { NewPrivateHTTPAPI(ts.stack, id, p) })
		})
	}
}
