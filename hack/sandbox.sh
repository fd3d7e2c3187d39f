#!/usr/bin/env bash
# The local multi-cluster sandbox: a Karmada-style control plane and three member
# clusters, each a real kube-apiserver (plus etcd and controllers) started by
# `kwokctl --runtime binary`. kwok simulates nodes and pods on the members.
#
#   hack/sandbox.sh up      start (or reuse) everything; idempotent
#   hack/sandbox.sh down    stop every process this script started and remove the state
#   hack/sandbox.sh status  print what is running
#   hack/sandbox.sh restart-proxy
#                           stop the proxy and start it again (for restart tests)
#   hack/sandbox.sh stop-member NAME | start-member NAME
#                           stop or start every process of one member (for failure tests)
#
# Environment:
#   SANDBOX_NAME       prefix of the kwok cluster names (default: fleet). The e2e tests
#                      use another name when they start a sandbox of their own.
#   SANDBOX_PORT_BASE  first TCP port used (default: 32400). Ports base..base+39 are used;
#                      base+80 (32480) is where kwok sends `kubectl port-forward` traffic
#                      (see seed_member).
#   SANDBOX_DIR        where kubeconfigs and pid files go (default: _output/sandbox, or
#                      _output/sandbox-$SANDBOX_NAME for a non-default name).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/hack/versions.env"

name=${SANDBOX_NAME:-fleet}
port_base=${SANDBOX_PORT_BASE:-32400}
if [[ "$name" == fleet ]]; then
  dir=${SANDBOX_DIR:-$root/_output/sandbox}
else
  dir=${SANDBOX_DIR:-$root/_output/sandbox-$name}
fi
bin=$root/_output/bin
members=(member1 member2 member3)

export KWOK_WORKDIR=$root/_output/kwok
export KWOK_KUBE_VERSION=$KUBE_VERSION
kwokctl=$bin/kwokctl-$KWOK_VERSION

log() { echo "sandbox: $*"; }

# ports: the control plane uses base+0 (apiserver) and base+1 (etcd), the proxy base+5;
# member i uses
# base+10*i (apiserver), +1 (etcd), +2 (kwok-controller), +3 (controller-manager) and
# +4 (scheduler).
cp_port=$port_base
cp_etcd_port=$((port_base + 1))
proxy_port=$((port_base + 5))
member_port() { echo $((port_base + 10 * $1)); }
# kwok forwards every pod port to 127.0.0.1:forward_port (ClusterPortForward in
# seed_member). Nothing in the sandbox listens there: a test that port-forwards starts
# its own server on it. It lies outside base..base+39, so it collides with neither this
# sandbox's processes nor those of a sandbox on another base (32480, 31480 for e2e).
forward_port=$((port_base + 80))
# Every port must lie outside the kernel's range for outgoing connections: a client
# connection that happened to get forward_port as its local port would hold it for as
# long as it lasts, and a port-forward test could not listen there.
if read -r ephemeral_low ephemeral_high < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null &&
  (( forward_port >= ephemeral_low && port_base <= ephemeral_high )); then
  log "warning: ports $port_base-$forward_port overlap the ephemeral port range $ephemeral_low-$ephemeral_high" \
    "(net.ipv4.ip_local_port_range); set SANDBOX_PORT_BASE below $((ephemeral_low - 80))"
fi
# kwok attaches to a pod by following this file from its end (ClusterAttach in
# seed_member): `kubectl attach` shows the lines appended while it is attached.
attach_file=$dir/attach.log

kwok_name() { echo "$name-$1"; }

# grep reads all of kwokctl's output: with -q it could exit at the first match and,
# under pipefail, kwokctl's SIGPIPE would read as "no such cluster".
cluster_exists() {
  "$kwokctl" get clusters 2>/dev/null | grep -x "$(kwok_name "$1")" >/dev/null
}

# healthy KUBECONFIG: true when the apiserver answers /readyz.
healthy() {
  kubectl --kubeconfig "$1" --request-timeout=3s get --raw /readyz >/dev/null 2>&1
}

# common_flags: real binaries, RBAC on, and no client-side QPS limits in the
# clusters' own components (kube-controller-manager's default of 20 requests per
# second would otherwise dominate every propagation benchmark).
common_flags() {
  echo --runtime binary \
    --kube-apiserver-binary "$bin/kube-apiserver-$KUBE_VERSION" \
    --kube-controller-manager-binary "$bin/kube-controller-manager-$KUBE_VERSION" \
    --kube-scheduler-binary "$bin/kube-scheduler-$KUBE_VERSION" \
    --etcd-binary "$bin/etcd-$ETCD_VERSION" \
    --kwok-controller-binary "$bin/kwok-$KWOK_VERSION" \
    --kube-authorization=true \
    --disable-qps-limits \
    --wait 120s
}

