package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/example/fargate-api/sampleapi/internal/database"
	"github.com/example/fargate-api/sampleapi/internal/store"
	"github.com/example/fargate-api/sampleapi/internal/testdb"
)

func newStore(t *testing.T) (*store.Postgres, *pgxpool.Pool) {
	t.Helper()
	db := testdb.New(t)
	pool, err := database.NewPool(context.Background(), db.URL, database.PoolOptions{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := database.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return store.NewPostgres(pool, 0), pool
}

func TestUsers(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()

	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	users, err := s.ListUsers(ctx, store.Page{Limit: 10})
	if err != nil || len(users) != 0 {
		t.Fatalf("empty list: %v %v", users, err)
	}

	before := time.Now().Add(-time.Minute)
	ada, err := s.CreateUser(ctx, store.NewUser{Name: "Ada", Email: "Ada@Example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if ada.ID != 1 || ada.Name != "Ada" || ada.Email != "Ada@Example.com" || ada.CreatedAt.Before(before) {
		t.Fatalf("created %+v", ada)
	}
	for _, dup := range []string{"Ada@Example.com", "ada@example.com", "ADA@EXAMPLE.COM"} {
		if _, err := s.CreateUser(ctx, store.NewUser{Name: "Other", Email: dup}); !errors.Is(err, store.ErrDuplicateEmail) {
			t.Fatalf("duplicate %q: err = %v, want ErrDuplicateEmail", dup, err)
		}
	}
	bob, err := s.CreateUser(ctx, store.NewUser{Name: "Bob", Email: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}

	got, err := s.GetUser(ctx, ada.ID)
	if err != nil || got.Email != ada.Email || !got.CreatedAt.Equal(ada.CreatedAt) {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := s.GetUser(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get unknown: %v", err)
	}

	users, err = s.ListUsers(ctx, store.Page{Limit: 10})
	if err != nil || len(users) != 2 || users[0].ID != ada.ID || users[1].ID != bob.ID {
		t.Fatalf("list: %+v %v", users, err)
	}
	users, err = s.ListUsers(ctx, store.Page{Limit: 1, AfterID: ada.ID})
	if err != nil || len(users) != 1 || users[0].ID != bob.ID {
		t.Fatalf("page: %+v %v", users, err)
	}
}

func TestProducts(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	products, err := s.ListProducts(ctx, store.Page{Limit: 50})
	if err != nil || len(products) != 5 {
		t.Fatalf("list: %d products, %v", len(products), err)
	}
	p, err := s.GetProduct(ctx, products[2].ID)
	if err != nil || p != products[2] {
		t.Fatalf("get: %+v %v", p, err)
	}
	if p.SKU == "" || p.Name == "" || p.PriceCents <= 0 || p.Currency != "USD" {
		t.Fatalf("product fields: %+v", p)
	}
	if _, err := s.GetProduct(ctx, 12345); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get unknown: %v", err)
	}
	page, err := s.ListProducts(ctx, store.Page{Limit: 2, AfterID: products[0].ID})
	if err != nil || len(page) != 2 || page[0].ID != products[1].ID {
		t.Fatalf("page: %+v %v", page, err)
	}
}

func TestQueryTimeout(t *testing.T) {
	db := testdb.New(t)
	pool, err := database.NewPool(context.Background(), db.URL, database.PoolOptions{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := database.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	// Hold the only connection: the store must give up after its timeout
	// instead of waiting forever.
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	s := store.NewPostgres(pool, 200*time.Millisecond)
	start := time.Now()
	_, err = s.ListProducts(context.Background(), store.Page{Limit: 5})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %s, want deadline exceeded after ~200ms", err, time.Since(start))
	}
}
