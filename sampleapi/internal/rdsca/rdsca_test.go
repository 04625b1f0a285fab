package rdsca

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

// TestBundle checks that the embedded file is what the image relies on: only
// self-signed Amazon RDS root CAs, none expiring within five years, and the
// root of the authority the Database stack pins (rds-ca-rsa2048-g1).
func TestBundle(t *testing.T) {
	rest := PEM()
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatalf("certificate %d: %v", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if strings.TrimSpace(string(rest)) != "" {
		t.Fatalf("trailing data after %d certificates", len(certs))
	}
	if len(certs) < 87 {
		t.Fatalf("%d certificates, want at least 87", len(certs))
	}
	horizon := time.Now().AddDate(5, 0, 0)
	var pinnedRoot bool
	for _, c := range certs {
		cn := c.Subject.CommonName
		if !strings.HasPrefix(cn, "Amazon RDS ") || !strings.Contains(cn, " Root CA ") || c.Subject.String() != c.Issuer.String() || !c.IsCA {
			t.Errorf("%q is not a self-signed Amazon RDS root CA", cn)
		}
		if err := c.CheckSignatureFrom(c); err != nil {
			t.Errorf("%q: self-signature: %v", cn, err)
		}
		if c.NotAfter.Before(horizon) {
			t.Errorf("%q expires %s, within five years", cn, c.NotAfter.Format(time.DateOnly))
		}
		if cn == "Amazon RDS us-east-1 Root CA RSA2048 G1" {
			pinnedRoot = true
		}
	}
	if !pinnedRoot {
		t.Error("bundle lacks Amazon RDS us-east-1 Root CA RSA2048 G1")
	}
	if Pool() == nil {
		t.Fatal("Pool() = nil")
	}
}
