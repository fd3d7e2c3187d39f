#!/usr/bin/env bash
# Builds the krew release archives of kubectl-karmada and writes their digests into the
# krew manifest: for each platform, a static kubectl-karmada is cross-built and packed
# with LICENSE at the archive root as kubectl-karmada-OS-ARCH.tar.gz; then spec.version
# becomes VERSION without its build metadata (the part from "+"), the release tag in the
# uris follows it, and each built platform's sha256 is filled in (hack/krew-manifest).
#
#   VERSION         version stamped into the binary, as `make build` does (required;
#                   `make krew` passes the Makefile's)
#   KREW_PLATFORMS  OS/ARCH pairs to build, separated by spaces or commas (default: the
#                   release platforms, krewmanifest.ReleaseTargets)
#   KREW_OUTPUT     directory for the archives (default: _output/krew)
#   KREW_MANIFEST   manifest to update in place (default: plugins/karmada.yaml)
#
# Archives are reproducible with GNU tar: same sources and VERSION, same bytes.
set -euo pipefail

abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(abs "${KREW_OUTPUT:-$root/_output/krew}")
manifest=$(abs "${KREW_MANIFEST:-$root/plugins/karmada.yaml}")
platforms=${KREW_PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}
platforms=${platforms//,/ }
cd "$root"

die() { echo "krew: $*" >&2; exit 1; }
[[ -n ${VERSION:-} ]] || die "VERSION is not set; run 'make krew' or set VERSION=vX.Y.Z"
[[ $VERSION =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] || die "VERSION $VERSION is not vMAJOR.MINOR.PATCH[-PRE][+BUILD]"
[[ -f $manifest ]] || die "no manifest at $manifest"
release=${VERSION%%+*}

plugin=kubectl-karmada
module=github.com/fleetplane/fleetplane
ldflags="-X $module/pkg/version.gitVersion=$VERSION -X k8s.io/component-base/version.gitVersion=$VERSION"
# Archive entries get the commit's time, not the build's, so that rebuilding the same
# commit yields the same digests.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar_flags=()
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  tar_flags=(--format=ustar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch")
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
archives=()
for platform in $platforms; do
  os=${platform%%/*} arch=${platform#*/}
  [[ $platform == */* && -n $os && -n $arch && $arch != */* ]] || die "platform '$platform' is not OS/ARCH"
  [[ $os != windows ]] || die "windows needs kubectl-karmada.exe and a .zip; not supported yet"
  echo "krew: building $plugin $VERSION for $os/$arch"
  dir=$work/$os-$arch
  mkdir -p "$dir"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "$dir/$plugin" "./cmd/$plugin"
  install -m 0644 LICENSE "$dir/LICENSE"
  chmod 0755 "$dir/$plugin"
  archive=$out/$plugin-$os-$arch.tar.gz
  tar -C "$dir" ${tar_flags[@]+"${tar_flags[@]}"} -cf - "$plugin" LICENSE | gzip -n -9 >"$archive.tmp"
  mv "$archive.tmp" "$archive"
  echo "krew: packed $archive ($(du -h "$archive" | cut -f1))"
  archives+=("$platform=$archive")
done
[[ ${#archives[@]} -gt 0 ]] || die "KREW_PLATFORMS lists no platform"

echo "krew: writing $release and the digests into $manifest"
go run ./hack/krew-manifest -manifest "$manifest" -version "$release" "${archives[@]}"
