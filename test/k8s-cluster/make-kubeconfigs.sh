#!/usr/bin/env bash
# Writes one kubeconfig per certificate identity (admin, controller-manager, scheduler, node agent),
# certificates embedded so each file stands alone. The runner's token kubeconfig is written by
# cluster-up.sh once the API server can issue the token.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PKI="$K8S_STATE_DIR/pki"
KC="$K8S_STATE_DIR/kubeconfig"
mkdir -p "$KC"
chmod 700 "$KC"

# write_kubeconfig FILE USER CERT_NAME
write_kubeconfig() {
  local file="$KC/$1.kubeconfig" user="$2" cert="$3"
  local tmp
  tmp="$(mktemp "$file.XXXXXX")"
  rm -f "$tmp"
  kubectl config --kubeconfig="$tmp" set-cluster runfleet-test --embed-certs=true \
    --certificate-authority="$PKI/ca.crt" --server="https://127.0.0.1:$K8S_APISERVER_PORT" >/dev/null
  kubectl config --kubeconfig="$tmp" set-credentials "$user" --embed-certs=true \
    --client-certificate="$PKI/$cert.crt" --client-key="$PKI/$cert.key" >/dev/null
  kubectl config --kubeconfig="$tmp" set-context "$user@runfleet-test" --cluster=runfleet-test \
    --user="$user" >/dev/null
  kubectl config --kubeconfig="$tmp" use-context "$user@runfleet-test" >/dev/null
  chmod 600 "$tmp"
  mv "$tmp" "$file"
}

write_kubeconfig admin admin admin
write_kubeconfig controller-manager system:kube-controller-manager controller-manager
write_kubeconfig scheduler system:kube-scheduler scheduler
write_kubeconfig "node-$K8S_NODE_NAME" "system:node:$K8S_NODE_NAME" "node-$K8S_NODE_NAME"
