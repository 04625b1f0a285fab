package stacks_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/fargate-api/config"
	"github.com/example/fargate-api/stacks"
)

// routeKeys returns the stack's routes: route key → authorization type.
func (f *fixture) routeKeys(s awscdk.Stack) map[string]string {
	out := map[string]string{}
	for _, r := range f.resources(s, "AWS::ApiGatewayV2::Route") {
		auth, _ := r["AuthorizationType"].(string)
		out[r["RouteKey"].(string)] = auth
	}
	return out
}

// TestCORSPreflight holds docs/configuration.md's CORS promise: with CORS configured, a
// browser's preflight to any configured path is answered by API Gateway
// itself (2xx, CORS headers, no token needed), because no route matches
// OPTIONS; the actual requests still go through the configured routes with
// their authorization. "custom" has CORS without JWT, "options" with JWT.
func TestCORSPreflight(t *testing.T) {
	f := app(t)
	variants := []struct {
		name string
		d    stacks.Set
	}{{"custom", f.custom}, {"options", f.options}}
	for _, v := range variants {
		api := v.d.API.Stack
		cfg := f.cfg[v.name]
		keys := f.routeKeys(api)

		t.Run(v.name+": CORS is configured on the API", func(t *testing.T) {
			hasResource(t, api, "AWS::ApiGatewayV2::Api", obj("CorsConfiguration", obj("AllowOrigins", []any{"https://app.example.com"})))
		})
		t.Run(v.name+": no route matches OPTIONS, so API Gateway answers every preflight", func(t *testing.T) {
			for key := range keys {
				if strings.HasPrefix(key, "ANY ") || strings.HasPrefix(key, "OPTIONS ") {
					t.Errorf("route %q matches OPTIONS: the preflight would go to the route, not to API Gateway's CORS answer", key)
				}
			}
		})
		t.Run(v.name+": every configured route still serves all its methods, with its authorization", func(t *testing.T) {
			public := map[string]bool{}
			for _, r := range cfg.API.PublicRoutes {
				public[r.String()] = true
			}
			for _, r := range cfg.API.Routes {
				methods := []string{r.Method}
				if r.Method == "ANY" {
					methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
				}
				want := "JWT"
				if cfg.API.JWTIssuer == "" || public[r.String()] {
					want = "NONE"
				}
				for _, m := range methods {
					key := m + " " + r.Path
					auth, ok := keys[key]
					switch {
					case !ok:
						t.Errorf("no route %s (configured as %s)", key, r)
					case auth != want && !(r.Method == "ANY" && explicit(cfg.API.Routes, m, r.Path)):
						t.Errorf("route %s: authorization %s, want %s as configured for %s", key, auth, want, r)
					}
				}
			}
		})
	}

	t.Run("options: catch-all behind JWT", func(t *testing.T) {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} {
			hasResource(t, f.options.API.Stack, "AWS::ApiGatewayV2::Route", obj(
				"RouteKey", m+" /{proxy+}", "AuthorizationType", "JWT", "AuthorizerId", obj("Ref", assertions.Match_StringLikeRegexp(jsii.String("^ApiHttpApiJwt")))))
		}
	})
	t.Run("without CORS an ANY route stays one route", func(t *testing.T) {
		if keys := f.routeKeys(f.dev.API.Stack); len(keys) != 1 || keys["ANY /{proxy+}"] == "" {
			t.Errorf("dev routes %v, want only ANY /{proxy+}", keys)
		}
	})
}

// explicit reports whether routes configure method on path in its own right.
func explicit(routes []config.Route, method, path string) bool {
	for _, r := range routes {
		if r.Method == method && r.Path == path {
			return true
		}
	}
	return false
}
