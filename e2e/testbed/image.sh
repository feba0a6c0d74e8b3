#!/usr/bin/env bash
# `make image`: builds the Containerfile at the repository root with podman, no registry and no network:
# the base is the test bed's local Debian + host Node 20 image (image-base.sh) and `npm ci` inside the
# build reads the host's npm cache (mounted read-only as an overlay, --offline). Then saves an OCI archive
# and, when the test bed node runs, imports it into its containerd.
#   image.sh [TAG]            build (TAG defaults to the chart's appVersion)
#   image.sh --retag TAG      tag the appVersion image as TAG too (a "new release" for upgrade tests)
#   image.sh --example DIR TAG  build DIR/Containerfile FROM the appVersion image (a team's image with its strategy
#                             packages, e.g. examples/strategy-package) as docker.io/acme/ginkgo-live:TAG
# Prints the image reference. Users with Docker or network build the same file with the public base:
#   docker build -t ginkgo-live/ginkgo-live:0.1.0 .
source "$(dirname "$0")/lib.sh"
source "$TESTBED_DIR/node-env.sh"
source "$TESTBED_DIR/podman-env.sh"
REPO_ROOT="$(cd "$TESTBED_DIR/../.." && pwd)"
APP_VERSION="$(awk '/^appVersion:/ { gsub(/"/, "", $2); print $2 }' "$REPO_ROOT/charts/ginkgo-live/Chart.yaml")"
# docker.io/ prefix: the name kubelet resolves `ginkgo-live/ginkgo-live:<tag>` to.
REPO=docker.io/ginkgo-live/ginkgo-live
RETAG=0; [[ "${1:-}" == --retag ]] && { RETAG=1; shift; }
EXAMPLE=""; [[ "${1:-}" == --example ]] && { EXAMPLE="$2"; shift 2; }
TAG="${1:-$APP_VERSION}"
IMAGE="$REPO:$TAG"
START=$(date +%s.%N)
if [[ $RETAG -eq 1 ]]; then
  podman tag "$REPO:$APP_VERSION" "$IMAGE"
elif [[ -n "$EXAMPLE" ]]; then
  IMAGE="docker.io/acme/ginkgo-live:$TAG"
  log "building $IMAGE from $EXAMPLE/Containerfile on $REPO:$APP_VERSION"
  podman build --pull=never --network=none --build-arg PLATFORM_IMAGE="$REPO:$APP_VERSION" \
    -f "$EXAMPLE/Containerfile" -t "$IMAGE" "$EXAMPLE" >&2
else
  BASE="$("$TESTBED_DIR/image-base.sh")"
  NPM_CACHE="$(npm config get cache)"
  log "building $IMAGE on $BASE"
  podman build --pull=never --network=none --build-arg NODE_IMAGE="$BASE" \
    --build-arg NPM_FLAGS="--offline --cache=/npm-cache" --volume "$NPM_CACHE:/npm-cache:O" \
    --build-arg VERSION="$TAG" --build-arg REVISION="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    -f "$REPO_ROOT/Containerfile" -t "$IMAGE" "$REPO_ROOT" >&2
fi
mkdir -p "$CACHE/node-images"
ARCHIVE="$CACHE/node-images/${EXAMPLE:+acme-}ginkgo-live-$TAG.oci.tar"
rm -f "$ARCHIVE"; podman save --format oci-archive -o "$ARCHIVE" "$IMAGE" >&2
if [[ -S "$CONTAINERD_SOCK" ]] && ctr_ version >/dev/null 2>&1; then
  ctr_ images import "$ARCHIVE" >&2
  log "imported into the test bed node's containerd"
fi
[[ $RETAG -eq 1 || -n "$EXAMPLE" ]] && rm -f "$ARCHIVE"  # (mostly) the layers of the appVersion archive
log "built $IMAGE in $(since "$START") s (archive $ARCHIVE)"
echo "$IMAGE"