# create_control_plane: no nodes, no scheduler, no kwok-controller, and a
# controller-manager that only runs what keeps a template a template.
create_control_plane() {
  local pki="$KWOK_WORKDIR/clusters/$(kwok_name karmada)/pki"
  # shellcheck disable=SC2046
  "$kwokctl" create cluster --name "$(kwok_name karmada)" $(common_flags) \
    --kubeconfig "$dir/.kwok-karmada.config" \
    --kube-apiserver-port "$cp_port" --etcd-port "$cp_etcd_port" \
    --disable kube-scheduler,kwok-controller \
    --extra-args "kube-controller-manager=controllers=namespace-controller,garbage-collector-controller,serviceaccount-token-controller" \
    --extra-args "kube-apiserver=requestheader-client-ca-file=$pki/ca.crt" \
    --extra-args "kube-apiserver=requestheader-username-headers=X-Remote-User" \
    --extra-args "kube-apiserver=requestheader-group-headers=X-Remote-Group" \
    --extra-args "kube-apiserver=requestheader-extra-headers-prefix=X-Remote-Extra-" \
    --extra-args "kube-apiserver=requestheader-allowed-names=kwok-admin"
}

create_member() {
  local m=$1 i=$2 p
  p=$(member_port "$i")
  # shellcheck disable=SC2046
  "$kwokctl" create cluster --name "$(kwok_name "$m")" $(common_flags) \
    --kubeconfig "$dir/.kwok-$m.config" \
    --kube-apiserver-port "$p" --etcd-port "$((p + 1))" --controller-port "$((p + 2))" \
    --kube-controller-manager-port "$((p + 3))" --kube-scheduler-port "$((p + 4))" \
    --enable-crds=Logs,ClusterLogs,Exec,ClusterExec,Attach,ClusterAttach,PortForward,ClusterPortForward
}

# ensure_cluster SHORT CREATEFN ARGS...: reuses a running cluster, starts a stopped one,
# creates a missing one.
ensure_cluster() {
  local short=$1; shift
  local kc="$dir/.kwok-$short.config"
  if cluster_exists "$short"; then
    "$kwokctl" get kubeconfig --name "$(kwok_name "$short")" >"$kc"
    if healthy "$kc"; then
      log "$short is running"
      return 0
    fi
    log "starting stopped cluster $short"
    "$kwokctl" start cluster --name "$(kwok_name "$short")" --wait 120s >/dev/null
    return 0
  fi
  log "creating cluster $short"
  "$@" >"$dir/logs/create-$short.log" 2>&1 || {
    echo "sandbox: creating $short failed; log follows" >&2
    tail -30 "$dir/logs/create-$short.log" >&2
    return 1
  }
  "$kwokctl" get kubeconfig --name "$(kwok_name "$short")" >"$kc"
}

# node NAME CPU MEMORY PODS REGION ZONE PROVIDER: a kwok-managed Node.
node_yaml() {
  cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $1
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: $1
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node.kubernetes.io/instance-type: $8
    topology.kubernetes.io/region: $5
    topology.kubernetes.io/zone: $6
    fleetplane.io/provider: $7
status:
  allocatable: {cpu: "$2", memory: $3, pods: "$4"}
  capacity: {cpu: "$2", memory: $3, pods: "$4"}
  nodeInfo:
    kubeletVersion: fake
    operatingSystem: linux
    architecture: amd64
EOF
}

# member_topology M: provider region zone node-count cpu memory pods instance-type.
# member1 and member2 share a region in different zones; member3 is in another region.
# Each member holds at least 1,200 pods, so the benchmark's 1,000 Deployments fit.
member_topology() {
  case $1 in
    member1) echo "aws us-east-1 us-east-1a 3 4 16Gi 400 m5.xlarge" ;;
    member2) echo "aws us-east-1 us-east-1b 2 8 32Gi 600 m5.2xlarge" ;;
    member3) echo "gcp europe-west1 europe-west1-b 4 2 8Gi 300 e2-standard-2" ;;
  esac
}

