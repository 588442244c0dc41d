#!/usr/bin/env bash
# Builds the test cluster's binaries from the Go module proxy, once per version:
#   .tools/kube/<k8s-version>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl,etcd}
#   .tools/kube/kwok-<kwok-version>/bin/{kwok,kwokctl}
# Versions come from tools/kube/go.mod (Kubernetes, etcd) and KWOK_VERSION below.
# Prints nothing on stdout except, with --print-env, the resolved paths as shell assignments.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MOD_DIR="$ROOT/tools/kube"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"

log() { printf '[kube:build] %s\n' "$*" >&2; }
die() { printf '[kube:build] error: %s\n' "$*" >&2; exit 1; }

find_go() {
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  if [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go; return; fi
  die "Go (>= 1.26) is required to build the test cluster. Install it from https://go.dev/dl/
  (e.g. curl -fsSL https://go.dev/dl/go1.26.0.linux-amd64.tar.gz | sudo tar -C /usr/local -xz)
  and put /usr/local/go/bin on PATH."
}

# Reads "<module> <version>" from tools/kube/go.mod so the go.mod is the single source of truth.
mod_version() {
  awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$MOD_DIR/go.mod"
}

GO="$(find_go)"
KUBE_VERSION="$(mod_version k8s.io/kubernetes)"
ETCD_VERSION="$(mod_version go.etcd.io/etcd/server/v3)"
[[ -n "$KUBE_VERSION" && -n "$ETCD_VERSION" ]] || die "cannot read versions from $MOD_DIR/go.mod"

KUBE_BIN="$ROOT/.tools/kube/$KUBE_VERSION/bin"
KWOK_BIN="$ROOT/.tools/kube/kwok-$KWOK_VERSION/bin"

if [[ "${1:-}" == "--print-env" ]]; then
  printf 'GO=%q\nKUBE_VERSION=%q\nETCD_VERSION=%q\nKWOK_VERSION=%q\nKUBE_BIN=%q\nKWOK_BIN=%q\n' \
    "$GO" "$KUBE_VERSION" "$ETCD_VERSION" "$KWOK_VERSION" "$KUBE_BIN" "$KWOK_BIN"
fi

go_minor="$("$GO" env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if [[ ! "$go_minor" =~ ^[0-9]+$ ]] || (( go_minor < 26 )); then
  die "Go >= 1.26 is required (found $("$GO" env GOVERSION)); Kubernetes $KUBE_VERSION needs it. See https://go.dev/dl/"
fi

# The stamp records what the binaries were built from, so editing go.mod/go.sum forces a rebuild.
stamp_of() { cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum" | sha256sum | cut -d' ' -f1; }

build_kube() {
  local want have=""
  want="$(stamp_of)"
  [[ -f "$KUBE_BIN/.stamp" ]] && have="$(cat "$KUBE_BIN/.stamp")"
  if [[ "$want" == "$have" ]]; then
    log "Kubernetes $KUBE_VERSION and etcd $ETCD_VERSION already built in $KUBE_BIN"
    return
  fi

  local major minor
  major="$(cut -d. -f1 <<<"${KUBE_VERSION#v}")"
  minor="$(cut -d. -f2 <<<"${KUBE_VERSION#v}")"
  # Without these the binaries report v0.0.0 and kwokctl picks flags for the wrong version.
  local ldflags="-s -w"
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done

  local tmp="$KUBE_BIN.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  log "building Kubernetes $KUBE_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl) and etcd $ETCD_VERSION"
  log "cold builds take tens of minutes on 2 cores; later runs reuse $KUBE_BIN"
  (
    cd "$MOD_DIR"
    # CGO off like the official server builds; the tags match hack/lib/golang.sh.
    CGO_ENABLED=0 GOFLAGS=-mod=readonly "$GO" build -trimpath -tags notest,grpcnotrace \
      -ldflags "$ldflags" -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubectl
    CGO_ENABLED=0 GOFLAGS=-mod=readonly "$GO" build -trimpath -ldflags "-s -w" -o "$tmp/etcd" \
      go.etcd.io/etcd/server/v3
  ) || die "building Kubernetes $KUBE_VERSION failed (see the Go output above)"
  echo "$want" >"$tmp/.stamp"
  rm -rf "$KUBE_BIN" && mkdir -p "$(dirname "$KUBE_BIN")" && mv "$tmp" "$KUBE_BIN"
  trap - EXIT
  log "built $(ls "$KUBE_BIN" | tr '\n' ' ')in $KUBE_BIN"
}

build_kwok() {
  if [[ -x "$KWOK_BIN/kwok" && -x "$KWOK_BIN/kwokctl" ]]; then
    log "kwok $KWOK_VERSION already built in $KWOK_BIN"
    return
  fi
  local tmp="$KWOK_BIN.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  log "building kwok and kwokctl $KWOK_VERSION"
  CGO_ENABLED=0 GOBIN="$tmp" "$GO" install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION" \
    || die "building kwok $KWOK_VERSION failed (see the Go output above)"
  rm -rf "$KWOK_BIN" && mkdir -p "$(dirname "$KWOK_BIN")" && mv "$tmp" "$KWOK_BIN"
  trap - EXIT
}

build_kube
build_kwok
