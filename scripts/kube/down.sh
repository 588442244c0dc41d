#!/usr/bin/env bash
# Stops and deletes the "cutover" test cluster (processes, etcd data, kubeconfig).
# Keeps the built binaries in .tools/kube, so the next `npm run kube:up` is a warm start.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_NAME="cutover"
DATA_DIR="$ROOT/.data/kube"
export KWOK_WORKDIR="$DATA_DIR/kwok"

log() { printf '[kube:down] %s\n' "$*" >&2; }

if [[ ! -d "$KWOK_WORKDIR/clusters/$CLUSTER_NAME" ]]; then
  log "no cluster $CLUSTER_NAME; nothing to do"
  rm -f "$DATA_DIR/kubeconfig" "$DATA_DIR/cluster.stamp"
  exit 0
fi

mkdir -p "$DATA_DIR"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DATA_DIR/.lock"
  flock 9
fi

kwokctl="$(ls "$ROOT"/.tools/kube/kwok-*/bin/kwokctl 2>/dev/null | tail -n 1 || true)"
[[ -x "$kwokctl" ]] || { echo "[kube:down] error: kwokctl not found under .tools/kube; run npm run kube:up first" >&2; exit 1; }

log "deleting cluster $CLUSTER_NAME"
# A kubeconfig of its own keeps kwokctl away from ~/.kube/config (up.sh never wrote there); it refuses "".
touch "$DATA_DIR/kwokctl-kubeconfig"
"$kwokctl" delete cluster --name "$CLUSTER_NAME" --kubeconfig "$DATA_DIR/kwokctl-kubeconfig" >&2
rm -f "$DATA_DIR/kubeconfig" "$DATA_DIR/cluster.stamp"
log "deleted"
