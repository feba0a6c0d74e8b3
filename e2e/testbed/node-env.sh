# Names, ports and paths of the test bed node (sourced after lib.sh by node.sh, node-down.sh, image.sh).
# Every one can be overridden, e.g. to run a second test bed with its own GINKGO_CACHE and ports.
NODE_NAME="${NODE_NAME:-ginkgo-node}"
POD_BRIDGE="${POD_BRIDGE:-ginkgo0}"
POD_SUBNET_PREFIX="${POD_SUBNET_PREFIX:-10.244.77}"
POD_HOST_IP="$POD_SUBNET_PREFIX.1"
KUBE_PORT="${KUBE_PORT:-16443}"; REDIS_PORT="${REDIS_PORT:-16379}"; MYSQL_PORT="${MYSQL_PORT:-13306}"
KAFKA_PORT="${KAFKA_PORT:-19092}"; KAFKA_POD_PORT=$((KAFKA_PORT + 2))
KUBELET_PORT="${KUBELET_PORT:-30250}"; KUBELET_HEALTHZ_PORT="${KUBELET_HEALTHZ_PORT:-30248}"
SCHEDULER_PORT="${SCHEDULER_PORT:-30259}"; CONTROLLER_MANAGER_PORT="${CONTROLLER_MANAGER_PORT:-30257}"
NODE_DIR="$RUN/node"
CONTAINERD_SOCK="$NODE_DIR/containerd/containerd.sock"
KUBE_PKI="$RUN/kube/pki"
NODE_KUBECONFIG="$RUN/kube/kubeconfig"
PAUSE_VERSION=3.10
PAUSE_IMAGE="registry.k8s.io/pause:$PAUSE_VERSION"
ctr_() { ctr -a "$CONTAINERD_SOCK" -n k8s.io "$@"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
