#!/usr/bin/env bash
# One real Kubernetes node for the test bed: containerd (its own root, state, socket and CNI config),
# kubelet, kube-scheduler and kube-controller-manager, all host processes against the test bed's
# kube-apiserver. Cached (binaries, pause image) and idempotent.
#
#   node.sh bridge   create the pod bridge only (testbed-up runs it before Kafka, which listens on it)
#   node.sh          bridge + containerd + pause image + kubelet + scheduler + controller-manager; waits Ready
#   node.sh down     stop them and undo what they changed on the host (see node-down.sh)
#
# Pod network: a bridge of the test bed's own (POD_BRIDGE, POD_SUBNET_PREFIX.0/24, the host is .1) with no
# masquerade and no route out: pods get a route to the bridge subnet and to the service range only, and a
# FORWARD rule drops anything that would leave through another interface. Pods reach the host's servers on
# the bridge address: Kafka has a listener there (kafka.sh), Redis/MySQL/the API server are DNATed from the
# bridge to their loopback ports (route_localnet on the bridge only), the `kubernetes` ClusterIP
# (10.0.0.1:443, in the API server certificate) is DNATed to the API server: no kube-proxy, no DNS needed.
source "$(dirname "$0")/lib.sh"
source "$TESTBED_DIR/node-env.sh"

bridge_up() {
  command -v iptables >/dev/null || apt_install iptables
  if ! ip link show "$POD_BRIDGE" >/dev/null 2>&1; then
    ip link add "$POD_BRIDGE" type bridge
    log "created bridge $POD_BRIDGE ($POD_HOST_IP/24)"
  fi
  [[ "$(ip -4 -o addr show dev "$POD_BRIDGE")" == *"inet $POD_HOST_IP/"* ]] || ip addr add "$POD_HOST_IP/24" dev "$POD_BRIDGE"
  ip link set "$POD_BRIDGE" up
  sysctl -qw "net.ipv4.conf.$POD_BRIDGE.route_localnet=1"
  local nat="GINKGO-$POD_BRIDGE" fwd="GINKGO-FWD-$POD_BRIDGE"
  iptables -t nat -N "$nat" 2>/dev/null || iptables -t nat -F "$nat"
  iptables -t nat -A "$nat" -p tcp -d 10.0.0.1 --dport 443 -j DNAT --to-destination "127.0.0.1:$KUBE_PORT"
  local p
  for p in "$KUBE_PORT" "$REDIS_PORT" "$MYSQL_PORT"; do
    iptables -t nat -A "$nat" -p tcp -d "$POD_HOST_IP" --dport "$p" -j DNAT --to-destination "127.0.0.1:$p"
  done
  iptables -t nat -C PREROUTING -i "$POD_BRIDGE" -j "$nat" 2>/dev/null || iptables -t nat -I PREROUTING -i "$POD_BRIDGE" -j "$nat"
  iptables -N "$fwd" 2>/dev/null || iptables -F "$fwd"
  iptables -A "$fwd" -i "$POD_BRIDGE" -o "$POD_BRIDGE" -j ACCEPT
  iptables -A "$fwd" -i "$POD_BRIDGE" -j DROP
  iptables -A "$fwd" -o "$POD_BRIDGE" -j DROP
  iptables -C FORWARD -j "$fwd" 2>/dev/null || iptables -I FORWARD -j "$fwd"
}

containerd_up() {
  mkdir -p "$NODE_DIR/cni/net.d" "$NODE_DIR/containerd"
  cat > "$NODE_DIR/cni/net.d/10-$POD_BRIDGE.conflist" <<CNI
{ "cniVersion": "1.0.0", "name": "$POD_BRIDGE",
  "plugins": [ { "type": "bridge", "bridge": "$POD_BRIDGE", "isGateway": true, "isDefaultGateway": false,
    "ipMasq": false, "hairpinMode": true,
    "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_SUBNET_PREFIX.0/24", "gateway": "$POD_HOST_IP" }]],
      "routes": [{ "dst": "10.0.0.0/24", "gw": "$POD_HOST_IP" }], "dataDir": "$NODE_DIR/cni/ipam" } },
    { "type": "portmap", "capabilities": { "portMappings": true } } ] }