seed_member() {
  local m=$1 kc="$dir/.kwok-$1.config"
  read -r provider region zone count cpu mem pods itype <<<"$(member_topology "$m")"
  {
    for n in $(seq 1 "$count"); do
      node_yaml "$m-node$n" "$cpu" "$mem" "$pods" "$region" "$zone" "$provider" "$itype"
      echo ---
    done
    cat <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: sandbox-logs
spec:
  selector: {}
  logs:
  - logsFile: $root/hack/sandbox/pod.log
    follow: true
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: sandbox-exec
spec:
  selector: {}
  execs:
  - local:
      workDir: /tmp
EOF
    # A member created before attach and port-forward were enabled lacks their CRDs.
    if kubectl --kubeconfig "$kc" get crd clusterattaches.kwok.x-k8s.io clusterportforwards.kwok.x-k8s.io >/dev/null 2>&1; then
      cat <<EOF
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterAttach
metadata:
  name: sandbox-attach
spec:
  selector: {}
  attaches:
  - logsFile: $attach_file
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: sandbox-port-forward
spec:
  selector: {}
  forwards:
  - target:
      address: 127.0.0.1
      port: $forward_port
EOF
    else
      log "$m has no Attach/PortForward CRDs (created by an older sandbox.sh); 'make down && make up' enables kubectl attach and port-forward" >&2
    fi
  } | kubectl --kubeconfig "$kc" apply -f - >/dev/null
  if ! kubectl --kubeconfig "$kc" wait --for=condition=Ready nodes --all --timeout=60s >/dev/null; then
    # kwok marks the nodes Ready; if it did not, show why and give it one restart.
    local logs="$KWOK_WORKDIR/clusters/$(kwok_name "$m")/logs"
    log "$m: nodes not Ready after 60s; its kwok controller's log ends with:" >&2
    tail -20 "$logs/kwok-controller.log" >&2 || true
    kubectl --kubeconfig "$kc" get nodes >&2 || true
    log "$m: restarting the cluster once"
    "$kwokctl" stop cluster --name "$(kwok_name "$m")" >/dev/null
    "$kwokctl" start cluster --name "$(kwok_name "$m")" --wait 120s >/dev/null
    kubectl --kubeconfig "$kc" wait --for=condition=Ready nodes --all --timeout=60s >/dev/null
  fi
}

# write_kubeconfigs renames kwokctl's contexts to the names Karmada's local-up uses.
write_kubeconfigs() {
  local tmp
  tmp=$(mktemp -d)
  kubectl --kubeconfig "$dir/.kwok-karmada.config" config view --flatten --minify >"$tmp/karmada"
  kubectl --kubeconfig "$tmp/karmada" config rename-context "kwok-$(kwok_name karmada)" karmada-apiserver >/dev/null
  cp "$tmp/karmada" "$dir/karmada.config"
  local files=()
  for m in "${members[@]}"; do
    kubectl --kubeconfig "$dir/.kwok-$m.config" config view --flatten --minify >"$tmp/$m"
    kubectl --kubeconfig "$tmp/$m" config rename-context "kwok-$(kwok_name "$m")" "$m" >/dev/null
    files+=("$tmp/$m")
  done
  (IFS=:; KUBECONFIG="${files[*]}" kubectl config view --flatten >"$dir/members.config")
  kubectl --kubeconfig "$dir/members.config" config use-context member1 >/dev/null
  rm -rf "$tmp"
}

# --- the aggregated API server (cmd/proxy), run as a local process -------------------

proxy_service=karmada-aggregated-apiserver
proxy_namespace=karmada-system

# proxy_pki writes a serving CA and a certificate valid for the Service name the
# aggregator checks (even for an ExternalName Service), localhost and 127.0.0.1.
proxy_pki() {
  local pki="$dir/proxy-pki"
  [[ -f "$pki/serving.crt" ]] && return 0
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=fleetplane-proxy-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$proxy_service.$proxy_namespace.svc" \
    -keyout "$pki/serving.key" -out "$pki/serving.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    "$proxy_service" "$proxy_namespace" "$proxy_service" "$proxy_namespace" >"$pki/ext.cnf"
  openssl x509 -req -in "$pki/serving.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/ext.cnf" -out "$pki/serving.crt" 2>/dev/null
}

proxy_running() {
  [[ -f "$dir/proxy.pid" ]] && kill -0 "$(cat "$dir/proxy.pid")" 2>/dev/null
}

stop_proxy() {
  if proxy_running; then
    local pid
    pid=$(cat "$dir/proxy.pid")
    log "stopping proxy (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/proxy.pid"
}

