package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	appconstructs "github.com/example/fargate-api/constructs"
	"github.com/example/fargate-api/stacks/settings"
)

// DatabasePort is PostgreSQL's port. cdk-nag's advice to move off the
// default port is declined below: the security group admits only the tasks.
const DatabasePort = 5432

// MasterUsername is the administrative user RDS creates with the instance.
// Only the migration task signs in as it.
const MasterUsername = "app_admin"

// RuntimeUsername is the least-privileged role the service's tasks sign in
// as, with IAM tokens; the migration task creates and grants it.
const RuntimeUsername = "app_runtime"

// CACertificate is the certificate authority pinned on the instance. The
// sample API's image trusts its root (and the other RDS roots).
const CACertificate = "rds-ca-rsa2048-g1"

// DatabaseProps configures the Database stack.
type DatabaseProps struct {
	awscdk.StackProps
	VPC ec2.IVpc
	// Settings are the database's own settings, validated (config guarantees
	// an EngineVersion of the form "NN.N").
	settings.Database
}

// Database is RDS for PostgreSQL in the isolated subnets. RDS manages the
// master user's password in Secrets Manager and rotates it (every 7 days
// by default); nothing else in the template holds a credential.
type Database struct {
	awscdk.Stack
	Instance rds.IDatabaseInstance
	// MasterSecret is the RDS-managed secret of the master user (JSON with
	// username and password). Only the migration task may read it.
	MasterSecret awssecretsmanager.ISecret
	DatabaseName string
	// Port is the port PostgreSQL listens on. It is a plain number rather
	// than the instance's endpoint attribute so dependents need no export.
	Port int
}

// Construct IDs of the stateful resources. Renaming one replaces the
// database (and loses its data) on the next deploy; stacks/database_test.go pins the
// logical IDs they produce.
const (
	databaseID = "Database"
)

// NewDatabase creates the Database stack.
func NewDatabase(scope constructs.Construct, id string, p DatabaseProps) *Database {
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)

	removal := awscdk.RemovalPolicy_DESTROY
	if p.Protected {
		removal = awscdk.RemovalPolicy_SNAPSHOT
	}
	var maxStorage *float64
	if p.MaxAllocatedStorageGiB > 0 {
		maxStorage = jsii.Number(p.MaxAllocatedStorageGiB)
	}
	major := p.EngineVersion[:2] // config guarantees "NN.N"
	db := rds.NewDatabaseInstance(stack, jsii.String(databaseID), &rds.DatabaseInstanceProps{
		Engine: rds.DatabaseInstanceEngine_Postgres(&rds.PostgresInstanceEngineProps{
			Version: rds.PostgresEngineVersion_Of(jsii.String(p.EngineVersion), jsii.String(major), nil),
		}),
		// The template pins a minor version, so automatic minor upgrades would
		// make the next deploy try to move the instance back; upgrade by
		// changing app:dbEngineVersion instead.
		AutoMinorVersionUpgrade: jsii.Bool(false),
		InstanceType:            ec2.NewInstanceType(jsii.String(p.InstanceClass)),
		Vpc:                     p.VPC,
		VpcSubnets:              &ec2.SubnetSelection{SubnetGroupName: jsii.String(IsolatedSubnets)},
		Port:                    jsii.Number(DatabasePort),
		Credentials:             credentials(p.KeepLegacySecret),
		CaCertificate:           rds.CaCertificate_Of(jsii.String(CACertificate)),
		DatabaseName:            jsii.String(p.Name),
		StorageType:             rds.StorageType_GP3,
		AllocatedStorage:        jsii.Number(p.AllocatedStorageGiB),
		MaxAllocatedStorage:     maxStorage,
		StorageEncrypted:        jsii.Bool(true),
		MultiAz:                 jsii.Bool(p.MultiAZ),
		PubliclyAccessible:      jsii.Bool(false),
		IamAuthentication:       jsii.Bool(true),
		BackupRetention:         awscdk.Duration_Days(jsii.Number(p.BackupRetentionDays)),
		DeleteAutomatedBackups:  jsii.Bool(!p.Protected),
		CopyTagsToSnapshot:      jsii.Bool(true),
		CloudwatchLogsExports:   jsii.Strings("postgresql", "upgrade"),
		CloudwatchLogsRetention: appconstructs.Retention(p.LogRetentionDays),
		DeletionProtection:      jsii.Bool(p.Protected),
		RemovalPolicy:           removal,
	})

	// RDS generates the master password, keeps it in a secret of its own
	// (encrypted with the aws/secretsmanager key) and rotates it. Turning it
	// on for an existing instance is an in-place modification.
	cfn := db.Node().DefaultChild().(rds.CfnDBInstance)
	cfn.SetMasterUserPassword(nil)
	cfn.SetManageMasterUserPassword(jsii.Bool(true))
	master := awssecretsmanager.Secret_FromSecretCompleteArn(stack, jsii.String("MasterSecret"), cfn.AttrMasterUserSecretSecretArn())
	if p.KeepLegacySecret {
		// Same construct, same logical IDs and the same export name as
		// before, so this deploy changes neither; the next one, without the
		// setting, deletes them once nothing imports the export.
		stack.ExportValue(db.Secret().SecretArn(), nil)
		appconstructs.Suppress(db, appconstructs.Suppression{
			Rule:   "AwsSolutions-SMG4",
			Reason: "app:dbKeepLegacySecret: the pre-upgrade secret is kept for one deploy and no longer holds a valid password; RDS manages and rotates the master password in its own secret",
		})
	}

	appconstructs.Suppress(db,
		appconstructs.Suppression{
			Rule:   "AwsSolutions-RDS11",
			Reason: "a non-default port adds no protection here: the instance sits in isolated subnets and its security group admits only the service's tasks",
		},
	)
	if !p.Protected {
		appconstructs.Suppress(db,
			appconstructs.Suppression{Rule: "AwsSolutions-RDS3", Reason: "dev profile: a single-AZ instance halves the cost; prod turns Multi-AZ on (app:dbMultiAz)"},
			appconstructs.Suppression{Rule: "AwsSolutions-RDS10", Reason: "dev profile: the database is disposable and must be destroyable with its stack; prod turns deletion protection on"},
		)
	} else if !p.MultiAZ {
		appconstructs.Suppress(db, appconstructs.Suppression{Rule: "AwsSolutions-RDS3", Reason: "Multi-AZ turned off explicitly with app:dbMultiAz=false"})
	}
	suppressCDKHandlers(stack, "sets the retention of the log groups RDS creates for exported logs")

	return &Database{Stack: stack, Instance: db, MasterSecret: master, DatabaseName: p.Name, Port: DatabasePort}
}

// credentials are the master user's. A password (rather than a generated
// secret) keeps CDK from creating a secret of its own; it never reaches the
// template, which gets ManageMasterUserPassword instead (the L2 construct
// does not offer it). keepLegacy builds the generated secret of earlier
// releases instead, whose MasterUserPassword is removed the same way.
func credentials(keepLegacy bool) rds.Credentials {
	if keepLegacy {
		return rds.Credentials_FromGeneratedSecret(jsii.String(MasterUsername), nil)
	}
	return rds.Credentials_FromPassword(jsii.String(MasterUsername), awscdk.SecretValue_UnsafePlainText(jsii.String("replaced-by-rds-managed-password")))
}