CNI
  cat > "$NODE_DIR/containerd/config.toml" <<TOML
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Without it every sandbox fails ("can't get final child's PID from pipe"): lowering pause's
  # oom_score_adj needs CAP_SYS_RESOURCE, which root lacks on these VMs.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni/net.d"
TOML
  if [[ -S "$CONTAINERD_SOCK" ]] && pid_alive "$NODE_DIR/containerd.pid"; then return 0; fi
  nohup containerd --config "$NODE_DIR/containerd/config.toml" > "$NODE_DIR/containerd.out" 2>&1 &
  echo $! > "$NODE_DIR/containerd.pid"
  local i
  for i in $(seq 1 100); do ctr_ version >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "containerd did not start"; tail -20 "$NODE_DIR/containerd.out" >&2; return 1
}

# The pause image from pause.c of the same Kubernetes release (static, FROM scratch, user 65535).
pause_image() {
  ctr_ images ls -q | grep -qx "$PAUSE_IMAGE" && return 0
  local archive="$CACHE/node-images/pause-$PAUSE_VERSION.oci.tar"
  if [[ ! -s "$archive" ]]; then
    source "$TESTBED_DIR/podman-env.sh"
    local ctx kdir
    ctx="$(mktemp -d)"
    kdir="$(cd "$("$TESTBED_DIR/build-kube-apiserver.sh")/src" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' k8s.io/kubernetes)"
    gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-ginkgo-testbed" -o "$ctx/pause" "$kdir/build/pause/linux/pause.c"
    printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > "$ctx/Containerfile"
    podman build --pull=never --network=none -t "$PAUSE_IMAGE" "$ctx" >&2
    mkdir -p "$(dirname "$archive")"
    podman save --format oci-archive -o "$archive.tmp" "$PAUSE_IMAGE" >&2
    mv "$archive.tmp" "$archive"; rm -rf "$ctx"
  fi
  ctr_ images import "$archive" >&2
}

kubelet_up() {
  pid_alive "$NODE_DIR/kubelet.pid" && return 0
  mkdir -p "$NODE_DIR/kubelet/root" "$NODE_DIR/pod-logs"
  # What kubelet changes host-wide, saved once so node-down.sh can restore it.
  [[ -s "$NODE_DIR/sysctl.saved" ]] || sysctl vm.overcommit_memory kernel.panic kernel.panic_on_oops \
    | sed 's/ = /=/' > "$NODE_DIR/sysctl.saved"
  cat > "$NODE_DIR/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $POD_HOST_IP
port: $KUBELET_PORT
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
readOnlyPort: 0
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
imageServiceEndpoint: unix://$CONTAINERD_SOCK
failSwapOn: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%" }
podLogsDir: $NODE_DIR/pod-logs
# The kubelet API listens on the bridge address only (host and test bed pods); the API server reaches it
# there (--kubelet-preferred-address-types=InternalIP) for logs, exec and port-forward.
authentication:
  anonymous: { enabled: true }
  webhook: { enabled: false }
  x509: { clientCAFile: $KUBE_PKI/ca.crt }
authorization: { mode: AlwaysAllow }
YAML
  nohup "$NODE_BIN/kubelet" --config="$NODE_DIR/kubelet/config.yaml" --kubeconfig="$NODE_KUBECONFIG" \
    --root-dir="$NODE_DIR/kubelet/root" --cert-dir="$NODE_DIR/kubelet/pki" --hostname-override="$NODE_NAME" \
    --node-ip="$POD_HOST_IP" --v=1 > "$NODE_DIR/kubelet.out" 2>&1 &
  echo $! > "$NODE_DIR/kubelet.pid"
}

