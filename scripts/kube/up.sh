#!/usr/bin/env bash
# Starts (or reuses) the "cutover" test cluster: a real kube-apiserver, etcd, kube-controller-manager
# and kube-scheduler run as local processes by kwokctl, plus one kwok fake node that marks scheduled
# pods Ready, so Deployments finish rollouts without containers. Works offline once built.
# Prints the kubeconfig path (.data/kube/kubeconfig) on stdout; everything else goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_NAME="cutover"
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.6.3}"
DATA_DIR="$ROOT/.data/kube"
KUBECONFIG_OUT="$DATA_DIR/kubeconfig"
# Keeps kwokctl's clusters, pki, logs and cache out of ~/.kwok.
export KWOK_WORKDIR="$DATA_DIR/kwok"

log() { printf '[kube:up] %s\n' "$*" >&2; }
die() { printf '[kube:up] error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$DATA_DIR"
# One provisioner at a time (parallel test runs would otherwise race on the same cluster).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DATA_DIR/.lock"
  flock 9
fi

start_ns=$(date +%s%N)
build_env="$(bash "$ROOT/scripts/kube/build.sh" --print-env)"
eval "$build_env"

# The cluster's processes that kwokctl starts must not inherit the lock's descriptor, or they would hold
# the lock for as long as the cluster runs and every later kube:up or kube:down would wait forever.
kwokctl() { command kwokctl "$@" 9>&-; }

# kwokctl looks for kubectl on PATH before downloading one; make sure it finds ours.
export PATH="$KUBE_BIN:$KWOK_BIN:$PATH"
export KWOK_KUBECTL_BINARY="$KUBE_BIN/kubectl"
export KWOK_KUBE_VERSION="$KUBE_VERSION"
kctl() { "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_OUT" "$@"; }

gateway_crd_dir() {
  local dir
  dir="$(cd / && "$GO" mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || true
  [[ -n "$dir" && -d "$dir/config/crd/standard" ]] \
    || die "cannot get sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION from the Go module proxy (needed for the Gateway API CRDs)"
  echo "$dir/config/crd/standard"
}

healthy() {
  [[ -s "$KUBECONFIG_OUT" ]] || return 1
  kctl --request-timeout=5s get --raw /readyz >/dev/null 2>&1 || return 1
  kctl --request-timeout=5s get crd httproutes.gateway.networking.k8s.io >/dev/null 2>&1 || return 1
  local ready
  ready="$(kctl --request-timeout=5s get nodes \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null)" || return 1
  grep -qx True <<<"$ready"
}

# A cluster created from other binaries keeps pointing at them; recreate it after a version bump.
stamp="$KUBE_VERSION kwok-$KWOK_VERSION gateway-api-$GATEWAY_API_VERSION"
stamp_file="$DATA_DIR/cluster.stamp"
if [[ -d "$KWOK_WORKDIR/clusters/$CLUSTER_NAME" && "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ]]; then
  log "cluster was made by other versions; recreating"
  # kwokctl refuses an empty --kubeconfig on delete; a file of its own keeps it away from ~/.kube/config.
  touch "$DATA_DIR/kwokctl-kubeconfig"
  kwokctl delete cluster --name "$CLUSTER_NAME" --kubeconfig "$DATA_DIR/kwokctl-kubeconfig" >&2 || true
  rm -f "$KUBECONFIG_OUT"
fi

if healthy; then
  log "reusing running cluster $CLUSTER_NAME (Kubernetes $KUBE_VERSION)"
  echo "$KUBECONFIG_OUT"
  exit 0
fi

log "starting cluster $CLUSTER_NAME (Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
# Creating an existing but stopped cluster starts it again (kwokctl checks readiness first).
# --kubeconfig "" keeps kwokctl away from ~/.kube/config; we write our own below.
if ! kwokctl create cluster --name "$CLUSTER_NAME" --runtime binary --kubeconfig "" --quiet-pull \
  --kube-apiserver-binary "$KUBE_BIN/kube-apiserver" \
  --kube-controller-manager-binary "$KUBE_BIN/kube-controller-manager" \
  --kube-scheduler-binary "$KUBE_BIN/kube-scheduler" \
  --etcd-binary "$KUBE_BIN/etcd" \
  --kwok-controller-binary "$KWOK_BIN/kwok" \
  --timeout 120s --wait 60s >&2; then
  die "kwokctl could not start the cluster; component logs: $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs/
  (try: npm run kube:down && npm run kube:up)"
fi
echo "$stamp" >"$stamp_file"

tmp_kubeconfig="$KUBECONFIG_OUT.tmp.$$"
kwokctl get kubeconfig --name "$CLUSTER_NAME" >"$tmp_kubeconfig" || die "kwokctl get kubeconfig failed"
mv "$tmp_kubeconfig" "$KUBECONFIG_OUT"

log "creating one fake node"
kwokctl scale node --replicas 1 --name "$CLUSTER_NAME" >&2 || die "could not create the fake node"

log "installing Gateway API $GATEWAY_API_VERSION standard CRDs"
# Server-side apply: the HTTPRoute CRD is too big for client-side apply's last-applied annotation.
kctl apply --server-side --force-conflicts -f "$(gateway_crd_dir)" >/dev/null \
  || die "applying the Gateway API CRDs failed"
kctl wait --for condition=Established --timeout=60s \
  crd/gateways.gateway.networking.k8s.io crd/httproutes.gateway.networking.k8s.io >/dev/null \
  || die "Gateway API CRDs did not become Established"

kctl wait --for condition=Ready --timeout=60s node --all >/dev/null || die "the fake node did not become Ready"
# Pods need the namespace's default ServiceAccount; its presence shows kube-controller-manager works.
for _ in $(seq 1 60); do
  kctl get serviceaccount default -n default >/dev/null 2>&1 && break
  sleep 0.5
done
healthy || die "cluster started but is not healthy; see $KWOK_WORKDIR/clusters/$CLUSTER_NAME/logs/"

log "cluster ready in $(( ($(date +%s%N) - start_ns) / 1000000 )) ms; KUBECONFIG=$KUBECONFIG_OUT"
echo "$KUBECONFIG_OUT"
