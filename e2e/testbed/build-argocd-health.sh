#!/usr/bin/env bash
# Builds e2e/argocd-health (Argo CD's own util/lua health evaluation, from the Go module proxy) into the cache,
# once per content of its go.mod, go.sum and source. Prints the path of the binary.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$(cd "$HERE/../argocd-health" && pwd)"
CACHE="${GINKGO_CACHE:-$HOME/.cache/ginkgo-live}"
KEY="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go "$0" | sha256sum | cut -c1-16)"
OUT="$CACHE/argocd-health-$KEY"
if [[ -x "$OUT/argocd-health" ]]; then echo "$OUT/argocd-health"; exit 0; fi
mkdir -p "$OUT"
# One Go build at a time on the machine (they are heavy), also across parallel test bed scripts and caches.
exec 9>/tmp/ginkgo-live-go-build.lock; flock 9
if [[ ! -x "$OUT/argocd-health" ]]; then
  echo "building argocd-health ($(grep -m1 'argoproj/argo-cd/v3 ' "$SRC/go.mod" | xargs)) from the Go module proxy" >&2
  # -mod=readonly: the committed go.sum pins every module, as Argo CD's own go.mod resolves them.
  (cd "$SRC" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath -ldflags "-s -w" \
    -o "$OUT/argocd-health.tmp" .) >&2
  mv "$OUT/argocd-health.tmp" "$OUT/argocd-health"
  # Builds of older sources are dead weight (about 70 MB each).
  for old in "$CACHE"/argocd-health-*; do [[ "$old" == "$OUT" ]] || rm -rf "$old"; done
fi
echo "$OUT/argocd-health"
