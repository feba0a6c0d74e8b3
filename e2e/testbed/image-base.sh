#!/usr/bin/env bash
# The test bed's local base image for the Containerfile, built without any container registry:
# a Debian bookworm minbase rootfs from the apt mirror (mmdebstrap) plus the host's Node 20 and npm,
# laid out like the public node:20 slim image (/usr/local/bin/node, npm). Cached: built once.
# Prints the image name.
source "$(dirname "$0")/lib.sh"
source "$TESTBED_DIR/podman-env.sh"
BASE_TAG="${GINKGO_BASE_IMAGE:-localhost/ginkgo-live-node:20-bookworm}"
ROOTFS_TAG=localhost/ginkgo-live-debian:bookworm-minbase
if podman image exists "$BASE_TAG"; then echo "$BASE_TAG"; exit 0; fi
command -v node >/dev/null || { log "the host needs Node 20 (its binary goes into the base image)"; exit 1; }
[[ "$(node -p 'process.versions.node.split(".")[0]')" == 20 ]] || { log "the host Node is not v20"; exit 1; }
if ! podman image exists "$ROOTFS_TAG"; then
  MIRROR="$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian\b' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | head -1 | awk '{print $2}' || true)"
  MIRROR="${MIRROR:-http://deb.debian.org/debian}"
  log "mmdebstrap --variant=minbase bookworm from $MIRROR"
  TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
  mmdebstrap --quiet --variant=minbase --mode=root bookworm "$TMP/base.tar" "$MIRROR" >&2
  podman import "$TMP/base.tar" "$ROOTFS_TAG" >&2
fi
NODE_BIN="$(readlink -f "$(command -v node)")"
NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"   # .../node_modules/npm
CTX="$(mktemp -d)"; trap 'rm -rf "$CTX"' EXIT
cp "$NODE_BIN" "$CTX/node"; cp -r "$NPM_DIR" "$CTX/npm"
cat > "$CTX/Containerfile" <<CF
FROM $ROOTFS_TAG
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CF
podman build --pull=never --network=none -t "$BASE_TAG" "$CTX" >&2
echo "$BASE_TAG"
