#!/usr/bin/env bash
# etcd + kube-apiserver the way controller-runtime's envtest runs them, plus a kubeconfig
# with a system:masters client certificate.
source "$(dirname "$0")/lib.sh"
PORT="${KUBE_PORT:-16443}"; ETCD_PORT="${ETCD_PORT:-12379}"; DATA="$RUN/kube"
KUBECONFIG_FILE="$DATA/kubeconfig"
mkdir -p "$DATA/pki"
BIN="$("$TESTBED_DIR/build-kube-apiserver.sh")"
ln -sf "$BIN/kubectl" "$DATA/kubectl"
if port_open "$PORT" && [[ -f "$KUBECONFIG_FILE" ]]; then log "kube-apiserver already listening on https://127.0.0.1:$PORT"; exit 0; fi

pki() {
  cd "$DATA/pki"
  [[ -f ca.crt ]] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=ginkgo-testbed-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1\n' > san.ext
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile san.ext 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=ginkgo-admin" 2>/dev/null
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 3650 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
}
(pki)

if ! port_open "$ETCD_PORT"; then
  nohup "$BIN/etcd" --name testbed --data-dir "$DATA/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "testbed=http://127.0.0.1:$((ETCD_PORT + 1))" \
    --unsafe-no-fsync --quota-backend-bytes=4294967296 > "$DATA/etcd.out" 2>&1 &
  echo $! > "$DATA/etcd.pid"
  wait_port "$ETCD_PORT" 30 etcd || { tail -20 "$DATA/etcd.out" >&2; exit 1; }
fi

# Without a node (TESTBED_NODE=0) nothing creates ServiceAccounts, so their admission stays off as in envtest;
# with the node (node.sh runs kube-controller-manager) pods get their projected token like anywhere else.
ADMISSION=(); [[ "${TESTBED_NODE:-1}" == 0 ]] && ADMISSION=(--disable-admission-plugins=ServiceAccount)
nohup "$BIN/kube-apiserver" \
  --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$PORT" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --cert-dir="$DATA/pki" --tls-cert-file="$DATA/pki/apiserver.crt" --tls-private-key-file="$DATA/pki/apiserver.key" \
  --client-ca-file="$DATA/pki/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$DATA/pki/sa.pub" \
  --service-account-signing-key-file="$DATA/pki/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
  --authorization-mode=RBAC "${ADMISSION[@]}" --kubelet-preferred-address-types=InternalIP \
  --endpoint-reconciler-type=none --v=1 > "$DATA/kube-apiserver.out" 2>&1 &
echo $! > "$DATA/kube-apiserver.pid"

CA64=$(base64 -w0 < "$DATA/pki/ca.crt"); CERT64=$(base64 -w0 < "$DATA/pki/admin.crt"); KEY64=$(base64 -w0 < "$DATA/pki/admin.key")
cat > "$KUBECONFIG_FILE.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: testbed
  cluster:
    server: https://127.0.0.1:$PORT
    certificate-authority-data: $CA64
users:
- name: ginkgo-admin
  user:
    client-certificate-data: $CERT64
    client-key-data: $KEY64
contexts:
- name: testbed
  context: { cluster: testbed, user: ginkgo-admin, namespace: default }
current-context: testbed
KC
mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
for i in $(seq 1 300); do
  if curl -fsS --cacert "$DATA/pki/ca.crt" --cert "$DATA/pki/admin.crt" --key "$DATA/pki/admin.key" \
      "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then
    log "kube-apiserver ready on https://127.0.0.1:$PORT (kubeconfig $KUBECONFIG_FILE)"; exit 0
  fi
  pid_alive "$DATA/kube-apiserver.pid" || { tail -30 "$DATA/kube-apiserver.out" >&2; exit 1; }
  sleep 0.2
done
log "kube-apiserver not ready after 60 s"; tail -30 "$DATA/kube-apiserver.out" >&2; exit 1
