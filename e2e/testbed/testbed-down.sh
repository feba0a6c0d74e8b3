#!/usr/bin/env bash
# Stops the servers testbed-up started (data stays in the cache for the next warm start).
source "$(dirname "$0")/lib.sh"
# The node first (its pods use the servers below), then undo its host changes (node-down.sh).
"$TESTBED_DIR/node-down.sh"
for pidfile in "$RUN/kube/kube-apiserver.pid" "$RUN/kube/etcd.pid" "$RUN/kafka/kafka.pid" "$RUN/redis/redis.pid" "$RUN/mysql/mysqld.pid"; do
  if pid_alive "$pidfile"; then
    pid=$(cat "$pidfile"); kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped $(basename "$pidfile" .pid) ($pid)"
  fi
  rm -f "$pidfile"
done
rm -f "$RUN/testbed.env"
