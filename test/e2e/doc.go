// Package e2e holds the end-to-end tests. They run against the real apiservers of the
// sandbox (hack/sandbox.sh) and skip when SANDBOX_DIR is unset; run them with `make e2e`.
package e2e
