package iamauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestToken checks the real signer offline, with static credentials: the
// token is a presigned rds-db connect request for the configured endpoint,
// user and region, and carries no secret key.
func TestToken(t *testing.T) {
	p := &Provider{
		Endpoint:    "db.abc123.eu-west-1.rds.amazonaws.com:5432",
		Region:      "eu-west-1",
		User:        "app_runtime",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session"),
	}
	tok, err := p.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse("https://" + tok)
	if err != nil {
		t.Fatalf("token %q is not a URL: %v", tok, err)
	}
	q := u.Query()
	checks := map[string]string{
		"host":             u.Host,
		"Action":           q.Get("Action"),
		"DBUser":           q.Get("DBUser"),
		"X-Amz-Expires":    q.Get("X-Amz-Expires"),
		"credential scope": strings.Join(strings.Split(q.Get("X-Amz-Credential"), "/")[2:4], "/"),
	}
	want := map[string]string{
		"host":             "db.abc123.eu-west-1.rds.amazonaws.com:5432",
		"Action":           "connect",
		"DBUser":           "app_runtime",
		"X-Amz-Expires":    "900",
		"credential scope": "eu-west-1/rds-db",
	}
	for k, w := range want {
		if checks[k] != w {
			t.Errorf("%s = %q, want %q (token %s)", k, checks[k], w, tok)
		}
	}
	if q.Get("X-Amz-Signature") == "" || strings.Contains(tok, "wJalrXUtnFEMI") {
		t.Errorf("token is not signed or leaks the secret key: %s", tok)
	}
}

func TestTokenCredentialError(t *testing.T) {
	p := &Provider{Endpoint: "h:5432", Region: "eu-west-1", User: "u", Credentials: aws.CredentialsProviderFunc(
		func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, errors.New("no task role") })}
	if _, err := p.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "no task role") {
		t.Fatalf("err = %v, want the credential error", err)
	}
}
