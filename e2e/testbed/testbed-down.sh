#!/usr/bin/env bash
# Stops the servers testbed-up started (data stays in the cache for the next warm start).
source "$(dirname "$0")/lib.sh"
# The node first (its pods use the servers below), then undo its host changes (node-down.sh).
[[ -d "$RUN/node" ]] && "$TESTBED_DIR/node-down.sh"  # only a bed that ran the node (not a GINKGO_RUN bed)
for pidfile in "$RUN/kube/kube-apiserver.pid" "$RUN/kube/etcd.pid" "$RUN/kafka/kafka.pid" "$RUN/redis/redis.pid" "$RUN/mysql/mysqld.pid"; do
  stop_pidfile "$pidfile"
done
rm -f "$RUN/testbed.env"
