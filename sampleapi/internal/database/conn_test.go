package database

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/example/fargate-api/sampleapi/internal/rdsca"
	"github.com/example/fargate-api/sampleapi/internal/testdb"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T, name string) testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testCA{cert, key}
}

func (ca testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// issue returns a server certificate for the given host names.
func (ca testCA) issue(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsFront listens on 127.0.0.1 and speaks PostgreSQL's TLS negotiation
// with cert (answering the client's SSLRequest with 'S', as RDS does), then
// forwards the decrypted stream to the real, plain-text test server. It
// returns the port.
func tlsFront(t *testing.T, backend string, cert tls.Certificate) uint16 {
	t.Helper()
	return serveLocal(t, func(c net.Conn) {
		var req [8]byte
		if _, err := io.ReadFull(c, req[:]); err != nil || binary.BigEndian.Uint32(req[4:]) != 80877103 {
			return // not an SSLRequest: this server, like RDS, wants TLS
		}
		if _, err := c.Write([]byte{'S'}); err != nil {
			return
		}
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		if err := tc.Handshake(); err != nil {
			return
		}
		proxy(tc, backend)
	})
}

// serveLocal listens on 127.0.0.1 until the test ends and hands each
// connection to handle, in a goroutine of its own, closing it afterwards.
// It returns the port.
func serveLocal(t *testing.T, handle func(net.Conn)) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// TestVerifyFull connects through a TLS front whose certificate comes from a
// local CA. Only the right CA and the right host name get through; that is
// what stops a host in the VPC that pretends to be the database.
func TestVerifyFull(t *testing.T) {
	db := testdb.New(t)
	backend := net.JoinHostPort(db.Host, fmt.Sprint(db.Port))
	right, wrong := newCA(t, "right CA"), newCA(t, "wrong CA")
	genuine := tlsFront(t, backend, right.issue(t, "localhost"))
	impostor := tlsFront(t, backend, right.issue(t, "db.impostor.internal"))

	tests := []struct {
		name    string
		port    uint16
		roots   *x509.CertPool
		wantErr string
	}{
		{"right CA and host name: accepted", genuine, right.pool(), ""},
		{"wrong CA: refused", genuine, wrong.pool(), "certificate signed by unknown authority"},
		{"right CA, certificate for another host: refused", impostor, right.pool(), "certificate is valid for db.impostor.internal, not localhost"},
		{"embedded RDS roots refuse a local CA", genuine, rdsca.Pool(), "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := fmt.Sprintf("postgres://%s@localhost:%d/%s?sslmode=verify-full&connect_timeout=5", db.User, tt.port, db.Name)
			pool, err := NewPool(context.Background(), url, PoolOptions{MaxConns: 1, RootCAs: tt.roots})
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			var ssl bool
			err = pool.QueryRow(context.Background(), "SELECT true").Scan(&ssl)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("query through TLS: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// standIn is a local TokenProvider: numbered tokens, or an error.
type standIn struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (s *standIn) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return "", s.err
	}
	return fmt.Sprintf("token-%d", s.calls), nil
}

// passwordRecorder is a fake PostgreSQL server that asks every client for
// a cleartext password, records it and refuses the login.
func passwordRecorder(t *testing.T) (port uint16, passwords func() []string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	port = serveLocal(t, func(c net.Conn) {
		be := pgproto3.NewBackend(c, c)
		if _, err := be.ReceiveStartupMessage(); err != nil {
			return
		}
		be.Send(&pgproto3.AuthenticationCleartextPassword{})
		if be.Flush() != nil {
			return
		}
		msg, err := be.Receive()
		if err != nil {
			return
		}
		if pw, ok := msg.(*pgproto3.PasswordMessage); ok {
			mu.Lock()
			got = append(got, pw.Password)
			mu.Unlock()
		}
		be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "recorded"})
		_ = be.Flush()
	})
	return port, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// TestTokenPerConnection shows that each new connection asks the provider
// for a fresh token and sends it as the password, and that a provider
// failure fails the connection before anything is sent.
func TestTokenPerConnection(t *testing.T) {
	ctx := context.Background()
	t.Run("each connection sends a fresh token as its password", func(t *testing.T) {
		port, passwords := passwordRecorder(t)
		tokens := &standIn{}
		pool, err := NewPool(ctx, fmt.Sprintf("postgres://app_runtime@127.0.0.1:%d/app?sslmode=disable", port), PoolOptions{MaxConns: 1, Token: tokens})
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		for range 2 {
			if err := pool.Ping(ctx); err == nil || !strings.Contains(err.Error(), "recorded") {
				t.Fatalf("Ping: %v, want the recorder's refusal", err)
			}
		}
		if got := passwords(); strings.Join(got, ",") != "token-1,token-2" {
			t.Errorf("server received passwords %q, want token-1,token-2", got)
		}
	})
	t.Run("a provider failure fails the connection", func(t *testing.T) {
		port, passwords := passwordRecorder(t)
		pool, err := NewPool(ctx, fmt.Sprintf("postgres://app_runtime@127.0.0.1:%d/app?sslmode=disable", port),
			PoolOptions{MaxConns: 1, Token: &standIn{err: errors.New("no task role credentials")}})
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		if err := pool.Ping(ctx); err == nil || !strings.Contains(err.Error(), "no task role credentials") {
			t.Fatalf("Ping: %v, want the provider's error", err)
		}
		if got := passwords(); len(got) != 0 {
			t.Errorf("server received %q, want nothing", got)
		}
	})
	t.Run("runtime role connects to PostgreSQL through the provider", func(t *testing.T) {
		db := testdb.New(t)
		role := uniqueRole(t, db, "rt")
		if _, err := Setup(ctx, newPool(t, db.URL), &RuntimeRole{Name: role}); err != nil {
			t.Fatal(err)
		}
		tokens := &standIn{}
		pool, err := NewPool(ctx, as(t, db.URL, role), PoolOptions{MaxConns: 3, Token: tokens})
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		var conns []interface{ Release() }
		for range 3 {
			c, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Release()
		}
		if err := Open(ctx, pool, DefaultRetry(5*time.Second), slog.New(slog.DiscardHandler)); err != nil {
			t.Fatalf("Open as the runtime role: %v", err)
		}
		if tokens.calls != 3 {
			t.Errorf("provider called %d times for 3 connections, want 3", tokens.calls)
		}
	})
}
