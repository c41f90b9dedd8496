#!/usr/bin/env bash
# Prepares podman for the container-based tests: installs it, configures the engine for this machine,
# builds a local busybox test image (no registry needed) and starts the Docker-compatible API socket.
# Safe to run again: each step checks whether it is already done. Last lines printed:
#   DOCKER_HOST=unix:///run/runfleet/podman.sock
#   TEST_IMAGE=localhost/runfleet-test/busybox:latest
# `setup-containers.sh stop` stops the API service it started (CI's exit trap uses it).
#
# Found when setting this up on Debian 12 (podman 4.3, CNI networking, cgroup v1, overlay storage):
# - On the default bridge network a container cannot reach a server bound to the host's 127.0.0.1,
#   not even through host.containers.internal (10.88.0.1); with `--network host` it can, by 127.0.0.1
#   or localhost.
# - Debian's busybox-static `wget` exits 139 (segfault) instead of printing an error when a connection
#   is refused or a name does not resolve; successful requests work. Tests must not read a crash there
#   as a bug of ours.
set -euo pipefail

SOCKET_DIR=/run/runfleet
SOCKET="$SOCKET_DIR/podman.sock"
DOCKER_HOST_URL="unix://$SOCKET"
TEST_IMAGE="${RUNFLEET_TEST_IMAGE:-localhost/runfleet-test/busybox:latest}"
CONTAINERS_CONF=/etc/containers/containers.conf
SERVICE_LOG=/var/log/runfleet-podman-service.log
SERVICE_PID="$SOCKET_DIR/podman-service.pid"

# Two runs at once (a developer's and CI's, two clones, cluster:up and a test) would race on pid files,
# ports and images: the second waits for the first. flock -o keeps the lock out of the daemons started.
if [[ -z "${RUNFLEET_SETUP_CONTAINERS_LOCKED:-}" ]]; then
  mkdir -p "$SOCKET_DIR"
  RUNFLEET_SETUP_CONTAINERS_LOCKED=1 exec flock -o -w 900 "$SOCKET_DIR/setup-containers.lock" bash "$0" "$@"
fi