control_up() {
  if ! pid_alive "$NODE_DIR/kube-scheduler.pid"; then
    nohup "$NODE_BIN/kube-scheduler" --kubeconfig="$NODE_KUBECONFIG" --authentication-kubeconfig="$NODE_KUBECONFIG" \
      --authorization-kubeconfig="$NODE_KUBECONFIG" --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" \
      --leader-elect=false --v=1 > "$NODE_DIR/kube-scheduler.out" 2>&1 &
    echo $! > "$NODE_DIR/kube-scheduler.pid"
  fi
  if ! pid_alive "$NODE_DIR/kube-controller-manager.pid"; then
    nohup "$NODE_BIN/kube-controller-manager" --kubeconfig="$NODE_KUBECONFIG" \
      --authentication-kubeconfig="$NODE_KUBECONFIG" --authorization-kubeconfig="$NODE_KUBECONFIG" \
      --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" --leader-elect=false \
      --service-account-private-key-file="$KUBE_PKI/sa.key" --root-ca-file="$KUBE_PKI/ca.crt" \
      --use-service-account-credentials=false --service-cluster-ip-range=10.0.0.0/24 \
      --v=1 > "$NODE_DIR/kube-controller-manager.out" 2>&1 &
    echo $! > "$NODE_DIR/kube-controller-manager.pid"
  fi
}

wait_ready() {
  local i status
  for i in $(seq 1 600); do
    status="$("$KUBECTL_BIN" --kubeconfig="$NODE_KUBECONFIG" get node "$NODE_NAME" \
      -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)"
    [[ "$status" == True ]] && return 0
    pid_alive "$NODE_DIR/kubelet.pid" || { log "kubelet exited"; tail -30 "$NODE_DIR/kubelet.out" >&2; return 1; }
    sleep 0.2
  done
  log "node $NODE_NAME not Ready after 120 s"; tail -30 "$NODE_DIR/kubelet.out" >&2; return 1
}

# Servers started before the node existed lack what pods need: say so (they must be restarted once).
stale_servers() {
  local pid
  # (A Kafka still starting now has the bridge already: only one listening without the pod port is stale.)
  ! port_open "$KAFKA_PORT" || port_open_at "$POD_HOST_IP" "$KAFKA_POD_PORT" \
    || log "WARNING: Kafka has no listener on $POD_HOST_IP:$KAFKA_POD_PORT (started before the pod bridge): pods cannot reach it; restart the test bed (testbed-down.sh, testbed-up.sh)"
  pid="$(cat "$RUN/kube/kube-apiserver.pid" 2>/dev/null || true)"
  if [[ -n "$pid" && -r "/proc/$pid/cmdline" ]]; then
    local args; args="$(tr '\0' ' ' < "/proc/$pid/cmdline")"
    [[ "$args" == *"--kubelet-preferred-address-types=InternalIP"* && "$args" != *"admission-plugins=ServiceAccount"* ]] \
      || log "WARNING: kube-apiserver was started without the node's flags (ServiceAccount admission, InternalIP kubelet address): restart the test bed (testbed-down.sh, testbed-up.sh)"
  fi
}
port_open_at() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

case "${1:-up}" in
  bridge) bridge_up ;;
  down) exec "$TESTBED_DIR/node-down.sh" ;;
  up)
    START=$(date +%s.%N)
    apt_install containerd runc containernetworking-plugins iptables conntrack
    NODE_BIN="$("$TESTBED_DIR/build-kube-node.sh")"
    KUBECTL_BIN="$("$TESTBED_DIR/build-kube-apiserver.sh")/kubectl"
    mkdir -p "$NODE_DIR"
    bridge_up
    wait_port "$KUBE_PORT" 600 kube-apiserver
    T0=$(date +%s.%N)
    containerd_up
    pause_image
    kubelet_up
    control_up
    wait_ready
    stale_servers
    log "node $NODE_NAME Ready $(since "$T0") s after containerd start ($(since "$START") s in all); pods on $POD_SUBNET_PREFIX.0/24 via $POD_BRIDGE"
    ;;
  *) echo "usage: node.sh [up|bridge|down]" >&2; exit 2 ;;
esac
