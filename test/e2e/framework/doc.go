// Package framework holds the small helpers that the e2e tests share: clients for
// each sandbox context, kubectl invocations, waits that report what they last saw
// when they time out, and builders for the objects the tests apply.
//
// The tests run against the sandbox that hack/e2e.sh points them at through the
// SANDBOX_DIR environment variable; without it they skip.
package framework
