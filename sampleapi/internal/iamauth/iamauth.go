// Package iamauth builds the short-lived IAM authentication tokens that
// replace a password when the service connects to RDS as its runtime user.
package iamauth

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
)

// Provider signs one token per call with the task role's credentials. The
// token is an `rds-db:connect` presigned request for User at Endpoint
// ("host:port"), valid for 15 minutes; RDS checks it only when a
// connection is opened, so pooled connections outlive it.
type Provider struct {
	Endpoint    string
	Region      string
	User        string
	Credentials aws.CredentialsProvider
}

// New returns a Provider that takes its credentials from the default chain
// (on ECS: the task role, through the container credentials endpoint).
func New(ctx context.Context, endpoint, region, user string) (*Provider, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return &Provider{Endpoint: endpoint, Region: region, User: user, Credentials: cfg.Credentials}, nil
}

// Token returns a fresh authentication token.
func (p *Provider) Token(ctx context.Context) (string, error) {
	tok, err := auth.BuildAuthToken(ctx, p.Endpoint, p.Region, p.User, p.Credentials)
	if err != nil {
		return "", fmt.Errorf("build IAM authentication token: %w", err)
	}
	return tok, nil
}