# start_proxy (re)starts the proxy when it is not running or its binary is newer.
start_proxy() {
  local binary="$bin/proxy"
  if proxy_running && [[ "$binary" -ot "$dir/proxy.pid" ]]; then
    log "proxy is running (pid $(cat "$dir/proxy.pid"))"
    return 0
  fi
  stop_proxy
  proxy_pki
  local kc="$dir/karmada.config"
  log "starting proxy on 127.0.0.1:$proxy_port"
  # shellcheck disable=SC2086
  nohup "$binary" --bind-address 127.0.0.1 --secure-port "$proxy_port" \
    --tls-cert-file "$dir/proxy-pki/serving.crt" --tls-private-key-file "$dir/proxy-pki/serving.key" \
    --etcd-servers "http://127.0.0.1:$cp_etcd_port" \
    --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --cluster-status-update-frequency "${PROXY_STATUS_INTERVAL:-5s}" --cluster-health-timeout 3s \
    --member-dial-timeout 3s ${PROXY_EXTRA_ARGS:-} >"$dir/logs/proxy.log" 2>&1 &
  echo $! >"$dir/proxy.pid"
}

# register_proxy points the control plane's aggregator at the local proxy process, for
# both groups it serves.
register_proxy() {
  local ca
  ca=$(base64 -w0 <"$dir/proxy-pki/ca.crt")
  kubectl --kubeconfig "$dir/karmada.config" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $proxy_namespace
---
apiVersion: v1
kind: Service
metadata:
  name: $proxy_service
  namespace: $proxy_namespace
spec:
  type: ExternalName
  externalName: localhost
  ports:
  - name: https
    port: $proxy_port
    protocol: TCP
$(for group in cluster.karmada.io search.karmada.io; do cat <<APISERVICE
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1alpha1.$group
spec:
  group: $group
  version: v1alpha1
  groupPriorityMinimum: 2000
  versionPriority: 10
  caBundle: $ca
  service:
    name: $proxy_service
    namespace: $proxy_namespace
    port: $proxy_port
APISERVICE
done)
EOF
  # Wait for the process itself, then for the aggregator to reach it (the APIService
  # may still show a previous process as Available).
  local ok=0
  for _ in $(seq 1 180); do
    if curl -sfk "https://127.0.0.1:$proxy_port/readyz" >/dev/null 2>&1 &&
      kubectl --kubeconfig "$dir/karmada.config" get --raw /apis/cluster.karmada.io/v1alpha1/clusters >/dev/null 2>&1 &&
      kubectl --kubeconfig "$dir/karmada.config" get --raw /apis/search.karmada.io/v1alpha1/resourceregistries >/dev/null 2>&1; then
      ok=1
      break
    fi
    proxy_running || break
    sleep 0.5
  done
  if [[ $ok != 1 ]]; then
    echo "sandbox: the proxy did not become available; last lines of $dir/logs/proxy.log:" >&2
    tail -20 "$dir/logs/proxy.log" >&2
    return 1
  fi
  log "cluster.karmada.io/v1alpha1 and search.karmada.io/v1alpha1 are served by the proxy"
}

# join_members registers the members with the plugin (idempotent).
join_members() {
  local m provider region zone
  for m in "${members[@]}"; do
    read -r provider region zone _ <<<"$(member_topology "$m")"
    "$bin/kubectl-karmada" --kubeconfig "$dir/karmada.config" join "$m" \
      --cluster-kubeconfig "$dir/members.config" --cluster-context "$m" \
      --provider "$provider" --region "$region" --zones "$zone" --wait 90s
  done
}

