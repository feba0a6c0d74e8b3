#!/usr/bin/env bash
# `make up`: the whole platform on the test bed's real node for a person trying it — the test bed (Kafka,
# Redis, MariaDB, kube-apiserver and the node), the image, `helm install` of the chart into a namespace
# enforcing the restricted Pod Security Standard, the example Portfolios, and the feeder replaying the
# sample tape. Idempotent (`helm upgrade --install`). Prints what to run next. `make down` undoes it.
source "$(dirname "$0")/lib.sh"
REPO_ROOT="$(cd "$TESTBED_DIR/../.." && pwd)"
NS="${GINKGO_NAMESPACE:-ginkgo-live}"; RELEASE="${GINKGO_RELEASE:-ginkgo-live}"
START=$(date +%s)
[[ "${TESTBED_NODE:-1}" != 0 ]] || { log "make up needs the test bed node (unset TESTBED_NODE)"; exit 2; }
"$TESTBED_DIR/testbed-up.sh" >&2
set -a; source "$RUN/testbed.env"; set +a
[[ -n "${TESTBED_NODE_NAME:-}" ]] || { log "the test bed runs without its node (KUBECONFIG pointed elsewhere?)"; exit 2; }
IMAGE="$("$TESTBED_DIR/image.sh")"
TAG="${IMAGE##*:}"
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
k get namespace "$NS" >/dev/null 2>&1 || k create namespace "$NS" >&2
k label namespace "$NS" --overwrite pod-security.kubernetes.io/enforce=restricted >&2
k -n "$NS" create secret generic ginkgo-live-connections --from-literal=KAFKA_BROKERS="$POD_KAFKA_BROKERS" \
  --from-literal=REDIS_URL="$POD_REDIS_URL" --from-literal=MYSQL_URL="$POD_MYSQL_URL" \
  --dry-run=client -o yaml | k apply -f - >&2
T0=$(date +%s)
"$HELM" --kubeconfig "$KUBECONFIG" upgrade --install "$RELEASE" "$REPO_ROOT/charts/ginkgo-live" -n "$NS" \
  -f "$TESTBED_DIR/cluster-values.yaml" --set image.tag="$TAG" --wait --timeout 6m >&2
log "helm install: every pod Ready in $(( $(date +%s) - T0 )) s"
k -n "$NS" apply -f "$REPO_ROOT/charts/ginkgo-live/examples/" >&2
for i in $(seq 1 120); do
  running=$(k -n "$NS" get pf -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Running$' || true)
  total=$(k -n "$NS" get pf -o name | wc -l)
  [[ "$running" -eq "$total" && "$total" -gt 0 ]] && break
  sleep 1
done
# The feeder replays the tape when livecore starts: once more now that the portfolios run.
k -n "$NS" rollout restart "deployment/$RELEASE-livecore-cn" >&2
k -n "$NS" rollout status "deployment/$RELEASE-livecore-cn" --timeout=180s >&2
cat <<MSG

Ginkgo Live runs on the test bed node ($TESTBED_NODE_NAME) in namespace $NS ($(( $(date +%s) - START )) s).
  export KUBECONFIG=$KUBECONFIG
  alias kubectl=$KUBECTL helm=$HELM
  kubectl -n $NS get pf -w                      # phase, node, equity of the example portfolios
  kubectl -n $NS get pods -o wide               # operator x2, node-runtime x2, livecore
  kubectl -n $NS logs deploy/$RELEASE-livecore-cn | grep 'tape published'
  kubectl -n $NS port-forward deploy/$RELEASE-livecore-cn 8082:8082 &   # then:
  curl -s http://127.0.0.1:8082/metrics | grep ginkgo_gateway           # gateway metrics
  kubectl -n $NS port-forward pod/$RELEASE-node-runtime-0 8080:8080 &  # node metrics on :8080/metrics
  kubectl -n $NS rollout restart deploy/$RELEASE-livecore-cn           # replay the tape again
  make down                                     # uninstall, delete the namespace, stop the test bed
MSG
