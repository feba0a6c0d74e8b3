#!/usr/bin/env bash
# Ginkgo Live database backup: mysqldump | gzip into BACKUP_DIR, then delete backups older than
# RETENTION_DAYS. Run by the chart's CronJob; runs the same from a workstation.
#   MYSQL_URL=mysql://user:pw@host:3306/ginkgo BACKUP_DIR=/backups RETENTION_DAYS=7 backup.sh
# Writes <database>-<UTC timestamp>.sql.gz; a partial file is never left under that name.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/mysql-url.sh"
BACKUP_DIR="${BACKUP_DIR:?BACKUP_DIR is required}"
RETENTION_DAYS="${RETENTION_DAYS:-7}"
[[ "$RETENTION_DAYS" =~ ^[1-9][0-9]*$ ]] || { echo "RETENTION_DAYS must be a whole number of days >= 1" >&2; exit 2; }
parse_mysql_url
DUMP="$(first_cmd mariadb-dump mysqldump)"
mkdir -p "$BACKUP_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
FILE="$BACKUP_DIR/$DB_NAME-$STAMP.sql.gz"
PART="$FILE.partial"
trap 'rm -f "$MYSQL_DEFAULTS" "$PART"' EXIT
# --single-transaction: a consistent InnoDB snapshot without locking the live tables.
"$DUMP" --defaults-extra-file="$MYSQL_DEFAULTS" --single-transaction --quick --routines --triggers \
  --events --hex-blob --no-tablespaces --default-character-set=utf8mb4 "$DB_NAME" | gzip -6 > "$PART"
gzip -t "$PART"
mv "$PART" "$FILE"
echo "backup written: $FILE ($(wc -c < "$FILE") bytes)"
# Retention: only our own files, only after a good backup.
find "$BACKUP_DIR" -maxdepth 1 -type f -name "$DB_NAME-*.sql.gz" -mmin "+$((RETENTION_DAYS * 1440))" -print -delete \
  | sed 's/^/deleted (older than '"$RETENTION_DAYS"' days): /'
