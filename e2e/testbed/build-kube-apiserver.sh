#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kubectl from the Go module proxy into the cache (once per version).
# k8s.io/kubernetes points its staging modules at ./staging; a wrapper module
# replaces each of them with the published v0.x version of the same release.
# Prints the directory holding the binaries.
set -euo pipefail
K8S_VERSION="${K8S_VERSION:-1.34.3}"
CACHE="${GINKGO_CACHE:-$HOME/.cache/ginkgo-live}"
OUT="$CACHE/kube-apiserver-$K8S_VERSION"
HERE="$(cd "$(dirname "$0")" && pwd)"
if [[ -x "$OUT/kube-apiserver" && -x "$OUT/etcd" && -x "$OUT/kubectl" ]]; then echo "$OUT"; exit 0; fi
mkdir -p "$OUT/src"
# One Go build at a time on the machine (they are heavy), also across parallel test bed scripts and caches.
exec 9>/tmp/ginkgo-live-go-build.lock; flock 9
if [[ -x "$OUT/kube-apiserver" && -x "$OUT/etcd" && -x "$OUT/kubectl" ]]; then echo "$OUT"; exit 0; fi
cd "$OUT/src"
rm -f main.go
cp -r "$HERE/kube-apiserver/cmd" .
STAGING="0.${K8S_VERSION#1.}"
PROXY="$(go env GOPROXY)"; PROXY="${PROXY%%,*}"; PROXY="${PROXY:-https://proxy.golang.org}"
[[ "$PROXY" == direct || "$PROXY" == off ]] && PROXY=https://proxy.golang.org
[[ -s kubernetes.mod ]] || curl -fsSL --retry 3 "$PROXY/k8s.io/kubernetes/@v/v$K8S_VERSION.mod" -o kubernetes.mod
if [[ ! -s go.sum ]]; then
  {
    echo "module ginkgo.live/testbed/kube-apiserver"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo
    echo "replace ("
    grep -oE '^\s*k8s\.io/[a-z0-9.-]+ => \./staging/src/k8s\.io/[a-z0-9.-]+' kubernetes.mod \
      | awk -v v="v$STAGING" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > go.mod
  GOFLAGS=-mod=mod go mod tidy >&2
fi
for cmd in kube-apiserver etcd kubectl; do
  if [[ ! -x "$OUT/$cmd" ]]; then
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$OUT/$cmd.tmp" "./cmd/$cmd" >&2
    mv "$OUT/$cmd.tmp" "$OUT/$cmd"
  fi
done
echo "$OUT"
