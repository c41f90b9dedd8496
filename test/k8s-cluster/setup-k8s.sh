#!/usr/bin/env bash
# Installs what the test control plane needs and builds kube-apiserver, kube-controller-manager and
# kube-scheduler from the Go module proxy (wrapper module in build/). Binaries are cached per version
# outside the work tree, so a second run, or another clone on the same machine, builds nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler)

install_packages() {
  local missing=()
  command -v openssl >/dev/null || missing+=(openssl)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v etcdctl >/dev/null || missing+=(etcd-client)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian's etcd-server package starts its own etcd on :2379 at install; ours needs that port.
  if command -v systemctl >/dev/null && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
}

binaries_present() {
  local b
  for b in "${K8S_BINARIES[@]}"; do
    [[ -x "$K8S_BIN_DIR/$b" ]] || return 1
  done
}

version_ldflags() {
  local minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  local date
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local pkg flags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  printf '%s' "-s -w$flags"
}

# go_build OUT_DIR CMD...: builds k8s.io/kubernetes/cmd/<CMD> statically with the version stamped in.
go_build() {
  # Debian's golang-go (1.19) is too old for k8s.io/kubernetes v1.33 (go 1.24); the machine's Go is used.
  command -v go >/dev/null || die "go not found on PATH; the control plane is built with the machine's Go (>= 1.24)"
  local out="$1"
  shift
  local build_dir="$K8S_CLUSTER_DIR/build"
  grep -q "k8s.io/kubernetes $K8S_VERSION" "$build_dir/go.mod" ||
    die "build/go.mod does not require k8s.io/kubernetes $K8S_VERSION; update the wrapper module first"
  local pkgs=() b
  for b in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  (
    cd "$build_dir"
    CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" nice -n 19 go build -trimpath -p "${RUNFLEET_BUILD_JOBS:-2}" \
      -ldflags "$(version_ldflags)" -o "$out/" "${pkgs[@]}"
  )
}

build_binaries() {
  local tmp="$K8S_BIN_DIR.partial.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  log "building ${K8S_BINARIES[*]} $K8S_VERSION (first time only: several minutes)"
  local start=$SECONDS
  go_build "$tmp" "${K8S_BINARIES[@]}" || {
    rm -rf "$tmp"
    die "go build of the control plane failed (output above)"
  }
  "$tmp/kube-apiserver" --version | grep -qx "Kubernetes $K8S_VERSION" ||
    die "built kube-apiserver reports '$("$tmp/kube-apiserver" --version)', expected Kubernetes $K8S_VERSION"
  printf 'version %s\nbuilt %s\nseconds %s\n%s\n' "$K8S_VERSION" "$(date -u +%FT%TZ)" "$((SECONDS - start))" \
    "$(go version)" >"$tmp/BUILD_INFO"
  # Publish whole or not at all: a half-built cache would be taken as complete by the next run.
  mkdir -p "$(dirname "$K8S_BIN_DIR")"
  rm -rf "$K8S_BIN_DIR"
  mv "$tmp" "$K8S_BIN_DIR"
  log "built in $((SECONDS - start))s into $K8S_BIN_DIR"
}

# The machine image ships kubectl (a dispatcher that picks a client matching the server). Where it is
# missing, kubectl of the same release is built from the same module, cached beside the control plane
# and linked into /usr/local/bin. RUNFLEET_BUILD_KUBECTL=1 builds it into the cache even when present.
ensure_kubectl() {
  if command -v kubectl >/dev/null && [[ "${RUNFLEET_BUILD_KUBECTL:-0}" != 1 ]]; then return; fi
  if [[ ! -x "$K8S_BIN_DIR/kubectl" ]]; then
    log "building kubectl $K8S_VERSION"
    local tmp="$K8S_BIN_DIR/.kubectl.partial.$$" start=$SECONDS
    mkdir -p "$tmp"
    go_build "$tmp" kubectl || {
      rm -rf "$tmp"
      die "go build of kubectl failed (output above)"
    }
    mv "$tmp/kubectl" "$K8S_BIN_DIR/kubectl"
    rm -rf "$tmp"
    log "built kubectl in $((SECONDS - start))s"
  fi
  command -v kubectl >/dev/null || ln -sf "$K8S_BIN_DIR/kubectl" /usr/local/bin/kubectl
}

install_packages
# Two clones building at once would each spend the full build; the second waits and reuses.
take_lock "$(dirname "$K8S_BIN_DIR")/build.lock"
if binaries_present; then
  log "control plane binaries $K8S_VERSION cached in $K8S_BIN_DIR"
else
  build_binaries
fi
ensure_kubectl
