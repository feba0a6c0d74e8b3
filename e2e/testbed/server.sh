#!/usr/bin/env bash
# Stops or starts one server of a test bed, keeping its data: what a fault test restarts mid-run.
#   server.sh stop|start|restart kafka|redis|mysql|kube [pause-seconds]
# kube is the kube-apiserver alone (etcd keeps running). Only for a bed of its own (GINKGO_RUN set): the
# default bed is shared by everyone's tests and is never restarted under them.
source "$(dirname "$0")/lib.sh"
ACTION="${1:?stop|start|restart}"; SERVER="${2:?kafka|redis|mysql|kube}"; PAUSE="${3:-0}"
[[ -n "${GINKGO_RUN:-}" && "$RUN" != "$CACHE/run" ]] || { log "server.sh restarts only a GINKGO_RUN bed"; exit 2; }
case "$SERVER" in
  kafka) PIDFILE="$RUN/kafka/kafka.pid" ;;
  redis) PIDFILE="$RUN/redis/redis.pid" ;;
  mysql) PIDFILE="$RUN/mysql/mysqld.pid" ;;
  kube) PIDFILE="$RUN/kube/kube-apiserver.pid" ;;
  *) log "unknown server $SERVER"; exit 2 ;;
esac
stop() {
  pid_alive "$PIDFILE" || { log "$SERVER is not running (no live $PIDFILE)"; exit 1; }
  stop_pidfile "$PIDFILE"
}
start() { "$TESTBED_DIR/$SERVER.sh" >&2; }
case "$ACTION" in
  stop) stop ;;
  start) start ;;
  restart) stop; sleep "$PAUSE"; start ;;
  *) log "unknown action $ACTION"; exit 2 ;;
esac
