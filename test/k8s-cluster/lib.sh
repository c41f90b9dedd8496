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

# take_lock FILE: holds an exclusive lock on FILE until this script exits, so two cluster:up (or an
# up and a down) started at the same time run one after the other instead of racing on pid files,
# kubeconfigs and ports.
take_lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  if ! flock -n 9; then
    log "waiting for another cluster script to finish ($1)"
    flock -w 900 9 || die "another cluster script held $1 for 15 minutes"
  fi
}

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

K8S_PID_DIR="$K8S_STATE_DIR/pids"
K8S_LOG_DIR="$K8S_STATE_DIR/logs"
# Stop order; start order is the reverse.
K8S_DAEMONS=(node-agent kube-scheduler kube-controller-manager kube-apiserver etcd)
# The agent goes first (it may still talk to the API server while it stops its pods), etcd last.
K8S_CONTROL_PLANE=(kube-scheduler kube-controller-manager kube-apiserver)

daemon_pid() {
  local file="$K8S_PID_DIR/$1.pid"
  [[ -f "$file" ]] || return 1
  local pid
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}

daemon_running() { daemon_pid "$1" >/dev/null; }

# start_daemon NAME COMMAND...: runs COMMAND in its own session (so it outlives this script and can
# be stopped as a process group), output appended to logs/NAME.log, pid in pids/NAME.pid.
start_daemon() {
  local name="$1"
  shift
  mkdir -p "$K8S_PID_DIR" "$K8S_LOG_DIR"
  printf '\n=== %s start %s\n' "$name" "$(date -u +%FT%TZ)" >>"$K8S_LOG_DIR/$name.log"
  # 9>&-: the daemon must not inherit the lock fd, or the lock would live as long as the daemon.
  setsid "$@" >>"$K8S_LOG_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$K8S_PID_DIR/$name.pid"
}

group_alive() { kill -0 "$1" 2>/dev/null || pgrep -g "$1" >/dev/null 2>&1; }

# stop_daemons NAME...: SIGTERM to each one's process group at once, SIGKILL to what is left after
# 10 s; pid files removed.
stop_daemons() {
  local name pid names=() pids=()
  for name in "$@"; do
    if pid="$(daemon_pid "$name")"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      names+=("$name")
      pids+=("$pid")
    else
      rm -f "$K8S_PID_DIR/$name.pid"
    fi
  done
  local i j alive
  for ((i = 0; i < 200; i++)); do
    alive=0
    for pid in "${pids[@]}"; do
      if group_alive "$pid"; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.1
  done
  for ((j = 0; j < ${#pids[@]}; j++)); do
    pid="${pids[$j]}"
    if group_alive "$pid"; then
      log "${names[$j]} (pid $pid) ignored SIGTERM for 10s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$K8S_PID_DIR/${names[$j]}.pid"
  done
}

log_tail() {
  local file="$K8S_LOG_DIR/$1.log"
  [[ -f "$file" ]] || return 0
  printf -- '--- last lines of %s\n' "$file" >&2
  tail -n "${2:-25}" "$file" >&2
}

# wait_for NAME SECONDS COMMAND...: polls COMMAND until it succeeds; fails early if the daemon died.
wait_for() {
  local name="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! daemon_running "$name"; then
      log_tail "$name"
      die "$name exited while starting (log: $K8S_LOG_DIR/$name.log)"
    fi
    sleep 0.5
  done
  log_tail "$name"
  die "$name was not ready within ${seconds}s (log: $K8S_LOG_DIR/$name.log)"
}
