# Shared helpers for the test bed scripts (sourced).
set -euo pipefail
CACHE="${GINKGO_CACHE:-$HOME/.cache/ginkgo-live}"
# Data and pid files of the servers; GINKGO_RUN gives a second bed its own (builds stay shared in $CACHE).
RUN="${GINKGO_RUN:-$CACHE/run}"
TESTBED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$RUN"
log() { echo "[testbed $(date +%H:%M:%S)] $*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_port() { # port seconds name
  local i
  for ((i = 0; i < $2 * 5; i++)); do port_open "$1" && return 0; sleep 0.2; done
  log "$3 did not open port $1 within $2 s"; return 1
}
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_install() { # packages...
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing ${missing[*]} from Debian"
  # flock: the component scripts run in parallel and apt/dpkg allow one writer.
  as_root flock /tmp/ginkgo-apt.lock bash -c "
    export DEBIAN_FRONTEND=noninteractive
    # Packages must not start system-wide services: the test bed starts its own on other ports.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    (apt-get install -y -qq --no-install-recommends ${missing[*]} || (apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing[*]}))
  " >&2
}
stop_pidfile() { # pidfile: stops the process the test bed started (TERM, then KILL after 20 s)
  local pid
  if pid_alive "$1"; then
    pid=$(cat "$1"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped $(basename "$1" .pid) ($pid)"
  fi
  rm -f "$1"
}
# Under CI (or TESTBED_FRESH=1) Kafka, Redis, MariaDB and etcd start with empty data on every run, as on a
# brand-new machine, so that a race that needs a fresh broker cannot hide behind data an earlier run left.
# Builds and downloads stay cached. Servers the caller points at (KAFKA_BROKERS, ...) are left alone.
fresh_data_wanted() { local f="${TESTBED_FRESH:-${CI:-}}"; [[ "$f" == 1 || "$f" == true ]]; }
wipe_server() { # port pidfile data-dir... : stop a server of ours and delete its data
  local port=$1 pidfile=$2; shift 2
  stop_pidfile "$pidfile"
  if port_open "$port"; then
    log "port $port is served by a process this test bed did not start: its data is kept"; return 0
  fi
  rm -rf "$@"
  log "empty data for the server on port $port"
}
