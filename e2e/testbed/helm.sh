#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy into the cache (once per version).
# Prints the path of the helm binary.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/lib.sh"
HELM_VERSION="${HELM_VERSION:-3.19.0}"
OUT="$CACHE/helm-$HELM_VERSION"
if [[ ! -x "$OUT/helm" ]]; then
  mkdir -p "$OUT/src"
  cd "$OUT/src"
  # A wrapper module that only requires helm: `go build <pkg>` then resolves helm's own go.mod.
  if [[ ! -s go.sum ]]; then
    printf 'module ginkgo.live/testbed/helm\n\ngo 1.24\n\nrequire helm.sh/helm/v3 v%s\n' "$HELM_VERSION" > go.mod
    printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' > tools.go
    GOFLAGS=-mod=mod go mod tidy >&2
  fi
  log "building helm v$HELM_VERSION from the Go module proxy"
  # Like helm's Makefile: the default Kubernetes version of `helm template`/`lint` is that of client-go.
  KMINOR="$(GOFLAGS=-mod=mod go list -m -f '{{.Version}}' k8s.io/client-go | cut -d. -f2)"
  PKG=helm.sh/helm/v3
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w -X $PKG/internal/version.version=v$HELM_VERSION \
    -X $PKG/pkg/lint/rules.k8sVersionMajor=1 -X $PKG/pkg/lint/rules.k8sVersionMinor=$KMINOR \
    -X $PKG/pkg/chartutil.k8sVersionMajor=1 -X $PKG/pkg/chartutil.k8sVersionMinor=$KMINOR" \
    -o "$OUT/helm.tmp" $PKG/cmd/helm >&2
  mv "$OUT/helm.tmp" "$OUT/helm"
fi
echo "$OUT/helm"
