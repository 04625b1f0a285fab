package runtask

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hotswapEval runs the pinned CDK CLI's own template evaluator (the one its
// ECS hotswap uses to compute a task definition's new container definitions:
// isHotswappableEcsServiceChange → prepareTaskDefinitionChange) on the
// service's task definition, against a fake AWS SDK that knows the stack's
// resources and exports and, like Cloud Control, has no custom resource types.
const hotswapEval = `
const { EvaluateCloudFormationTemplate, CfnEvaluationException } = require(process.env.CDK_CLI);
async function evaluate(file, withoutLabel) {
  const template = JSON.parse(require('fs').readFileSync(file, 'utf8'));
  const task = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::ECS::TaskDefinition' && id.startsWith('WebTask'))[1];
  const defs = task.Properties.ContainerDefinitions;
  if (withoutLabel) for (const d of defs) delete d.DockerLabels;
  const imports = [...JSON.stringify(template).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map((m) => ({ Name: m[1], Value: 'imported' }));
  const resources = Object.entries(template.Resources).map(([id, r]) => ({ LogicalResourceId: id, PhysicalResourceId: 'physical-' + id, ResourceType: r.Type }));
  const sdk = {
    cloudFormation: () => ({ listStackResources: async () => resources, listExports: async () => ({ Exports: imports }) }),
    cloudControl: () => ({ getResource: async ({ TypeName }) => { throw Object.assign(new Error('type ' + TypeName + ' not found'), { name: 'TypeNotFoundException' }); } }),
    getUrlSuffix: async () => 'amazonaws.com',
  };
  const evaluator = new EvaluateCloudFormationTemplate({ stackArtifact: { stackName: 'Service', template }, template, account: '123456789012', region: 'eu-west-1', partition: 'aws', sdk });
  try {
    await evaluator.evaluateCfnExpression(defs);
    return { evaluated: true };
  } catch (err) {
    return { evaluated: false, cfnEvaluationException: err instanceof CfnEvaluationException, message: err.message };
  }
}
(async () => {
  const out = {};
  for (const file of process.env.TEMPLATES.split(',')) out[file] = { label: await evaluate(file, false), noLabel: await evaluate(file, true) };
  console.log(JSON.stringify(out));
})();
`

// TestPinnedCLICannotHotswapTheService: a hotswap (cdk watch, cdk deploy
// --hotswap) must not roll a new image out without its migration run. The
// CLI gives up a stack's hotswap when a CfnEvaluationException escapes its
// ECS detector; the service's container carries an attribute of the run
// (stacks.MigrationRunLabel) that only CloudFormation can resolve. The
// golden templates are the synthesized ones (TestGoldenTemplates holds that).
func TestPinnedCLICannotHotswapTheService(t *testing.T) {
	node, err := exec.LookPath("node")
	cli, _ := filepath.Abs("../../node_modules/aws-cdk/lib/index.js")
	if _, statErr := os.Stat(cli); err != nil || statErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or the pinned CDK CLI missing (%v, %v): run scripts/setup.sh and source scripts/node-env.sh", err, statErr)
		}
		t.Skip("node or the pinned CDK CLI missing: run scripts/setup.sh and source scripts/node-env.sh")
	}
	type result struct {
		Evaluated, CfnEvaluationException bool
		Message                           string
	}
	templates := map[string]string{}
	var files []string
	for _, profile := range []string{"dev", "prod"} {
		templates[profile] = "../../testdata/golden/FargateApi-" + profile + "-Service.json"
		files = append(files, templates[profile])
	}
	// One Node process: loading the CLI's bundle costs ~1.5 s of CPU (a
	// slice of the bundle up to the evaluator loads in a third of that, but
	// ties the test to esbuild's layout of one CLI version: not worth ~0.3 s
	// of a go test run on 2 cores).
	cmd := exec.Command(node, "-e", hotswapEval)
	cmd.Env = append(os.Environ(), "CDK_CLI="+cli, "TEMPLATES="+strings.Join(files, ","))
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			out = append(out, exit.Stderr...)
		}
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var results map[string]struct{ Label, NoLabel result }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &results); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	for _, profile := range []string{"dev", "prod"} {
		r := results[templates[profile]]
		t.Run(profile+": the CLI cannot compute the service's new container definitions", func(t *testing.T) {
			if r.Label.Evaluated || !r.Label.CfnEvaluationException || !strings.Contains(r.Label.Message, "Custom::OneOffTask") {
				t.Errorf("got %+v, want a CfnEvaluationException about the migration run's attribute (any other error would fail the deploy instead of skipping the hotswap)", r.Label)
			}
		})
		t.Run(profile+": control: without the label it can (the label alone stops it)", func(t *testing.T) {
			if !r.NoLabel.Evaluated {
				t.Errorf("got %+v, want the container definitions evaluated", r.NoLabel)
			}
		})
	}
}
