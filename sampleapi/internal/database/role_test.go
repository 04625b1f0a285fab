package database

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/example/fargate-api/sampleapi/internal/testdb"
)

// uniqueRole returns a role name no other test uses (roles are shared by
// every database of the server) and drops the role when t ends.
func uniqueRole(t *testing.T, db testdb.DB, prefix string) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := prefix + "_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, db.URL)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer conn.Close(ctx)
		// DROP OWNED also revokes the role's privileges on shared objects.
		for _, s := range []string{"DROP OWNED BY " + pgx.Identifier{name}.Sanitize(), "DROP ROLE " + pgx.Identifier{name}.Sanitize()} {
			if _, err := conn.Exec(ctx, s); err != nil && !strings.Contains(err.Error(), "does not exist") {
				t.Errorf("cleanup %s: %v", s, err)
			}
		}
	})
	return name
}

// as returns db's URL for another user (the test server trusts loopback).
func as(t *testing.T, dbURL, user string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	return u.String()
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// TestRuntimeRoleGrants runs the migrate command's setup as the admin user,
// then connects as the runtime role and checks each promise: it reads and
// writes the application's tables, and everything else is refused.
func TestRuntimeRoleGrants(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	role := uniqueRole(t, db, "rt")
	iam := uniqueRole(t, db, "iam") // a stand-in for rds_iam that never exists

	admin := newPool(t, db.URL)
	if _, err := Setup(ctx, admin, &RuntimeRole{Name: role, IAMRole: iam}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	// A second run (the next deploy) changes nothing and succeeds.
	if applied, err := Setup(ctx, admin, &RuntimeRole{Name: role, IAMRole: iam}); err != nil || len(applied) != 0 {
		t.Fatalf("second Setup: applied %v, err %v", applied, err)
	}

	var super, createDB, createRole, replication, bypassRLS, canLogin bool
	if err := admin.QueryRow(ctx, `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin
		FROM pg_roles WHERE rolname = $1`, role).Scan(&super, &createDB, &createRole, &replication, &bypassRLS, &canLogin); err != nil {
		t.Fatal(err)
	}
	if super || createDB || createRole || replication || bypassRLS || !canLogin {
		t.Errorf("role attributes: superuser %v createdb %v createrole %v replication %v bypassrls %v login %v; want only login",
			super, createDB, createRole, replication, bypassRLS, canLogin)
	}

	rt := newPool(t, as(t, db.URL, role))
	t.Run("reads and writes the application's tables", func(t *testing.T) {
		for _, q := range []string{
			"INSERT INTO users (name, email) VALUES ('Ada', 'ada@example.com')",
			"UPDATE users SET name = 'Ada L' WHERE email = 'ada@example.com'",
			"SELECT count(*) FROM products",
			"DELETE FROM users WHERE email = 'ada@example.com'",
			"SELECT max(version) FROM schema_migrations",
		} {
			if _, err := rt.Exec(ctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	t.Run("runs no DDL", func(t *testing.T) {
		for _, q := range []string{
			"CREATE TABLE evil (id int)",
			"CREATE TEMP TABLE evil (id int)",
			"ALTER TABLE users ADD COLUMN evil int",
			"DROP TABLE products",
			"TRUNCATE users",
			"CREATE INDEX evil ON users (name)",
			"CREATE SCHEMA evil",
			"COMMENT ON TABLE users IS 'x'",
			"INSERT INTO schema_migrations (version, name) VALUES (9999, 'x')",
			"DELETE FROM schema_migrations",
		} {
			_, err := rt.Exec(ctx, q)
			if code := pgCode(err); code != "42501" { // insufficient_privilege
				t.Errorf("%s: err %v (code %q), want permission denied", q, err, code)
			}
		}
	})
	t.Run("reads no other database", func(t *testing.T) {
		other := testdb.New(t)
		otherAdmin := newPool(t, other.URL)
		if _, err := otherAdmin.Exec(ctx, "CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ('x')"); err != nil {
			t.Fatal(err)
		}
		conn, err := pgx.Connect(ctx, as(t, other.URL, role))
		if err == nil {
			defer conn.Close(ctx)
			var v string
			err = conn.QueryRow(ctx, "SELECT v FROM secrets").Scan(&v)
		}
		if code := pgCode(err); code != "42501" {
			t.Errorf("runtime role reading another database: err %v (code %q), want permission denied", err, code)
		}
	})
	t.Run("other roles may no longer connect to the application's database", func(t *testing.T) {
		stranger := uniqueRole(t, db, "stranger")
		if _, err := admin.Exec(ctx, "CREATE ROLE "+pgx.Identifier{stranger}.Sanitize()+" LOGIN"); err != nil {
			t.Fatal(err)
		}
		_, err := pgx.Connect(ctx, as(t, db.URL, stranger))
		if code := pgCode(err); code != "42501" {
			t.Errorf("connect as an unrelated role: err %v (code %q), want permission denied", err, code)
		}
	})
	t.Run("no IAM grant where the IAM role does not exist", func(t *testing.T) {
		if got := memberships(t, admin, role); len(got) != 0 {
			t.Errorf("role is a member of %v, want none", got)
		}
	})
}

// TestRuntimeRoleGetsIAMRoleWhereItExists plays an RDS instance: the IAM
// role exists, so the runtime role becomes a member and can sign in with
// IAM tokens there.
func TestRuntimeRoleGetsIAMRoleWhereItExists(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	role := uniqueRole(t, db, "rt")
	iam := uniqueRole(t, db, "iam")
	admin := newPool(t, db.URL)
	if _, err := admin.Exec(ctx, "CREATE ROLE "+pgx.Identifier{iam}.Sanitize()+" NOLOGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := Setup(ctx, admin, &RuntimeRole{Name: role, IAMRole: iam}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if got := memberships(t, admin, role); !slices.Equal(got, []string{iam}) {
		t.Errorf("role is a member of %v, want [%s]", got, iam)
	}
}

func TestRuntimeRoleRefusesElevatedRole(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	role := uniqueRole(t, db, "rt")
	admin := newPool(t, db.URL)
	if _, err := admin.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN CREATEDB"); err != nil {
		t.Fatal(err)
	}
	_, err := Setup(ctx, admin, &RuntimeRole{Name: role})
	if err == nil || !strings.Contains(err.Error(), "exists with SUPERUSER, CREATEDB") {
		t.Fatalf("Setup with an elevated existing role: %v, want a refusal", err)
	}
	// The refusal rolled the migrations back too.
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT to_regclass('users') IS NOT NULL").Scan(&exists); err != nil || exists {
		t.Errorf("users table exists after a failed Setup (err %v)", err)
	}
}

func memberships(t *testing.T, q Querier, role string) []string {
	t.Helper()
	rows, err := q.Query(context.Background(), `SELECT g.rolname FROM pg_auth_members m
		JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
		WHERE r.rolname = $1 ORDER BY 1`, role)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestCheckSchema covers the service's startup check.
func TestCheckSchema(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	pool := newPool(t, db.URL)
	var se *SchemaError
	if _, err := CheckSchema(ctx, pool); !errors.As(err, &se) || len(se.Missing) == 0 || Transient(err) {
		t.Fatalf("empty database: err %v, want a permanent SchemaError", err)
	}
	if _, err := Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	all, _ := Migrations()
	if v, err := CheckSchema(ctx, pool); err != nil || v != all[len(all)-1].Version {
		t.Fatalf("migrated: version %d, err %v", v, err)
	}
	if _, err := pool.Exec(ctx, "DELETE FROM schema_migrations WHERE version = $1", all[len(all)-1].Version); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckSchema(ctx, pool); !errors.As(err, &se) || !slices.Equal(se.Missing, []int64{all[len(all)-1].Version}) {
		t.Fatalf("one migration missing: err %v", err)
	}
}
