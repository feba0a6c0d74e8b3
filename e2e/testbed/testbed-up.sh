#!/usr/bin/env bash
# Installs (first time) and starts Kafka, Redis, MariaDB, etcd + kube-apiserver on loopback,
# reusing what is already running, then writes their addresses to $RUN/testbed.env.
# A server the caller already points at (KAFKA_BROKERS, REDIS_URL, MYSQL_URL, KUBECONFIG) is not started.
source "$(dirname "$0")/lib.sh"
START=$(date +%s)
if fresh_data_wanted; then
  [[ -z "${KAFKA_BROKERS:-}" ]] && wipe_server "${KAFKA_PORT:-19092}" "$RUN/kafka/kafka.pid" "$RUN/kafka/logs"
  [[ -z "${REDIS_URL:-}" ]] && wipe_server "${REDIS_PORT:-16379}" "$RUN/redis/redis.pid" "$RUN/redis"
  [[ -z "${MYSQL_URL:-}" ]] && wipe_server "${MYSQL_PORT:-13306}" "$RUN/mysql/mysqld.pid" "$RUN/mysql/data"
  if [[ -z "${KUBECONFIG:-}" ]]; then
    # The node's pods and registration live in the etcd data wiped below; a bed without a node of its own
    # (GINKGO_RUN, TESTBED_NODE=0) must not touch the machine's node, which belongs to the default bed.
    [[ -d "$RUN/node" ]] && "$TESTBED_DIR/node-down.sh"
    stop_pidfile "$RUN/kube/kube-apiserver.pid"
    wipe_server "${ETCD_PORT:-12379}" "$RUN/kube/etcd.pid" "$RUN/kube/etcd"
  fi
fi
declare -A PIDS
run() { "$TESTBED_DIR/$1.sh" > "$RUN/$1.setup.log" 2>&1 & PIDS[$1]=$!; }
# The Kubernetes node (node.sh) runs with the test bed's own API server unless TESTBED_NODE=0. Its pod
# bridge comes first: Kafka adds a listener on it.
NODE=0; [[ -z "${KUBECONFIG:-}" && "${TESTBED_NODE:-1}" != 0 ]] && NODE=1
[[ $NODE -eq 1 ]] && "$TESTBED_DIR/node.sh" bridge
[[ -z "${KAFKA_BROKERS:-}" ]] && run kafka
[[ -z "${REDIS_URL:-}" ]] && run redis
[[ -z "${MYSQL_URL:-}" ]] && run mysql
[[ -z "${KUBECONFIG:-}" ]] && run kube
run helm  # helm CLI (built from the Go module proxy) for the chart tests
run build-argocd-health  # Argo CD's own Lua health evaluation (argo-cd util/lua) for the Argo CD health test
run prometheus  # Prometheus binary for the alert tests (each starts its own)
[[ $NODE -eq 1 ]] && run node
FAILED=0
for c in "${!PIDS[@]}"; do
  if ! wait "${PIDS[$c]}"; then FAILED=1; log "$c FAILED:"; tail -40 "$RUN/$c.setup.log" >&2; fi
done
[[ $FAILED -eq 0 ]] || exit 1
cat > "$RUN/testbed.env.tmp" <<ENV
KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-19092}}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT:-16379}}
MYSQL_URL=${MYSQL_URL:-mysql://ginkgo:ginkgo@127.0.0.1:${MYSQL_PORT:-13306}/ginkgo}
KUBECONFIG=${KUBECONFIG:-$RUN/kube/kubeconfig}
KUBECTL=${KUBECTL:-$RUN/kube/kubectl}
ENV
if [[ $NODE -eq 1 ]]; then
  source "$TESTBED_DIR/node-env.sh"
  # What pods on the node use to reach the same servers (through the pod bridge).
  cat >> "$RUN/testbed.env.tmp" <<ENV
TESTBED_NODE_NAME=$NODE_NAME
POD_KAFKA_BROKERS=$POD_HOST_IP:$KAFKA_POD_PORT
POD_REDIS_URL=redis://$POD_HOST_IP:$REDIS_PORT
POD_MYSQL_URL=mysql://ginkgo:ginkgo@$POD_HOST_IP:$MYSQL_PORT/ginkgo
HELM=$CACHE/helm-${HELM_VERSION:-3.19.0}/helm
ENV
fi
mv "$RUN/testbed.env.tmp" "$RUN/testbed.env"
echo "test bed ready in $(( $(date +%s) - START )) s:"
sed 's/^/  /' "$RUN/testbed.env"
echo "  (written to $RUN/testbed.env)"
