#!/usr/bin/env bash
# Builds the sandbox's binaries from the Go module proxy into _output/bin,
# keyed by version. A binary that is already present is never rebuilt.
#
#   kube-apiserver, kube-controller-manager, kube-scheduler  (hack/tools/kube)
#   etcd                                                      (hack/tools/etcd)
#   kwok, kwokctl                                             (go install @KWOK_VERSION)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/hack/versions.env"
bin="$root/_output/bin"
mkdir -p "$bin"

# progress prints a line every 30s while a long build runs, so CI logs show life.
progress() {
  local what=$1 pid=$2 start=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30
    kill -0 "$pid" 2>/dev/null && echo "  ... still building $what ($((SECONDS - start))s)"
  done
  return 0
}

# build NAME OUTPUT DIR ARGS...: runs "go ARGS..." in DIR unless OUTPUT exists.
build() {
  local name=$1 out=$2 dir=$3; shift 3
  if [[ -x "$out" ]]; then
    echo "sandbox: $name present ($(basename "$out"))"
    return 0
  fi
  echo "sandbox: building $name -> ${out#$root/}"
  local start=$SECONDS
  (cd "$dir" && GOFLAGS=-mod=mod "$@") &
  local pid=$!
  progress "$name" "$pid" &
  local ticker=$!
  if ! wait "$pid"; then
    kill "$ticker" 2>/dev/null || true
    echo "sandbox: building $name failed" >&2
    return 1
  fi
  kill "$ticker" 2>/dev/null || true
  echo "sandbox: built $name in $((SECONDS - start))s"
}

kube="$root/hack/tools/kube"
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  out="$bin/$c-$KUBE_VERSION"
  build "$c $KUBE_VERSION" "$out" "$kube" go build -trimpath -ldflags='-s -w' -o "$out.tmp" "k8s.io/kubernetes/cmd/$c"
  [[ -f "$out.tmp" ]] && mv "$out.tmp" "$out"
done

out="$bin/etcd-$ETCD_VERSION"
build "etcd $ETCD_VERSION" "$out" "$root/hack/tools/etcd" go build -trimpath -ldflags='-s -w' -o "$out.tmp" go.etcd.io/etcd/server/v3
[[ -f "$out.tmp" ]] && mv "$out.tmp" "$out"

for c in kwok kwokctl; do
  out="$bin/$c-$KWOK_VERSION"
  if [[ ! -x "$out" ]]; then
    gobin="$root/_output/gobin-$c"
    build "$c $KWOK_VERSION" "$out" "$root" env GOBIN="$gobin" go install -trimpath -ldflags='-s -w' "sigs.k8s.io/kwok/cmd/$c@$KWOK_VERSION"
    mv "$gobin/$c" "$out" && rm -rf "$gobin"
  else
    echo "sandbox: $c present ($(basename "$out"))"
  fi
done
