#!/usr/bin/env bash
# The chaos run's own test bed: Kafka, Redis, MariaDB, etcd + kube-apiserver on other ports, with their data in
# $GINKGO_CACHE/chaos-run (builds shared with the default bed), no Kubernetes node (the machine's one node
# belongs to the default bed). `make chaos` restarts these servers mid-run, never the shared ones.
#   chaos-bed.sh up|down|env      (env: prints the exports, for `eval`)
set -euo pipefail
CACHE="${GINKGO_CACHE:-$HOME/.cache/ginkgo-live}"
export GINKGO_RUN="${CHAOS_RUN:-$CACHE/chaos-run}" TESTBED_NODE=0 TESTBED_FRESH=1
export KAFKA_PORT="${CHAOS_KAFKA_PORT:-29092}" REDIS_PORT="${CHAOS_REDIS_PORT:-26379}"
export MYSQL_PORT="${CHAOS_MYSQL_PORT:-23306}" KUBE_PORT="${CHAOS_KUBE_PORT:-26443}" ETCD_PORT="${CHAOS_ETCD_PORT:-22379}"
# Clients must reach these servers, not whatever the caller's environment points at.
unset KAFKA_BROKERS REDIS_URL MYSQL_URL KUBECONFIG KUBECTL
DIR="$(cd "$(dirname "$0")" && pwd)"
case "${1:?up|down|env}" in
  up)
    # libfaketime: the node with a skewed clock (LD_PRELOAD) in the faulted run.
    (source "$DIR/lib.sh" && apt_install libfaketime)
    "$DIR/testbed-up.sh"
    ;;
  down) "$DIR/testbed-down.sh" ;;
  env)
    for v in GINKGO_RUN TESTBED_NODE KAFKA_PORT REDIS_PORT MYSQL_PORT KUBE_PORT ETCD_PORT; do echo "export $v=${!v}"; done
    echo "export GINKGO_TESTBED_ENV=$GINKGO_RUN/testbed.env"
    ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
