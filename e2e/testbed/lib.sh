# Shared helpers for the test bed scripts (sourced).
set -euo pipefail
CACHE="${GINKGO_CACHE:-$HOME/.cache/ginkgo-live}"
RUN="$CACHE/run"
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
