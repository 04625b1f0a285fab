// Package store is the data access layer for users and products.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Errors returned by the store; callers match them with errors.Is.
var (
	ErrNotFound       = errors.New("not found")
	ErrDuplicateEmail = errors.New("email already exists")
)

// DefaultQueryTimeout bounds every database call made by the store.
const DefaultQueryTimeout = 5 * time.Second

// User is a registered user.
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// NewUser holds the validated fields of a user to create.
type NewUser struct {
	Name  string
	Email string
}

// Product is a catalogue item.
type Product struct {
	ID          int64     `json:"id"`
	SKU         string    `json:"sku"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	PriceCents  int32     `json:"price_cents"`
	Currency    string    `json:"currency"`
	CreatedAt   time.Time `json:"created_at"`
}

// Page selects a window of a list ordered by id: up to Limit rows with id > AfterID.
type Page struct {
	Limit   int
	AfterID int64
}

// Postgres implements the store on a pgx connection pool.
type Postgres struct {
	pool    *pgxpool.Pool
	timeout time.Duration
}

// NewPostgres returns a store using pool. A zero timeout means DefaultQueryTimeout.
func NewPostgres(pool *pgxpool.Pool, timeout time.Duration) *Postgres {
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	return &Postgres{pool: pool, timeout: timeout}
}

// Ping checks that a connection can be acquired and used.
func (s *Postgres) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

const userColumns = "id, name, email, created_at"

// CreateUser inserts u. It returns ErrDuplicateEmail when the e-mail address
// is already registered, compared case-insensitively.
func (s *Postgres) CreateUser(ctx context.Context, u NewUser) (User, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, _ := s.pool.Query(ctx,
		"INSERT INTO users (name, email) VALUES ($1, $2) RETURNING "+userColumns, u.Name, u.Email)
	user, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[User])
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "users_email_lower_key" {
			return User{}, ErrDuplicateEmail
		}
		return User{}, fmt.Errorf("insert user: %w", err)
	}
	return user, nil
}

// GetUser returns the user with id, or ErrNotFound.
func (s *Postgres) GetUser(ctx context.Context, id int64) (User, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, _ := s.pool.Query(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1", id)
	user, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[User])
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("select user %d: %w", id, err)
	}
	return user, nil
}

// ListUsers returns users ordered by id.
func (s *Postgres) ListUsers(ctx context.Context, p Page) ([]User, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, _ := s.pool.Query(ctx,
		"SELECT "+userColumns+" FROM users WHERE id > $1 ORDER BY id LIMIT $2", p.AfterID, p.Limit)
	users, err := pgx.CollectRows(rows, pgx.RowToStructByPos[User])
	if err != nil {
		return nil, fmt.Errorf("select users: %w", err)
	}
	return users, nil
}

const productColumns = "id, sku, name, description, price_cents, currency, created_at"

// GetProduct returns the product with id, or ErrNotFound.
func (s *Postgres) GetProduct(ctx context.Context, id int64) (Product, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, _ := s.pool.Query(ctx, "SELECT "+productColumns+" FROM products WHERE id = $1", id)
	product, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Product])
	if errors.Is(err, pgx.ErrNoRows) {
		return Product{}, ErrNotFound
	}
	if err != nil {
		return Product{}, fmt.Errorf("select product %d: %w", id, err)
	}
	return product, nil
}

// ListProducts returns products ordered by id.
func (s *Postgres) ListProducts(ctx context.Context, p Page) ([]Product, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, _ := s.pool.Query(ctx,
		"SELECT "+productColumns+" FROM products WHERE id > $1 ORDER BY id LIMIT $2", p.AfterID, p.Limit)
	products, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Product])
	if err != nil {
		return nil, fmt.Errorf("select products: %w", err)
	}
	return products, nil
}
