#!/usr/bin/env bash
# Stops the test bed node (node.sh) and undoes what it and kubelet changed on the host: pod containers,
# containerd, kubelet's mounts, its sysctls (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops), its
# iptables chains (KUBE-FIREWALL and the canary chains), its cgroups, the pod bridge and our NAT/FORWARD
# rules. Left behind (kubelet writes them regardless of --root-dir, harmless): /var/lib/kubelet/{pki,
# device-plugins}, /var/log/containers, /usr/libexec/kubernetes. Images stay cached in $NODE_DIR.
source "$(dirname "$0")/lib.sh"
source "$TESTBED_DIR/node-env.sh"
# Best effort: undo whatever can be undone, whatever is already gone.
set +e +o pipefail
stop() { # name
  local f="$NODE_DIR/$1.pid" pid i
  pid_alive "$f" || { rm -f "$f"; return 0; }
  pid=$(cat "$f"); kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"; log "stopped $1 ($pid)"
}
stop kube-controller-manager
stop kube-scheduler
stop kubelet
if [[ -S "$CONTAINERD_SOCK" ]] && ctr_ version >/dev/null 2>&1; then
  for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
  for i in $(seq 1 50); do [[ -z "$(ctr_ tasks ls -q 2>/dev/null | head -1)" ]] && break; sleep 0.2; ctr_ tasks ls -q | xargs -r -n1 ctr -a "$CONTAINERD_SOCK" -n k8s.io tasks delete >/dev/null 2>&1 || true; done
  ctr_ containers ls -q 2>/dev/null | xargs -r ctr -a "$CONTAINERD_SOCK" -n k8s.io containers delete >/dev/null 2>&1 || true
fi
stop containerd
# Mounts below the node dir (kubelet's bind mount of its root, pod volumes, sandbox /dev/shm, netns files).
findmnt -rn -o TARGET | awk -v d="$NODE_DIR" 'index($0, d) == 1' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^cni-' || true); do ip netns del "$ns" 2>/dev/null || true; done
if [[ -s "$NODE_DIR/sysctl.saved" ]]; then
  while IFS='=' read -r k v; do sysctl -qw "$k=$v" || true; done < "$NODE_DIR/sysctl.saved"
  rm -f "$NODE_DIR/sysctl.saved"; log "restored sysctls kubelet changed"
fi
if command -v iptables >/dev/null; then
  for t in filter nat mangle; do
    for chain in INPUT OUTPUT FORWARD PREROUTING POSTROUTING; do
      iptables -t "$t" -S "$chain" 2>/dev/null | grep -E -- '-j (KUBE-FIREWALL|KUBE-KUBELET-CANARY|GINKGO-(FWD-)?'"$POD_BRIDGE"')( |$)' \
        | sed 's/^-A /-D /' | while read -r rule; do eval iptables -t "$t" "$rule" 2>/dev/null || true; done
    done
    for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT KUBE-PROXY-CANARY "GINKGO-$POD_BRIDGE" "GINKGO-FWD-$POD_BRIDGE"; do
      iptables -t "$t" -F "$chain" 2>/dev/null && iptables -t "$t" -X "$chain" 2>/dev/null || true
    done
  done
fi
# kubepods cgroups (empty once the containers are gone), deepest first.
for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/unified/kubepods; do
  [[ -d "$c" ]] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done
if ip link show "$POD_BRIDGE" >/dev/null 2>&1; then ip link del "$POD_BRIDGE"; log "removed bridge $POD_BRIDGE"; fi
rm -rf "$NODE_DIR/cni/ipam" "$NODE_DIR/kubelet/root/pods"
exit 0
