#!/usr/bin/env bash
# Renders config/deploy/proxy.yaml for a real control-plane cluster: creates a serving
# CA and certificate for karmada-aggregated-apiserver.karmada-system.svc and fills the
# caBundle of both APIServices (cluster.karmada.io and search.karmada.io) with that CA,
# so the aggregator verifies the server.
#
#   IMAGE=registry.example.com/fleetplane/proxy:v0.1.0 ETCD_SERVERS=https://etcd:2379 \
#     hack/render-deploy.sh > proxy-rendered.yaml
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${IMAGE:?set IMAGE to the proxy image}"
: "${ETCD_SERVERS:?set ETCD_SERVERS to the etcd URLs the server stores clusters and resource registries in}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
svc=karmada-aggregated-apiserver.karmada-system.svc
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=fleetplane-proxy-ca" \
  -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$svc" -keyout "$tmp/tls.key" -out "$tmp/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s.cluster.local\nextendedKeyUsage=serverAuth\n' "$svc" "$svc" >"$tmp/ext.cnf"
openssl x509 -req -in "$tmp/tls.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 3650 -extfile "$tmp/ext.cnf" -out "$tmp/tls.crt" 2>/dev/null
CA_BUNDLE=$(base64 -w0 <"$tmp/ca.crt") TLS_CRT=$(base64 -w0 <"$tmp/tls.crt") TLS_KEY=$(base64 -w0 <"$tmp/tls.key") \
  IMAGE=$IMAGE ETCD_SERVERS=$ETCD_SERVERS envsubst '${CA_BUNDLE} ${TLS_CRT} ${TLS_KEY} ${IMAGE} ${ETCD_SERVERS}' \
  <"$root/config/deploy/proxy.yaml"
