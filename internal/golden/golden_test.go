package golden

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	doc := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, want, got string
		limit           int
		diff            []string
	}{
		{"equal", `{"a":[1,{"b":2}]}`, `{"a":[1,{"b":2}]}`, 10, nil},
		{"changed scalar", `{"Resources":{"L":{"Properties":{"Port":80}}}}`, `{"Resources":{"L":{"Properties":{"Port":443}}}}`, 10,
			[]string{"changed Resources.L.Properties.Port: 80 → 443"}},
		{"resource removed and added: a replacement", `{"Resources":{"DbA":{"Type":"AWS::RDS::DBInstance"}}}`, `{"Resources":{"DbB":{"Type":"AWS::RDS::DBInstance"}}}`, 10,
			[]string{"removed Resources.DbA: a AWS::RDS::DBInstance", "added   Resources.DbB: a AWS::RDS::DBInstance"}},
		{"list grows", `{"a":[1]}`, `{"a":[1,"<x>"]}`, 10, []string{`added   a[1]: "<x>"`}},
		{"list shrinks", `{"a":[1,2]}`, `{"a":[1]}`, 10, []string{"removed a[1]: 2"}},
		{"type changes", `{"a":{"b":1}}`, `{"a":[1]}`, 10, []string{`changed a: {"b":1} → [1]`}},
		{"keys that are not names", `{"Metadata":{"aws:cdk:path":"x","a.b":1}}`, `{"Metadata":{"aws:cdk:path":"y","a.b":1}}`, 10,
			[]string{`changed Metadata.aws:cdk:path: "x" → "y"`}},
		{"dotted key", `{"m":{"a.b":1}}`, `{"m":{"a.b":2}}`, 10, []string{`changed m["a.b"]: 1 → 2`}},
		{"limit", `{"a":1,"b":1,"c":1}`, `{"a":2,"b":2,"c":2}`, 2,
			[]string{"changed a: 1 → 2", "changed b: 1 → 2", "… and more: see git diff after -update"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Diff(doc(tc.want), doc(tc.got), tc.limit); !reflect.DeepEqual(got, tc.diff) {
				t.Errorf("Diff:\n got  %q\n want %q", got, tc.diff)
			}
		})
	}
}

func TestJSONScrubsAssetHashes(t *testing.T) {
	hash := strings.Repeat("0123456789abcdef", 4)
	got, err := JSON(map[string]any{
		"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-assets:" + hash,
		"Code":  map[string]any{"S3Key": hash + ".zip"},
		"Tag":   hash[:63], // not a full hash: kept
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "Code": {
    "S3Key": "<asset-hash>.zip"
  },
  "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-assets:<asset-hash>",
  "Tag": "` + hash[:63] + `"
}
`
	if string(got) != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", got, want)
	}
}

func TestFromCLI(t *testing.T) {
	var template map[string]any
	if err := json.Unmarshal([]byte(`{
		"Conditions": {"CDKMetadataAvailable": {"Fn::Or": []}},
		"Resources": {
			"CDKMetadata": {"Type": "AWS::CDK::Metadata"},
			"Fn": {"Type": "AWS::Lambda::Function", "Metadata": {"aws:cdk:path": "S/Fn", "aws:asset:path": "asset.x", "aws:asset:property": "Code"}},
			"Db": {"Type": "AWS::RDS::DBInstance", "Metadata": {"aws:cdk:path": "S/Db", "cdk_nag": {"rules_to_suppress": []}}}
		}
	}`), &template); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Resources": map[string]any{
		"Fn": map[string]any{"Type": "AWS::Lambda::Function"},
		"Db": map[string]any{"Type": "AWS::RDS::DBInstance", "Metadata": map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": []any{}}}},
	}}
	if got := FromCLI(template); !reflect.DeepEqual(got, want) {
		t.Errorf("FromCLI kept or dropped the wrong things: %s", strings.Join(Diff(want, got, 10), "; "))
	}
}
