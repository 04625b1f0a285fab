package database

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RDSIAMRole is the role RDS for PostgreSQL provides for IAM database
// authentication: a member logs in with an IAM token instead of a password.
const RDSIAMRole = "rds_iam"

// RuntimeRole is the least-privileged login role the service connects as.
type RuntimeRole struct {
	// Name of the login role, e.g. "app_runtime".
	Name string
	// IAMRole is granted to the role when it exists in the cluster, which
	// is what tells an RDS instance (it has rds_iam) from a plain
	// PostgreSQL server. Default: RDSIAMRole. Tests pass their own name.
	IAMRole string
}

// grant creates the role if needed and leaves it able to read and write the
// application's tables and nothing else: no superuser or other elevated
// attribute, no CREATE anywhere (no DDL, no temporary tables), no writes to
// schema_migrations, CONNECT only on this database. It runs as the
// migrating (master) user, after the migrations and in their transaction,
// so the grants always cover the current tables. Every statement is
// idempotent.
func (r RuntimeRole) grant(ctx context.Context, tx pgx.Tx) error {
	if r.Name == "" {
		return errors.New("set up runtime role: empty role name")
	}
	iamRole := r.IAMRole
	if iamRole == "" {
		iamRole = RDSIAMRole
	}
	role := pgx.Identifier{r.Name}.Sanitize()

	var exists, elevated bool
	if err := tx.QueryRow(ctx, `SELECT true, rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls
		FROM pg_roles WHERE rolname = $1`, r.Name).Scan(&exists, &elevated); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("look up role %s: %w", r.Name, err)
	}
	if elevated {
		// Altering these attributes needs a superuser, which the RDS master
		// user is not; refusing is safer than running with them.
		return fmt.Errorf("set up runtime role: role %s exists with SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS; drop it or remove those attributes", r.Name)
	}
	var db string
	if err := tx.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		return fmt.Errorf("read database name: %w", err)
	}
	database := pgx.Identifier{db}.Sanitize()

	var stmts []string
	if !exists {
		stmts = append(stmts, "CREATE ROLE "+role+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
	}
	stmts = append(stmts,
		// PUBLIC gets CONNECT and TEMPORARY on every new database, and on
		// PostgreSQL 14 and older CREATE on schema public: take them away
		// here so only named roles reach this database.
		"REVOKE ALL ON DATABASE "+database+" FROM PUBLIC",
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		"GRANT CONNECT ON DATABASE "+database+" TO "+role,
		"GRANT USAGE ON SCHEMA public TO "+role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "+role,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "+role,
		// The service reads the schema version at startup, nothing more.
		"REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM "+role,
	)
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("set up runtime role: %s: %w", s, err)
		}
	}

	var onRDS bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", iamRole).Scan(&onRDS); err != nil {
		return fmt.Errorf("look up role %s: %w", iamRole, err)
	}
	if onRDS {
		if _, err := tx.Exec(ctx, "GRANT "+pgx.Identifier{iamRole}.Sanitize()+" TO "+role); err != nil {
			return fmt.Errorf("grant %s to %s: %w", iamRole, r.Name, err)
		}
	}
	return nil
}
