package constructs

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Suppression accepts one cdk-nag finding with the reason it does not apply.
type Suppression struct {
	// Rule is the cdk-nag rule ID, e.g. "AwsSolutions-IAM5".
	Rule string
	// Reason says why the finding is acceptable for this resource.
	Reason string
	// AppliesTo narrows the suppression to these finding details, e.g.
	// "Resource::*", or to those matching a regular expression written
	// between slashes, e.g. "/^Resource::.*:log-group:.*$/". Empty
	// suppresses the rule for the whole resource.
	AppliesTo []string
}

// Suppress attaches suppressions to scope and all its children. Keep scope as
// narrow as the finding: a suppression on a stack hides future findings too.
func Suppress(scope constructs.IConstruct, suppressions ...Suppression) {
	out := make([]*cdknag.NagPackSuppression, len(suppressions))
	for i, s := range suppressions {
		n := &cdknag.NagPackSuppression{Id: jsii.String(s.Rule), Reason: jsii.String(s.Reason)}
		if len(s.AppliesTo) > 0 {
			applies := make([]any, len(s.AppliesTo))
			for j, a := range s.AppliesTo {
				if len(a) > 1 && strings.HasPrefix(a, "/") && strings.HasSuffix(a, "/") {
					applies[j] = &cdknag.RegexAppliesTo{Regex: jsii.String(a)}
				} else {
					applies[j] = a
				}
			}
			n.AppliesTo = &applies
		}
		out[i] = n
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &out, jsii.Bool(true))
}
