#!/usr/bin/env bash
# Builds kube-apiserver from the Go module proxy into the cache (once per version).
# k8s.io/kubernetes points its staging modules at ./staging; a wrapper module
# replaces each of them with the published v0.x version of the same release.
set -euo pipefail
K8S_VERSION="${K8S_VERSION:-1.34.3}"
CACHE="${GINKGO_CACHE:-$HOME/.cache/ginkgo-live}"
OUT="$CACHE/kube-apiserver-$K8S_VERSION"
BIN="$OUT/kube-apiserver"
HERE="$(cd "$(dirname "$0")" && pwd)"
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
mkdir -p "$OUT/src"
cd "$OUT/src"
cp "$HERE/kube-apiserver/main.go" main.go
STAGING="0.${K8S_VERSION#1.}"
PROXY="$(go env GOPROXY)"; PROXY="${PROXY%%,*}"; PROXY="${PROXY:-https://proxy.golang.org}"
[[ "$PROXY" == direct || "$PROXY" == off ]] && PROXY=https://proxy.golang.org
curl -fsSL "$PROXY/k8s.io/kubernetes/@v/v$K8S_VERSION.mod" -o kubernetes.mod
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
export GOFLAGS="-mod=mod"
go mod tidy >&2
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN.tmp" . >&2
mv "$BIN.tmp" "$BIN"
echo "$BIN"
