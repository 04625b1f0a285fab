// Package config turns CDK context (cdk.json and `cdk -c key=value`) into one
// validated, typed Config.
//
// It is the only place that knows about context keys: app.go calls Load once,
// before any stack exists, and hands plain Go values to the stacks. Every key
// lives under the "app:" namespace. A profile ("dev" or "prod") supplies the
// defaults; any key set in context overrides its profile default. Validation
// reports every problem at once, each naming the key, the rejected value and
// what is allowed, so a typo or an impossible combination never reaches
// CloudFormation.
//
// The package deliberately does not import the CDK, so its tests run in
// milliseconds without starting the jsii kernel.
package config
