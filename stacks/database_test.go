package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func TestDatabase(t *testing.T) {
	f := app(t)
	dev, prod := f.dev.Database.Stack, f.prod.Database.Stack
	tests := []struct {
		name  string
		stack awscdk.Stack
		props assertions.Matcher
	}{
		{"PostgreSQL on a full minor version", dev, obj("Engine", "postgres", "EngineVersion", "17.9")},
		{"storage is encrypted gp3", dev, obj("StorageEncrypted", true, "StorageType", "gp3", "AllocatedStorage", "20", "MaxAllocatedStorage", 50)},
		{"not publicly accessible", dev, obj("PubliclyAccessible", false)},
		{"logs exported to CloudWatch", dev, obj("EnableCloudwatchLogsExports", []any{"postgresql", "upgrade"})},
		{"dev keeps backups 1 day", dev, obj("BackupRetentionPeriod", 1)},
		{"dev is single-AZ and deletable", dev, obj("MultiAZ", false, "DeletionProtection", false, "DBInstanceClass", "db.t4g.micro")},
		{"prod keeps backups 14 days", prod, obj("BackupRetentionPeriod", 14)},
		{"prod is Multi-AZ with deletion protection", prod, obj("MultiAZ", true, "DeletionProtection", true, "DBInstanceClass", "db.t4g.medium")},
		{"RDS manages the master password", dev, obj("MasterUsername", "app_admin", "ManageMasterUserPassword", true, "MasterUserPassword", assertions.Match_Absent())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { hasResource(t, tt.stack, "AWS::RDS::DBInstance", tt.props) })
	}

	t.Run("subnet group uses only isolated subnets", func(t *testing.T) {
		sg := f.only(t, dev, "AWS::RDS::DBSubnetGroup")
		raw, _ := json.Marshal(sg["SubnetIds"])
		if strings.Count(string(raw), "Isolated") != 2 || strings.Contains(string(raw), "Private") {
			t.Errorf("SubnetIds = %s, want the two isolated subnets", raw)
		}
	})
	t.Run("removal: dev deletes, prod snapshots", func(t *testing.T) {
		assert(t, func() {
			f.template(dev).HasResource(jsii.String("AWS::RDS::DBInstance"), obj("DeletionPolicy", "Delete"))
			f.template(prod).HasResource(jsii.String("AWS::RDS::DBInstance"), obj("DeletionPolicy", "Snapshot", "UpdateReplacePolicy", "Snapshot"))
		})
	})
	t.Run("prod database stack has termination protection", func(t *testing.T) {
		if !*prod.TerminationProtection() || *dev.TerminationProtection() {
			t.Errorf("termination protection: prod %v, dev %v; want true, false", *prod.TerminationProtection(), *dev.TerminationProtection())
		}
	})
}

// TestStatefulLogicalIDs pins the logical IDs of the database and its
// subnet group. A change here means the next deploy replaces them: data loss.
//
// The master secret is no longer a template resource: RDS creates and
// rotates it (ManageMasterUserPassword). On an existing environment the
// next deploy modifies the instance in place (ManageMasterUserPassword and
// the removed MasterUserPassword are updatable properties; MasterUsername,
// which is create-only, stays the literal app_admin) and then deletes the
// old AWS::SecretsManager::Secret (logical ID
// FargateApidevDatabaseSecret4F46A4D63fdaad7efa858a3daf9490cf0a702aeb) and
// its SecretTargetAttachment (DatabaseSecretAttachmentE5D1B020). docs/operations.md
// ("Upgrading an existing environment") has the two-deploy sequence the
// exported secret reference needs. TestDatabaseAccess asserts that no
// secret resource comes back.
func TestStatefulLogicalIDs(t *testing.T) {
	f := app(t)
	want := map[string]string{
		"AWS::RDS::DBInstance":    "DatabaseB269D8BB",
		"AWS::RDS::DBSubnetGroup": "DatabaseSubnetGroup7D60F180",
	}
	for typ, id := range want {
		t.Run(typ, func(t *testing.T) {
			got := f.resources(f.dev.Database.Stack, typ)
			if _, ok := got[id]; !ok || len(got) != 1 {
				t.Errorf("logical IDs of %s = %v, want exactly [%s]", typ, keys(got), id)
			}
		})
	}
}
