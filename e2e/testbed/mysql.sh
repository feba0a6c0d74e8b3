#!/usr/bin/env bash
# MariaDB from Debian, on loopback, with a `ginkgo` database and user.
source "$(dirname "$0")/lib.sh"
source "$TESTBED_DIR/node-env.sh"
PORT="${MYSQL_PORT:-13306}"; DATA="$RUN/mysql"
if port_open "$PORT"; then log "mariadb already listening on 127.0.0.1:$PORT"; exit 0; fi
command -v mariadbd >/dev/null || apt_install mariadb-server
mkdir -p "$DATA"
USER_OPT=(); [[ $(id -u) -eq 0 ]] && USER_OPT=(--user=root)
if [[ ! -d "$DATA/data/mysql" ]]; then
  mariadb-install-db --no-defaults --datadir="$DATA/data" "${USER_OPT[@]}" --auth-root-authentication-method=normal \
    --skip-test-db > "$DATA/install.log" 2>&1 || { cat "$DATA/install.log" >&2; exit 1; }
fi
nohup mariadbd --no-defaults --datadir="$DATA/data" "${USER_OPT[@]}" --port="$PORT" --bind-address=127.0.0.1 \
  --socket="$DATA/mysqld.sock" --pid-file="$DATA/mysqld.pid" --log-error="$DATA/error.log" \
  --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 --skip-name-resolve \
  --max-connections=500 > "$DATA/mysqld.out" 2>&1 &
wait_port "$PORT" 60 mariadb || { tail -30 "$DATA/error.log" >&2; exit 1; }
for i in $(seq 1 50); do mariadb --no-defaults -uroot --socket="$DATA/mysqld.sock" -e 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
mariadb --no-defaults -uroot --socket="$DATA/mysqld.sock" <<SQL
CREATE DATABASE IF NOT EXISTS ginkgo CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'ginkgo'@'127.0.0.1' IDENTIFIED BY 'ginkgo';
CREATE USER IF NOT EXISTS 'ginkgo'@'localhost' IDENTIFIED BY 'ginkgo';
GRANT ALL PRIVILEGES ON *.* TO 'ginkgo'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'ginkgo'@'localhost';
-- Test bed pods connect from the pod bridge (node.sh), DNATed to loopback.
CREATE USER IF NOT EXISTS 'ginkgo'@'$POD_SUBNET_PREFIX.%' IDENTIFIED BY 'ginkgo';
GRANT ALL PRIVILEGES ON *.* TO 'ginkgo'@'$POD_SUBNET_PREFIX.%';
FLUSH PRIVILEGES;
SQL
log "mariadb listening on 127.0.0.1:$PORT (database ginkgo)"
