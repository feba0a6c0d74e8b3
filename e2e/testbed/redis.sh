#!/usr/bin/env bash
# Redis from Debian, on loopback, no persistence (hot state only).
source "$(dirname "$0")/lib.sh"
PORT="${REDIS_PORT:-16379}"; DATA="$RUN/redis"
if port_open "$PORT"; then log "redis already listening on 127.0.0.1:$PORT"; exit 0; fi
command -v redis-server >/dev/null || apt_install redis-server
mkdir -p "$DATA"
# protected-mode off: it listens on loopback only; test bed pods arrive DNATed from the pod bridge.
redis-server --port "$PORT" --bind 127.0.0.1 --protected-mode no --daemonize yes --dir "$DATA" --pidfile "$DATA/redis.pid" \
  --logfile "$DATA/redis.log" --save '' --appendonly no --maxmemory 512mb --maxmemory-policy noeviction >&2
wait_port "$PORT" 20 redis
log "redis listening on 127.0.0.1:$PORT"
