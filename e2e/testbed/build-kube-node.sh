#!/usr/bin/env bash
# Builds kubelet, kube-scheduler and kube-controller-manager into the cache (once per version), from the
# same wrapper module as kube-apiserver (build-kube-apiserver.sh): their upstream `cmd/*/*.go` package
# main is copied from the k8s.io/kubernetes module and built against the published staging modules.
# Prints the directory holding the binaries.
set -euo pipefail
K8S_VERSION="${K8S_VERSION:-1.34.3}"
CACHE="${GINKGO_CACHE:-$HOME/.cache/ginkgo-live}"
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$CACHE/kube-node-$K8S_VERSION"
CMDS=(kubelet kube-scheduler kube-controller-manager)
done_all() { local c; for c in "${CMDS[@]}"; do [[ -x "$OUT/$c" ]] || return 1; done; }
if done_all; then echo "$OUT"; exit 0; fi
APISERVER="$("$HERE/build-kube-apiserver.sh")"   # the wrapper module (and a warm build cache)
SRC="$APISERVER/src"
mkdir -p "$OUT"
# One Go build at a time on the machine (they are heavy), also across parallel test bed scripts and caches.
exec 9>/tmp/ginkgo-live-go-build.lock; flock 9
if done_all; then echo "$OUT"; exit 0; fi
cd "$SRC"
KDIR="$(GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' k8s.io/kubernetes)"
V="v$K8S_VERSION"; MINOR="$(cut -d. -f2 <<<"$K8S_VERSION")"
LDV="-X k8s.io/component-base/version.gitVersion=$V -X k8s.io/component-base/version.gitMajor=1"
LDV+=" -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean"
for cmd in "${CMDS[@]}"; do
  [[ -x "$OUT/$cmd" ]] && continue
  rm -rf "./cmd/$cmd"; mkdir -p "./cmd/$cmd"
  cp "$KDIR/cmd/$cmd/"*.go "./cmd/$cmd/"; chmod u+w "./cmd/$cmd/"*.go
  echo "[testbed $(date +%H:%M:%S)] building $cmd $V" >&2
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w $LDV" -o "$OUT/$cmd.tmp" "./cmd/$cmd" >&2
  mv "$OUT/$cmd.tmp" "$OUT/$cmd"
done
echo "$OUT"
