#!/usr/bin/env bash
# Runs the e2e tests. A healthy sandbox started by `make up` is reused; otherwise the
# tests start a sandbox of their own under another name and ports, and tear it down
# afterwards (also when the tests fail).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# The status is read whole first: under pipefail, grep -q stopping at its first match
# would fail the pipeline with SIGPIPE, and a running sandbox would never be reused.
status=$(SANDBOX_NAME=fleet hack/sandbox.sh status 2>/dev/null || true)
if grep -q 'karmada: running' <<<"$status" && ! grep -q 'not running' <<<"$status"; then
  echo "e2e: reusing the running sandbox (_output/sandbox)"
  export SANDBOX_DIR=$root/_output/sandbox
else
  echo "e2e: starting a sandbox of its own (name e2e)"
  export SANDBOX_NAME=e2e SANDBOX_PORT_BASE=${E2E_PORT_BASE:-31400}
  export SANDBOX_DIR=$root/_output/sandbox-e2e
  hack/sandbox-binaries.sh
  make --no-print-directory build
  trap 'echo "e2e: tearing down its sandbox"; hack/sandbox.sh down' EXIT
  hack/sandbox.sh up
fi
go test -count=1 -timeout 30m ${E2E_FLAGS:-} ./test/e2e/... 2>&1
