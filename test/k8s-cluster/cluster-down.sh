#!/usr/bin/env bash
# Stops the test cluster: node agent, scheduler, controller manager, API server, etcd (each with its
# whole process group), then any pod container the agent left behind. Safe to run when nothing runs.
# Exits non-zero if something of the cluster is still running afterwards.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
take_lock "$K8S_STATE_DIR/cluster.lock"

running=()
for name in "${K8S_DAEMONS[@]}"; do
  if daemon_running "$name"; then running+=("$name"); fi
done
((${#running[@]} == 0)) || log "stopping ${running[*]}"
stop_daemons node-agent
stop_daemons "${K8S_CONTROL_PLANE[@]}"
stop_daemons etcd

# Pod containers are labelled with the node that ran them; they are not children of the agent.
if command -v podman >/dev/null; then
  mapfile -t leftovers < <(podman ps -aq --filter label=io.runfleet.node 2>/dev/null || true)
  if ((${#leftovers[@]} > 0)); then
    log "removing ${#leftovers[@]} pod container(s)"
    podman rm -f -t 2 "${leftovers[@]}" >/dev/null 2>&1 || true
  fi
  mapfile -t pods < <(podman pod ps -q --filter label=io.runfleet.node 2>/dev/null || true)
  if ((${#pods[@]} > 0)); then
    podman pod rm -f "${pods[@]}" >/dev/null 2>&1 || true
  fi
fi

# Anything still listening on the cluster's ports was started outside these pid files (a lost state
# dir, a crashed script): name it rather than report a clean stop.
still=()
for port in "$K8S_APISERVER_PORT" "$K8S_ETCD_CLIENT_PORT" "$K8S_ETCD_PEER_PORT" 10257 10259 "$K8S_NODE_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then still+=("$port"); fi
done
if ((${#still[@]} > 0)); then
  die "still listening on 127.0.0.1 port(s) ${still[*]} after stopping the cluster; find the owner with: ss -ltnp"
fi
log "cluster down"
