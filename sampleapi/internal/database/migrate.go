package database

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockKey is the pg_advisory_xact_lock key that serialises migrations
// across all tasks sharing the database (arbitrary constant, "sampleapi" in ASCII).
const migrationLockKey int64 = 0x73616d706c656170

// Migration is one numbered SQL file.
type Migration struct {
	Version int64
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d+)_[a-z0-9_]+\.sql$`)

// Migrations returns the embedded migrations ordered by version.
func Migrations() ([]Migration, error) {
	return loadMigrations(migrationFS, "migrations")
}

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("parse migration name %q: want NNNN_description.sql", e.Name())
		}
		v, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("parse migration version %q: must be a positive integer", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("check migrations: %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

// Beginner is satisfied by *pgxpool.Pool and *pgx.Conn.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Migrate applies the embedded migrations that have not been applied yet and
// returns the versions it applied.
//
// Everything happens in one transaction that first takes a transaction-scoped
// advisory lock, so tasks starting at the same time apply each migration
// exactly once: the others wait for the lock, then find nothing left to do.
// A failing migration rolls back every change made by the call.
func Migrate(ctx context.Context, db Beginner) ([]int64, error) {
	return Setup(ctx, db, nil)
}

// Setup is Migrate followed, in the same transaction and under the same lock,
// by the runtime role's setup (see RuntimeRole.grant) when role is not nil.
// It is what the `migrate` command runs, as the master user.
func Setup(ctx context.Context, db Beginner, role *RuntimeRole) ([]int64, error) {
	migrations, err := Migrations()
	if err != nil {
		return nil, err
	}
	return apply(ctx, db, migrations, role)
}

func apply(ctx context.Context, db Beginner, migrations []Migration, role *RuntimeRole) (applied []int64, err error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin migration transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()

	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey); err != nil {
		return nil, fmt.Errorf("acquire migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint      PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}

	rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}

	for _, m := range migrations {
		if slices.Contains(done, m.Version) {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("apply migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			return nil, fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		applied = append(applied, m.Version)
	}
	if role != nil {
		if err := role.grant(ctx, tx); err != nil {
			return nil, err
		}
	}

	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit migrations: %w", err)
	}
	return applied, nil
}

// SchemaError reports a schema that lacks migrations the image needs.
type SchemaError struct {
	Missing []int64
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("schema lacks migrations %v: run `sampleapi migrate` (the deploy's migration task) before starting the service", e.Missing)
}

// Querier is satisfied by *pgxpool.Pool, *pgx.Conn and pgx.Tx.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// CheckSchema returns the newest applied migration version, or a
// *SchemaError when any embedded migration has not been applied. A schema
// newer than the image (a rollback to an older image) is fine: migrations
// are expected to stay compatible with the previous release.
func CheckSchema(ctx context.Context, db Querier) (int64, error) {
	migrations, err := Migrations()
	if err != nil {
		return 0, err
	}
	rows, err := db.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
			all := make([]int64, len(migrations))
			for i, m := range migrations {
				all[i] = m.Version
			}
			return 0, &SchemaError{Missing: all}
		}
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	var missing []int64
	for _, m := range migrations {
		if !slices.Contains(done, m.Version) {
			missing = append(missing, m.Version)
		}
	}
	if len(missing) > 0 {
		return 0, &SchemaError{Missing: missing}
	}
	return slices.Max(done), nil
}
