#!/usr/bin/env bash
# `make down`: uninstalls what `make up` installed (the release, then its namespace), then stops the test
# bed (testbed-down.sh: node, servers; data stays cached).
source "$(dirname "$0")/lib.sh"
NS="${GINKGO_NAMESPACE:-ginkgo-live}"; RELEASE="${GINKGO_RELEASE:-ginkgo-live}"
if [[ -s "$RUN/testbed.env" ]]; then
  set -a; source "$RUN/testbed.env"; set +a
  if [[ -n "${HELM:-}" && -x "${HELM:-}" ]] && "$KUBECTL" --kubeconfig "$KUBECONFIG" get namespace "$NS" >/dev/null 2>&1; then
    # Portfolios first, while the operator and nodes run: each is stopped and its state archived (finalizer).
    "$KUBECTL" --kubeconfig "$KUBECONFIG" delete portfolios --all -n "$NS" --timeout=120s >&2 || true
    "$HELM" --kubeconfig "$KUBECONFIG" uninstall "$RELEASE" -n "$NS" --wait --timeout 5m >&2 || true
    "$KUBECTL" --kubeconfig "$KUBECONFIG" delete namespace "$NS" --timeout=120s >&2 || true
  fi
fi
"$TESTBED_DIR/testbed-down.sh"
