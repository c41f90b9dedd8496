#!/usr/bin/env bash
# Brings the test cluster up on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, then the Fargate-like node agent; returns once the node is Ready with every daemon
# detached (logs and pids in the state dir). Running it again starts only what is not running.
# Last lines printed: KUBECONFIG=<admin kubeconfig> and TEST_IMAGE=<image the node can run>.
# --no-node: control plane only (no agent, no wait for a Ready node).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

WITH_NODE=1
for arg in "$@"; do
  case "$arg" in
  --no-node) WITH_NODE=0 ;;
  *) die "unknown argument '$arg' (known: --no-node)" ;;
  esac
done

PKI="$K8S_STATE_DIR/pki"
KC="$K8S_STATE_DIR/kubeconfig"
ADMIN_KUBECONFIG="$KC/admin.kubeconfig"
NODE_AGENT_MAIN="$K8S_CLUSTER_DIR/node/main.ts"
UP_START=$SECONDS
take_lock "$K8S_STATE_DIR/cluster.lock"

prepare() {
  # 9>&-: neither may pass the lock fd on to a daemon it starts (the podman API service).
  bash "$K8S_CLUSTER_DIR/setup-k8s.sh" 9>&-
  local containers_out
  containers_out="$(bash "$K8S_REPO_ROOT/scripts/setup-containers.sh" 9>&-)"
  TEST_IMAGE="$(sed -n 's/^TEST_IMAGE=//p' <<<"$containers_out" | tail -1)"
  DOCKER_HOST_URL="$(sed -n 's/^DOCKER_HOST=//p' <<<"$containers_out" | tail -1)"
  [[ -n "$TEST_IMAGE" && -n "$DOCKER_HOST_URL" ]] || die "setup-containers.sh did not print TEST_IMAGE and DOCKER_HOST"
  bash "$K8S_CLUSTER_DIR/make-pki.sh"
  bash "$K8S_CLUSTER_DIR/make-kubeconfigs.sh"
  # The API server and etcd keep many watches and connections open.
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_port_free() {
  local name="$1" port="$2"
  port_free "$port" || die "port $port (for $name) is taken by another process; stop it or run 'npm run cluster:down'"
}

etcd_ready() { curl -fsS "http://127.0.0.1:$K8S_ETCD_CLIENT_PORT/health"; }

# Each start_* returns once its daemon answers, whether this run started it or an earlier one did.
start_etcd() {
  if daemon_running etcd; then
    wait_for etcd 30 etcd_ready
    return
  fi
  # Daemons left from a cluster whose etcd is gone hold state (informer caches, a registered node)
  # that the fresh etcd below no longer has: restart them with it.
  local name
  for name in "${K8S_DAEMONS[@]}"; do
    if [[ "$name" != etcd ]] && daemon_running "$name"; then log "stopping $name: its etcd is gone"; fi
  done
  stop_daemons node-agent
  stop_daemons "${K8S_CONTROL_PLANE[@]}"
  require_port_free etcd "$K8S_ETCD_CLIENT_PORT"
  require_port_free etcd "$K8S_ETCD_PEER_PORT"
  # A fresh data dir each time etcd starts: tests get an empty cluster, never pods bound to a node
  # agent that is gone.
  rm -rf "$K8S_STATE_DIR/etcd"
  mkdir -p "$K8S_STATE_DIR/etcd"
  chmod 700 "$K8S_STATE_DIR/etcd"
  log "starting etcd ($(etcd --version | head -1))"
  start_daemon etcd etcd --name runfleet --data-dir "$K8S_STATE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$K8S_ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$K8S_ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
    --initial-cluster "runfleet=http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=2147483648 --logger=zap
  wait_for etcd 30 etcd_ready
}

apiserver_ready() {
  curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$K8S_APISERVER_PORT/readyz"
}

start_apiserver() {
  if daemon_running kube-apiserver; then
    wait_for kube-apiserver 120 apiserver_ready
    return
  fi
  require_port_free kube-apiserver "$K8S_APISERVER_PORT"
  log "starting kube-apiserver $K8S_VERSION"
  # --endpoint-reconciler-type=none: the `kubernetes` Service endpoint would be 127.0.0.1, which
  # the reconciler rejects as loopback over and over. --kubelet-preferred-address-types=InternalIP:
  # the node agent reports only 127.0.0.1 as its InternalIP.
  start_daemon kube-apiserver "$K8S_BIN_DIR/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$K8S_ETCD_CLIENT_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$K8S_APISERVER_PORT" \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --allow-privileged=true --profiling=false
  wait_for kube-apiserver 120 apiserver_ready
}

apply_manifests() {
  kubectl --kubeconfig="$ADMIN_KUBECONFIG" apply -f "$K8S_CLUSTER_DIR/manifests/" >/dev/null
}

healthz() { curl -fsSk "https://127.0.0.1:$1/healthz"; }

start_controller_manager() {
  if daemon_running kube-controller-manager; then
    wait_for kube-controller-manager 60 healthz 10257
    return
  fi
  require_port_free kube-controller-manager 10257
  log "starting kube-controller-manager"
  # Only the controllers a cluster of job pods needs: ownership GC, namespace deletion, service
  # accounts and their CA bundle, node health (removes the not-ready taint), pod GC, workloads.
  local controllers=garbagecollector,namespace,serviceaccount,serviceaccount-token,root-ca-cert-publisher
  controllers+=,nodelifecycle,podgc,replicaset,deployment,job,ttl-after-finished,endpoint,endpointslice
  controllers+=,resourcequota,csrsigning,csrapproving,csrcleaner,tokencleaner
  start_daemon kube-controller-manager "$K8S_BIN_DIR/kube-controller-manager" \
    --kubeconfig="$KC/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$KC/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$KC/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false \
    --controllers="$controllers" --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --profiling=false
  wait_for kube-controller-manager 60 healthz 10257
}

start_scheduler() {
  if daemon_running kube-scheduler; then
    wait_for kube-scheduler 60 healthz 10259
    return
  fi
  require_port_free kube-scheduler 10259
  log "starting kube-scheduler"
  start_daemon kube-scheduler "$K8S_BIN_DIR/kube-scheduler" \
    --kubeconfig="$KC/scheduler.kubeconfig" \
    --authentication-kubeconfig="$KC/scheduler.kubeconfig" \
    --authorization-kubeconfig="$KC/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --profiling=false
  wait_for kube-scheduler 60 healthz 10259
}

# The runner's kubeconfig carries a ServiceAccount token, so it has exactly the Role's rights.
write_runner_kubeconfig() {
  local file="$KC/runner.kubeconfig" token
  token="$(kubectl --kubeconfig="$ADMIN_KUBECONFIG" -n runfleet-jobs create token runfleet-runner --duration=48h)"
  local tmp
  tmp="$(mktemp "$file.XXXXXX")"
  rm -f "$tmp"
  kubectl config --kubeconfig="$tmp" set-cluster runfleet-test --embed-certs=true \
    --certificate-authority="$PKI/ca.crt" --server="https://127.0.0.1:$K8S_APISERVER_PORT" >/dev/null
  kubectl config --kubeconfig="$tmp" set-credentials runfleet-runner --token="$token" >/dev/null
  kubectl config --kubeconfig="$tmp" set-context runfleet-runner@runfleet-test --cluster=runfleet-test \
    --user=runfleet-runner --namespace=runfleet-jobs >/dev/null
  kubectl config --kubeconfig="$tmp" use-context runfleet-runner@runfleet-test >/dev/null
  chmod 600 "$tmp"
  mv "$tmp" "$file"
}

node_ready() {
  local status
  status="$(kubectl --kubeconfig="$ADMIN_KUBECONFIG" get node "$K8S_NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)"
  [[ "$status" == True ]]
}

