#!/usr/bin/env bash
# Creates the test cluster's certificates and keys with openssl, once: a CA, the API server's serving
# cert, a client cert per identity (admin, controller-manager, scheduler, the API server's kubelet client,
# the node agent) and the node agent's serving cert, plus the service-account signing key pair.
# Files that already exist are kept, so certificates stay stable across cluster restarts.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PKI="$K8S_STATE_DIR/pki"
DAYS=825
mkdir -p "$PKI"
chmod 700 "$PKI"

new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

# make_ca NAME CN
make_ca() {
  local name="$1" cn="$2"
  [[ -f "$PKI/$name.crt" && -f "$PKI/$name.key" ]] && return
  new_key "$PKI/$name.key"
  openssl req -x509 -new -key "$PKI/$name.key" -sha256 -days "$DAYS" -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/$name.crt" 2>/dev/null
}

# make_cert NAME SUBJECT USAGE [SAN] [CA]: USAGE is clientAuth, serverAuth or both; CA defaults to ca.
make_cert() {
  local name="$1" subject="$2" usage="$3" san="${4:-}" ca="${5:-ca}"
  [[ -f "$PKI/$name.crt" && -f "$PKI/$name.key" ]] && return
  new_key "$PKI/$name.key"
  local ext
  ext="$(mktemp)"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    if [[ -n "$san" ]]; then echo "subjectAltName=$san"; fi
  } >"$ext"
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -sha256 -days "$DAYS" -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

make_sa_keys() {
  [[ -f "$PKI/sa.key" && -f "$PKI/sa.pub" ]] && return
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  chmod 600 "$PKI/sa.key"
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
}

make_ca ca runfleet-test-ca
# The aggregation layer's own CA, as kubeadm does: certs it signs may assert any user through
# X-Remote-User, so it must not be the CA every client cert comes from.
make_ca front-proxy-ca runfleet-test-front-proxy-ca
make_cert front-proxy-client "/CN=front-proxy-client" clientAuth "" front-proxy-ca
make_cert apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
make_cert admin "/O=system:masters/CN=admin" clientAuth
make_cert controller-manager "/CN=system:kube-controller-manager" clientAuth
make_cert scheduler "/CN=system:kube-scheduler" clientAuth
# The API server presents this to the node agent when it proxies logs; system:masters lets the
# agent's authorization be "anyone the CA vouches for in that group".
make_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
make_cert "node-$K8S_NODE_NAME" "/O=system:nodes/CN=system:node:$K8S_NODE_NAME" clientAuth
make_cert "node-$K8S_NODE_NAME-serving" "/CN=$K8S_NODE_NAME" serverAuth \
  "IP:127.0.0.1,DNS:localhost,DNS:$K8S_NODE_NAME"
make_sa_keys