log() { printf '[setup-containers %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

install_packages() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  [[ -x /bin/busybox ]] || missing+=(busybox-static)
  command -v curl >/dev/null || missing+=(curl)
  # uidmap gives podman newuidmap/newgidmap; iptables is what its bridge network uses on Debian 12.
  command -v newuidmap >/dev/null || missing+=(uidmap)
  command -v iptables >/dev/null || missing+=(iptables)
  if ((${#missing[@]} == 0)); then return; fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Sets `key = value` inside `[section]` of a TOML file, keeping every other line as it is:
# replaces the key if the section has it, adds it under the section header otherwise, and appends
# the section if the file lacks it.
toml_set() {
  local file="$1" section="$2" key="$3" value="$4"
  local tmp
  tmp="$(mktemp)"
  awk -v section="[$section]" -v key="$key" -v line="$key = $value" '
    function flush() { if (in_section && !done) { print line; done = 1 } }
    /^[[:space:]]*\[/ {
      header = $0; gsub(/[[:space:]]/, "", header)
      if (in_section) flush()
      in_section = (header == section); if (in_section) seen = 1
      print; next
    }
    in_section && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" { if (!done) { print line; done = 1 }; next }
    { print }
    END {
      if (in_section) flush()
      if (!seen) { print ""; print section; print line }
    }
  ' "$file" >"$tmp"
  cat "$tmp" >"$file"
  rm -f "$tmp"
}

configure_engine() {
  mkdir -p "$(dirname "$CONTAINERS_CONF")"
  [[ -f "$CONTAINERS_CONF" ]] || printf '# podman engine settings; keys below are managed by setup-containers.sh\n' >"$CONTAINERS_CONF"
  local before
  before="$(cat "$CONTAINERS_CONF")"
  # runc: Debian 12's crun build is not installed by default and runc is. cgroupfs: there is no
  # systemd here to own cgroups. events_logger=file: journald is absent too, so events would fail.
  toml_set "$CONTAINERS_CONF" engine runtime '"runc"'
  toml_set "$CONTAINERS_CONF" engine cgroup_manager '"cgroupfs"'
  toml_set "$CONTAINERS_CONF" engine events_logger '"file"'
  # CI jobs (compilers, test runners) open many files; the default container ulimit is too low.
  toml_set "$CONTAINERS_CONF" containers default_ulimits '["nofile=10000:10000", "nproc=4096:4096"]'
  [[ "$before" == "$(cat "$CONTAINERS_CONF")" ]] || log "updated $CONTAINERS_CONF"
}

build_test_image() {
  if podman image exists "$TEST_IMAGE"; then return; fi
  log "building $TEST_IMAGE from Debian's busybox-static"
  local rootfs
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev,var/tmp}
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  local applet
  # Each applet becomes a link at the path busybox itself names (/bin/sh, /usr/bin/env, ...).
  while read -r applet; do
    [[ "$applet" == /bin/busybox ]] && continue
    ln -sf /bin/busybox "$rootfs$applet"
  done < <(/bin/busybox --list-full | sed 's|^|/|')
  local bb_version
  bb_version="$(/bin/busybox | head -1 | awk '{print $2}')"
  cat >"$rootfs/etc/os-release" <<EOF
NAME="Runfleet test busybox"
ID=busybox
VERSION_ID="${bb_version#v}"
PRETTY_NAME="Runfleet test image (BusyBox ${bb_version})"
EOF
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  tar -C "$rootfs" -cf "$rootfs.tar" .
  podman import --quiet \
    --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' \
    "$rootfs.tar" "$TEST_IMAGE" >/dev/null
  rm -rf "$rootfs" "$rootfs.tar"
}

check_run() {
  local out
  out="$(podman run --rm "$TEST_IMAGE" echo hi 2>&1)" || die "podman run of $TEST_IMAGE failed: $out"
  [[ "$out" == hi ]] || die "podman run of $TEST_IMAGE printed '$out', expected 'hi'"
}

socket_answers() {
  [[ -S "$SOCKET" ]] && curl -fsS --max-time 2 --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1
}

start_api_service() {
  if socket_answers; then return; fi
  mkdir -p "$SOCKET_DIR"
  rm -f "$SOCKET"
  log "starting podman API service on $SOCKET (log $SERVICE_LOG)"
  # --time=0: the service must not exit when idle; tests may start long after this script.
  setsid nohup podman system service --time=0 "$DOCKER_HOST_URL" >>"$SERVICE_LOG" 2>&1 </dev/null &
  echo $! >"$SERVICE_PID"
  local i
  for ((i = 0; i < 100; i++)); do
    if socket_answers; then return; fi
    sleep 0.1
  done
  tail -n 20 "$SERVICE_LOG" >&2 || true
  die "podman API service did not answer on $SOCKET within 10s"
}

stop_api_service() {
  [[ -f "$SERVICE_PID" ]] || return 0
  local pid
  pid="$(<"$SERVICE_PID")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    log "stopped podman API service (pid $pid)"
  fi
  rm -f "$SERVICE_PID" "$SOCKET"
}

# --- docker executor test images and local registry -------------------------------------------------
# Images derived from the busybox test image (no network needed): one with git (the executor
# conformance suite checks the checkout from inside the job), one HTTP "service" that listens on an
# EXPOSEd port, one that EXPOSEs a port but never listens. Debian's docker-registry serves pull,
# credential and mirror tests on https://127.0.0.1:5000 with htpasswd auth (RUNFLEET_REGISTRY_USER/PASSWORD).
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_USER="${RUNFLEET_REGISTRY_USER:-runfleet}"
REGISTRY_PASSWORD="${RUNFLEET_REGISTRY_PASSWORD:-runfleet-test-pw}"
REGISTRY_DIR=/var/lib/runfleet-registry
REGISTRY_CONFIG=/etc/runfleet/registry.yml
REGISTRY_LOG=/var/log/runfleet-registry.log
REGISTRY_PID="$SOCKET_DIR/registry.pid"
IMAGE_BASE="${TEST_IMAGE%/*}"
GIT_IMAGE="$IMAGE_BASE/git:latest"
SERVICE_IMAGE="$IMAGE_BASE/http-service:latest"
SILENT_SERVICE_IMAGE="$IMAGE_BASE/silent-service:latest"
SH_ONLY_IMAGE="$IMAGE_BASE/sh-only:latest"

install_registry_packages() {
  local missing=()
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  if ((${#missing[@]} == 0)); then return; fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds an image FROM the busybox test image out of a context directory the caller filled.
build_derived_image() {
  local image="$1" context="$2"
  podman build --quiet --pull=never --tag "$image" "$context" >/dev/null
  rm -rf "$context"
}

build_docker_test_images() {
  local ctx
  if ! podman image exists "$GIT_IMAGE"; then
    log "building $GIT_IMAGE (busybox with the host's git and its libraries)"
    ctx="$(mktemp -d)"
    mkdir -p "$ctx/root/usr/bin"
    cp /usr/bin/git "$ctx/root/usr/bin/git"
    local lib
    for lib in $(ldd /usr/bin/git | grep -o '/[^ ]*'); do
      mkdir -p "$ctx/root$(dirname "$lib")"
      cp -L "$lib" "$ctx/root$lib"
    done
    printf 'FROM %s\nCOPY root/ /\n' "$TEST_IMAGE" >"$ctx/Containerfile"
    build_derived_image "$GIT_IMAGE" "$ctx"
  fi
  if ! podman image exists "$SERVICE_IMAGE"; then
    log "building $SERVICE_IMAGE (busybox httpd on port 8080)"
    ctx="$(mktemp -d)"
    mkdir -p "$ctx/www"
    echo "hello from the service" >"$ctx/www/index.html"
    printf 'FROM %s\nCOPY www/ /www/\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' "$TEST_IMAGE" >"$ctx/Containerfile"
    build_derived_image "$SERVICE_IMAGE" "$ctx"
  fi
  if ! podman image exists "$SH_ONLY_IMAGE"; then
    # What the docker executor promises to need from a job image: a POSIX sh, nothing else (no /tmp,
    # no /etc/passwd, no git, no bash).
    log "building $SH_ONLY_IMAGE (only /bin/sh and busybox)"
    ctx="$(mktemp -d)"
    mkdir -p "$ctx/bin"
    cp /bin/busybox "$ctx/bin/busybox"
    ln -s busybox "$ctx/bin/sh"
    tar -C "$ctx" -cf "$ctx.tar" .
    podman import --quiet --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' "$ctx.tar" "$SH_ONLY_IMAGE" >/dev/null
    rm -rf "$ctx" "$ctx.tar"
  fi
  if ! podman image exists "$SILENT_SERVICE_IMAGE"; then
    log "building $SILENT_SERVICE_IMAGE (EXPOSEs 8080, never listens)"
    ctx="$(mktemp -d)"
    printf 'FROM %s\nEXPOSE 8080\nCMD ["sleep", "3600"]\n' "$TEST_IMAGE" >"$ctx/Containerfile"
    build_derived_image "$SILENT_SERVICE_IMAGE" "$ctx"
  fi
}

# TLS with a CA of its own, trusted through certs.d: the engine reads certs.d at each pull, whereas a
# registries.conf change (an "insecure" plain-HTTP registry) needs the API service restarted, which
# would cut off everything else using it.
make_registry_certificate() {
  local certs_d=/etc/containers/certs.d/$REGISTRY_ADDR
  if [[ -f "$REGISTRY_DIR/tls/registry.crt" && -f "$certs_d/ca.crt" ]]; then return; fi
  log "creating a TLS certificate for $REGISTRY_ADDR"
  mkdir -p "$REGISTRY_DIR/tls" "$certs_d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=runfleet-test-registry" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$REGISTRY_DIR/tls/registry.key" -out "$REGISTRY_DIR/tls/registry.crt" >/dev/null 2>&1
  cp "$REGISTRY_DIR/tls/registry.crt" "$certs_d/ca.crt"
}

registry_answers() {
  curl -fsS --max-time 2 --cacert "$REGISTRY_DIR/tls/registry.crt" -u "$REGISTRY_USER:$REGISTRY_PASSWORD" \
    "https://$REGISTRY_ADDR/v2/" >/dev/null 2>&1
}

start_registry() {
  install_registry_packages
  mkdir -p "$REGISTRY_DIR" "$(dirname "$REGISTRY_CONFIG")"
  make_registry_certificate
  htpasswd -Bbc "$REGISTRY_DIR/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1
  printf '%s\n' \
    'version: 0.1' \
    'log:' \
    '  level: warn' \
    'storage:' \
    '  filesystem:' \
    "    rootdirectory: $REGISTRY_DIR/data" \
    '  delete:' \
    '    enabled: true' \
    'http:' \
    "  addr: $REGISTRY_ADDR" \
    '  tls:' \
    "    certificate: $REGISTRY_DIR/tls/registry.crt" \
    "    key: $REGISTRY_DIR/tls/registry.key" \
    'auth:' \
    '  htpasswd:' \
    '    realm: runfleet-test' \
    "    path: $REGISTRY_DIR/htpasswd" >"$REGISTRY_CONFIG"
  if registry_answers; then return; fi
  # A registry from an earlier run of this script that speaks plain HTTP.
  stop_registry
  log "starting docker-registry on $REGISTRY_ADDR (log $REGISTRY_LOG)"
  setsid nohup docker-registry serve "$REGISTRY_CONFIG" >>"$REGISTRY_LOG" 2>&1 </dev/null &
  echo $! >"$REGISTRY_PID"
  local i
  for ((i = 0; i < 100; i++)); do
    if registry_answers; then return; fi
    sleep 0.1
  done
  tail -n 20 "$REGISTRY_LOG" >&2 || true
  die "docker-registry did not answer on $REGISTRY_ADDR within 10s"
}

# The busybox image under the registry's own name and under a Docker Hub mirror path, for the pull and
# image_rewrites tests.
push_test_images() {
  local repo
  for repo in runfleet-test/busybox dockerhub/runfleet-mirror-test/busybox; do
    if curl -fsS --max-time 2 --cacert "$REGISTRY_DIR/tls/registry.crt" -u "$REGISTRY_USER:$REGISTRY_PASSWORD" -o /dev/null \
      -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
      "https://$REGISTRY_ADDR/v2/$repo/manifests/latest" 2>/dev/null; then continue; fi
    log "pushing $TEST_IMAGE to $REGISTRY_ADDR/$repo:latest"
    podman push --quiet --creds "$REGISTRY_USER:$REGISTRY_PASSWORD" \
      "$TEST_IMAGE" "docker://$REGISTRY_ADDR/$repo:latest"
  done
}

stop_registry() {
  [[ -f "$REGISTRY_PID" ]] || return 0
  local pid
  pid="$(<"$REGISTRY_PID")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" || true
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$REGISTRY_PID"
}

setup_docker_executor_tests() {
  build_docker_test_images
  start_registry
  push_test_images
}
# --- end of docker executor section -------------------------------------------------------------------


case "${1:-setup}" in
setup) ;;
stop)
  stop_api_service
  stop_registry
  exit 0
  ;;
*) die "unknown command '$1' (known: setup, stop)" ;;
esac

install_packages
configure_engine
build_test_image
check_run
start_api_service
setup_docker_executor_tests
printf 'DOCKER_HOST=%s\n' "$DOCKER_HOST_URL"
printf 'TEST_IMAGE=%s\n' "$TEST_IMAGE"
