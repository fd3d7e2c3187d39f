#!/usr/bin/env bash
# Fails when generated files are stale, Go code is not gofmt-clean, or vet complains.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

status=0
fail() { echo "verify: $*" >&2; status=1; }

unformatted=$(gofmt -l cmd pkg internal test hack 2>/dev/null || true)
[[ -z "$unformatted" ]] || fail "gofmt needed on: $unformatted"

# Regenerate, then compare checksums of the generated files: a difference means they were stale.
generated() { find pkg/apis -name 'zz_generated*.go'; find config/crds -name '*.yaml' 2>/dev/null; }
sums() { generated | sort | xargs -r sha256sum; }
before=$(sums)
make --no-print-directory generate >/dev/null
after=$(sums)
if [[ "$before" != "$after" ]]; then
  diff <(echo "$before") <(echo "$after") >&2 || true
  fail "generated files were stale (now regenerated): run 'make generate' and commit the result"
fi

go vet ./... || fail "go vet failed"
exit $status
