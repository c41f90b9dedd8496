# Shared settings for the test cluster scripts (sourced, not run). One place for versions, paths
# and ports so setup, up and down agree on them.
K8S_VERSION="${RUNFLEET_K8S_VERSION:-v1.33.13}"
K8S_CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_REPO_ROOT="$(cd "$K8S_CLUSTER_DIR/../.." && pwd)"
K8S_BIN_DIR="${RUNFLEET_K8S_BIN_DIR:-$HOME/.cache/runfleet/k8s/$K8S_VERSION}"
K8S_STATE_DIR="${RUNFLEET_CLUSTER_DIR:-$HOME/.cache/runfleet/cluster}"
K8S_NODE_NAME="${RUNFLEET_NODE_NAME:-fargate-0}"
K8S_APISERVER_PORT=6443
K8S_ETCD_CLIENT_PORT=2379
K8S_ETCD_PEER_PORT=2380
K8S_NODE_PORT=10250

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
