# podman settings for these machines (sourced after lib.sh): runc instead of crun (crun refuses the hybrid
# cgroup layout), cgroupfs (systemd is not PID 1), ulimits root may actually set (it cannot raise them), and
# no network for containers (builds run with --network=none; nothing reaches a registry).
mkdir -p "$CACHE/podman"
export CONTAINERS_CONF="$CACHE/podman/containers.conf"
if [[ ! -s "$CONTAINERS_CONF" ]]; then
  cat > "$CONTAINERS_CONF.tmp" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
  mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
fi
command -v podman >/dev/null && command -v mmdebstrap >/dev/null && command -v runc >/dev/null \
  || apt_install podman buildah runc mmdebstrap uidmap fuse-overlayfs
