#!/usr/bin/env bash
# Ginkgo Live database restore. Replaces the tables of the database in MYSQL_URL (or --database)
# with those of a backup written by backup.sh.
#   MYSQL_URL=mysql://user:pw@host:3306/ginkgo restore.sh --yes /backups/ginkgo-20250101T090000Z.sql.gz
#   restore.sh --latest --yes            (newest backup of that database in BACKUP_DIR)
# Procedure: stop trading first (emergency stop ConfigMap ginkgo-live-trading-control halted=true, or scale
# node-runtime and livecore to 0), restore, then lift the halt. The dump drops and recreates each table
# it contains; tables that are not in the dump are left alone.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/mysql-url.sh"
usage() { echo "usage: restore.sh [--database NAME] --yes (FILE.sql.gz | --latest)" >&2; exit 2; }
FILE=""; TARGET=""; CONFIRMED=0; LATEST=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --yes) CONFIRMED=1 ;;
    --database) TARGET="${2:?--database needs a name}"; shift ;;
    --latest) LATEST=1 ;;
    -h|--help) usage ;;
    *) FILE="$1" ;;
  esac
  shift
done
parse_mysql_url
if [[ $LATEST -eq 1 ]]; then
  # Newest backup of the database in MYSQL_URL (file names sort by their UTC timestamp).
  FILE="$(ls -1 "${BACKUP_DIR:?BACKUP_DIR is required with --latest}/$DB_NAME"-*.sql.gz 2>/dev/null | sort | tail -1)"
  [[ -n "$FILE" ]] || { echo "no backup of $DB_NAME in $BACKUP_DIR" >&2; exit 1; }
fi
[[ -n "$FILE" ]] || usage
[[ -f "$FILE" ]] || { echo "backup file not found: $FILE" >&2; exit 1; }
TARGET="${TARGET:-$DB_NAME}"
[[ "$TARGET" =~ ^[A-Za-z0-9_]+$ ]] || { echo "database name must be letters, digits and _: $TARGET" >&2; exit 2; }
if [[ $CONFIRMED -ne 1 ]]; then echo "refusing to overwrite database $TARGET without --yes" >&2; exit 2; fi
CLIENT="$(first_cmd mariadb mysql)"
gzip -t "$FILE" || { echo "backup file is corrupt: $FILE" >&2; exit 1; }
"$CLIENT" --defaults-extra-file="$MYSQL_DEFAULTS" -e "CREATE DATABASE IF NOT EXISTS \`$TARGET\` CHARACTER SET utf8mb4"
gzip -dc "$FILE" | "$CLIENT" --defaults-extra-file="$MYSQL_DEFAULTS" --default-character-set=utf8mb4 "$TARGET"
echo "restored $FILE into database $TARGET"