# grant_admin sets up unified auth for the sandbox's admin user (kwok-admin): proxy
# rights on every cluster on the control plane, and cluster-admin on each member.
# The proxy never impersonates system:masters, so membership of that group alone
# does not carry over to the members.
grant_admin() {
  kubectl --kubeconfig "$dir/karmada.config" apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: fleet-admin:cluster-proxy
rules:
- apiGroups: ["cluster.karmada.io"]
  resources: ["clusters/proxy"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: fleet-admin:cluster-proxy
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: fleet-admin:cluster-proxy
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: kwok-admin
EOF
  local m
  for m in "${members[@]}"; do
    kubectl --kubeconfig "$dir/members.config" --context "$m" apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: fleet-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: kwok-admin
EOF
  done
}

# propagate_sample applies the sample, waits for its status to come back, and shows
# where it runs.
propagate_sample() {
  local kc="$dir/karmada.config"
  kubectl --kubeconfig "$kc" apply -f "$root/hack/sandbox/sample.yaml" >/dev/null
  local i
  for i in $(seq 1 60); do
    [[ "$(kubectl --kubeconfig "$kc" -n sample get deploy hello -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" == 3 ]] && break
    sleep 0.5
  done
  log "sample propagated: the control plane's view, then each member's"
  kubectl --kubeconfig "$kc" -n sample get deployment hello
  kubectl --kubeconfig "$kc" -n sample get resourcebinding
  local m
  for m in "${members[@]}"; do
    echo "--- $m"
    kubectl --kubeconfig "$dir/members.config" --context "$m" -n sample get deployment hello 2>&1 |
      sed 's/^Error from server (NotFound): //' || true
  done
}

up() {
  for b in "kube-apiserver-$KUBE_VERSION" "kube-controller-manager-$KUBE_VERSION" \
    "kube-scheduler-$KUBE_VERSION" "etcd-$ETCD_VERSION" "kwok-$KWOK_VERSION" "kwokctl-$KWOK_VERSION"; do
    [[ -x "$bin/$b" ]] || { echo "sandbox: $bin/$b is missing; run 'make binaries'" >&2; exit 1; }
  done
  mkdir -p "$dir/logs"
  touch "$attach_file"
  local start=$SECONDS
  # One at a time: kwokctl picks its remaining ports (etcd peer) by probing, which races
  # when clusters start side by side.
  ensure_cluster karmada create_control_plane
  local i=1
  for m in "${members[@]}"; do
    ensure_cluster "$m" create_member "$m" "$i"
    i=$((i + 1))
  done
  for m in "${members[@]}"; do seed_member "$m"; done
  write_kubeconfigs
  # The e2e tests sign client certificates for unprivileged users with the control
  # plane's CA.
  mkdir -p "$dir/pki"
  cp "$KWOK_WORKDIR/clusters/$(kwok_name karmada)/pki/ca.crt" "$KWOK_WORKDIR/clusters/$(kwok_name karmada)/pki/ca.key" "$dir/pki/"
  log "clusters ready in $((SECONDS - start))s"
  kubectl --kubeconfig "$dir/karmada.config" apply --server-side --force-conflicts -f "$root/config/crds" >/dev/null
  kubectl --kubeconfig "$dir/karmada.config" apply --server-side --force-conflicts -f "$root/config/admission" >/dev/null
  log "Karmada CRDs and admission policies installed on the control plane"
  if [[ "${SANDBOX_PROXY:-1}" == 1 ]]; then
    start_proxy
    register_proxy
    grant_admin
    join_members
    propagate_sample
  fi
  log "control plane: kubectl --kubeconfig $dir/karmada.config (context karmada-apiserver)"
  log "members:       kubectl --kubeconfig $dir/members.config --context member1|member2|member3"
}

down() {
  stop_proxy
  local pids=() short f
  for short in karmada "${members[@]}"; do
    # Remember the cluster's processes by pid, so that down returns only once they
    # are gone.
    for f in "$KWOK_WORKDIR/clusters/$(kwok_name "$short")"/pids/*.pid; do
      [[ -f "$f" ]] && pids+=("$(cat "$f")")
    done
    if cluster_exists "$short"; then
      log "deleting cluster $short"
      "$kwokctl" delete cluster --name "$(kwok_name "$short")" >/dev/null 2>&1 || true
    fi
  done
  local p
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    # Only a process still running from the sandbox's folder is ours to kill.
    if [[ -r "/proc/$p/cmdline" ]] && tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "$KWOK_WORKDIR"; then
      kill -9 "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$dir"
}

status() {
  for short in karmada "${members[@]}"; do
    local kc="$dir/.kwok-$short.config"
    if [[ -f "$kc" ]] && healthy "$kc"; then echo "$short: running"; else echo "$short: not running"; fi
  done
  if proxy_running; then echo "proxy: running (pid $(cat "$dir/proxy.pid"))"; else echo "proxy: not running"; fi
}

case ${1:-} in
  up) up ;;
  restart-proxy) stop_proxy && start_proxy && register_proxy ;;
  stop-member) "$kwokctl" stop cluster --name "$(kwok_name "${2:?member name}")" ;;
  start-member) "$kwokctl" start cluster --name "$(kwok_name "${2:?member name}")" --wait 60s ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status|restart-proxy|stop-member NAME|start-member NAME" >&2; exit 2 ;;
esac