start_node_agent() {
  [[ -f "$NODE_AGENT_MAIN" ]] ||
    die "node agent $NODE_AGENT_MAIN not found; run with --no-node for the control plane alone"
  if ! daemon_running node-agent; then
    require_port_free node-agent "$K8S_NODE_PORT"
    mkdir -p "$K8S_STATE_DIR/node"
    log "starting node agent $K8S_NODE_NAME (runtime ${RUNFLEET_NODE_RUNTIME:-containers})"
    (
      cd "$K8S_REPO_ROOT"
      export RUNFLEET_NODE_KUBECONFIG="$KC/node-$K8S_NODE_NAME.kubeconfig"
      export RUNFLEET_NODE_NAME="$K8S_NODE_NAME"
      export RUNFLEET_NODE_TLS_CERT="$PKI/node-$K8S_NODE_NAME-serving.crt"
      export RUNFLEET_NODE_TLS_KEY="$PKI/node-$K8S_NODE_NAME-serving.key"
      export RUNFLEET_NODE_CLIENT_CA="$PKI/ca.crt"
      export RUNFLEET_NODE_PORT="$K8S_NODE_PORT"
      export RUNFLEET_NODE_RUNTIME="${RUNFLEET_NODE_RUNTIME:-containers}"
      export RUNFLEET_NODE_STATE_DIR="$K8S_STATE_DIR/node"
      export DOCKER_HOST="$DOCKER_HOST_URL" CONTAINER_HOST="$DOCKER_HOST_URL"
      start_daemon node-agent npx tsx "$NODE_AGENT_MAIN"
    )
  fi
  wait_for node-agent 60 node_ready
}

prepare
start_etcd
start_apiserver
apply_manifests
start_controller_manager
start_scheduler
write_runner_kubeconfig
if ((WITH_NODE)); then
  start_node_agent
fi
log "cluster up in $((SECONDS - UP_START))s (state: $K8S_STATE_DIR)"
printf 'KUBECONFIG=%s\n' "$ADMIN_KUBECONFIG"
printf 'TEST_IMAGE=%s\n' "$TEST_IMAGE"
