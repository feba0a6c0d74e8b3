# Sourced by backup.sh and restore.sh: turns MYSQL_URL (mysql://user:password@host:port/database) into a
# private client option file, so the password never shows in `ps`. Sets DB_NAME and MYSQL_DEFAULTS.
parse_mysql_url() {
  local url="${MYSQL_URL:?MYSQL_URL is required (mysql://user:password@host:port/database)}"
  local re='^mysql://([^:@/]+)(:([^@/]*))?@([^:/?]+)(:([0-9]+))?/([^?/]+)'
  if [[ ! "$url" =~ $re ]]; then
    echo "MYSQL_URL must look like mysql://user:password@host:port/database" >&2
    return 2
  fi
  local user host port password
  user="$(urldecode "${BASH_REMATCH[1]}")"
  password="$(urldecode "${BASH_REMATCH[3]}")"
  host="${BASH_REMATCH[4]}"
  port="${BASH_REMATCH[6]:-3306}"
  DB_NAME="$(urldecode "${BASH_REMATCH[7]}")"
  MYSQL_DEFAULTS="$(mktemp "${TMPDIR:-/tmp}/ginkgo-mysql.XXXXXX")"
  chmod 600 "$MYSQL_DEFAULTS"
  trap 'rm -f "$MYSQL_DEFAULTS"' EXIT
  # Option-file values are quoted; escape backslashes and quotes in the password.
  password="${password//\\/\\\\}"; password="${password//\"/\\\"}"
  printf '[client]\nuser="%s"\npassword="%s"\nhost="%s"\nport=%s\nprotocol=TCP\n' \
    "$user" "$password" "$host" "$port" > "$MYSQL_DEFAULTS"
}
urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }
first_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { echo "$c"; return 0; }; done; echo "none of $* found" >&2; return 1; }
