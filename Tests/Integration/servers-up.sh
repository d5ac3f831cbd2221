#!/usr/bin/env bash
# Starts the two local servers the integration tests and `make demo` use, and writes their settings:
#   * MariaDB on 127.0.0.1:${MARIADB_PORT:-13306}: a stand-in for `dolt sql-server` (MySQL protocol).
#     root with an EMPTY password over TCP (mysql_native_password, like Dolt's default root),
#     user backfill / s3cr3t with SELECT on market_data.* only, utf8mb4_bin collation (binary like
#     Dolt, so 'aapl.x' and 'AAPL.X' are different tickers), database market_data with the guide's
#     two tables (Fixtures/sample-data/schema.sql), database empty_db without tables.
#   * moto S3 on 127.0.0.1:${S3_PORT:-19000} verifying SigV4 (Tests/Integration/s3_server.py),
#     bucket market-data, fixed R2-shaped credentials. Objects live in memory only.
#   * nginx TLS 1.3 front on https://localhost:${TLS_PORT:-19443} to that S3 server, with a throwaway
#     test PKI (tls-front-up.sh, tls-pki.sh).
# State (datadir, logs, pid files, env.sh) lives in ${STATE_DIR:-<repo>/.state}.
# Writes ${STATE_DIR}/env.sh (R2_* variables, DOLT_HOST, DOLT_PORT): `source .state/env.sh`.
# Idempotent: servers that already run are re-checked, not restarted. Stop: servers-down.sh.
# Exits non-zero with "servers-up: ERROR: ..." when a server cannot be started or fails its check.
set -euo pipefail

die() { echo "servers-up: ERROR: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE_DIR=${STATE_DIR:-$REPO/.state}
MARIADB_PORT=${MARIADB_PORT:-13306}
S3_PORT=${S3_PORT:-19000}
TLS_PORT=${TLS_PORT:-19443}
PY=${PYTHON:-python3}
BUCKET=market-data
SCHEMA=$REPO/Fixtures/sample-data/schema.sql

for p in "$MARIADB_PORT" "$S3_PORT"; do
  [[ $p =~ ^[0-9]+$ ]] && (( p > 0 && p < 65536 )) || die "bad port '$p'"
done
mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd)

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid from a pid file if that process is alive and its command line contains $2
alive_pid() {
  local file=$1 needle=$2 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle" || return 1
  echo "$pid"
}

# ================================================================ MariaDB
MARIADBD=/usr/sbin/mariadbd
command -v mariadb >/dev/null && command -v mariadb-install-db >/dev/null && command -v mariadb-admin >/dev/null \
  && [[ -x $MARIADBD ]] \
  || die "MariaDB is not installed (run Tests/Integration/install-deps.sh)"
[[ $(id -u) -eq 0 ]] || die "run as root (mariadbd is started with --user=root)"

DB_DIR=$STATE_DIR/mariadb
DATA=$DB_DIR/data
DB_PID=$DB_DIR/mariadbd.pid
DB_LOG=$DB_DIR/mariadbd.err
SOCK=$DB_DIR/mariadbd.sock
if (( ${#SOCK} > 100 )); then   # AF_UNIX paths are limited to 108 bytes
  SOCK=/tmp/backfill-mariadb-$(printf '%s' "$STATE_DIR" | md5sum | cut -c1-12).sock
fi
mkdir -p "$DB_DIR"
echo "$SOCK" >"$DB_DIR/socket-path"

sock_sql() { mariadb --no-defaults --protocol=SOCKET --socket="$SOCK" -uroot "$@"; }
tcp_sql() { mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$MARIADB_PORT" --connect-timeout=5 -N -B "$@"; }

if pid=$(alive_pid "$DB_PID" "$MARIADBD"); then
  [[ $(cat "$DB_DIR/port" 2>/dev/null) == "$MARIADB_PORT" ]] \
    || die "mariadbd (pid $pid) already runs on port $(cat "$DB_DIR/port" 2>/dev/null), not $MARIADB_PORT; run servers-down.sh first"
  echo "servers-up: MariaDB already running (pid $pid) on 127.0.0.1:$MARIADB_PORT"
else
  listening "$MARIADB_PORT" && die "port $MARIADB_PORT is already in use by another process (set MARIADB_PORT)"
  rm -f "$DB_PID" "$SOCK" "$SOCK.lock"
  if [[ ! -d $DATA/mysql ]]; then
    echo "servers-up: initialising MariaDB datadir $DATA"
    mkdir -p "$DATA"
    mariadb-install-db --no-defaults --datadir="$DATA" --user=root \
        --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
        >"$DB_DIR/install-db.log" 2>&1 \
      || { tail -20 "$DB_DIR/install-db.log" >&2; die "mariadb-install-db failed (log: $DB_DIR/install-db.log)"; }
  fi
  : >>"$DB_LOG"
  # --no-defaults: ignore /etc/mysql; setsid: survive the calling shell; throwaway durability settings.
  setsid "$MARIADBD" --no-defaults --user=root \
      --datadir="$DATA" --socket="$SOCK" --pid-file="$DB_PID" --log-error="$DB_LOG" \
      --port="$MARIADB_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
      --local-infile=1 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
      --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 \
      --skip-log-bin --performance-schema=OFF \
      </dev/null >>"$DB_LOG" 2>&1 &
  launched=$!
  echo "$MARIADB_PORT" >"$DB_DIR/port"
  for _ in $(seq 1 300); do
    mariadb-admin --no-defaults --protocol=SOCKET --socket="$SOCK" -uroot --connect-timeout=1 ping >/dev/null 2>&1 && break
    kill -0 "$launched" 2>/dev/null || { tail -30 "$DB_LOG" >&2; die "mariadbd exited during start-up (log: $DB_LOG)"; }
    sleep 0.1
  done
  mariadb-admin --no-defaults --protocol=SOCKET --socket="$SOCK" -uroot ping >/dev/null 2>&1 \
    || { tail -30 "$DB_LOG" >&2; die "mariadbd did not become ready within 30 s (log: $DB_LOG)"; }
  [[ -s $DB_PID ]] || echo "$launched" >"$DB_PID"
  echo "servers-up: MariaDB started (pid $(<"$DB_PID")) on 127.0.0.1:$MARIADB_PORT"
fi

host=$(hostname)
sock_sql <<SQL || die "creating users/databases failed (log: $DB_LOG)"
-- anonymous users would shadow root@'%' and backfill@'%' for local TCP logins
DROP USER IF EXISTS ''@'localhost', ''@'$host';
DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1', 'root'@'$host';
CREATE USER IF NOT EXISTS 'root'@'localhost';
CREATE USER IF NOT EXISTS 'root'@'%';
ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING '';
ALTER USER 'root'@'%' IDENTIFIED VIA mysql_native_password USING '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'backfill'@'%';
ALTER USER 'backfill'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('s3cr3t');
CREATE DATABASE IF NOT EXISTS market_data CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE DATABASE IF NOT EXISTS empty_db CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
GRANT SELECT ON market_data.* TO 'backfill'@'%';
FLUSH PRIVILEGES;
SQL

tables=$(sock_sql -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='market_data' AND table_name IN ('prices','fundamentals')")
case $tables in
  0) sock_sql market_data <"$SCHEMA" || die "creating the tables from $SCHEMA failed" ;;
  2) ;;
  *) die "database market_data has only one of the tables prices/fundamentals; run servers-down.sh --wipe" ;;
esac
[[ $(sock_sql -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='empty_db'") == 0 ]] \
  || die "database empty_db is expected to have no tables"

# self-check over TCP, the way the product connects
who=$(tcp_sql -uroot -e "SELECT CURRENT_USER()") || die "TCP login as root with an empty password failed"
[[ $who == "root@%" ]] || die "TCP root login matched '$who', expected root@%"
tcp_sql -ubackfill -ps3cr3t market_data -e "SELECT COUNT(*) FROM prices" >/dev/null \
  || die "TCP login as backfill/s3cr3t with SELECT on market_data failed"
if tcp_sql -ubackfill -ps3cr3t market_data -e "DELETE FROM prices WHERE 1=0" >/dev/null 2>&1; then
  die "user backfill may DELETE: privileges are wrong"
fi
if tcp_sql -uroot -pwrong -e "SELECT 1" >/dev/null 2>&1; then
  die "root with a wrong password was accepted"
fi

# ================================================================ S3 (moto)
"$PY" -c "import moto, boto3, flask, werkzeug" 2>/dev/null \
  || die "$PY lacks moto[server]/boto3 (run Tests/Integration/install-deps.sh)"
S3_PID=$STATE_DIR/s3.pid
S3_LOG=$STATE_DIR/s3.log
if pid=$(alive_pid "$S3_PID" "s3_server.py"); then
  [[ $(cat "$STATE_DIR/s3.port" 2>/dev/null) == "$S3_PORT" ]] \
    || die "s3_server (pid $pid) already runs on port $(cat "$STATE_DIR/s3.port" 2>/dev/null), not $S3_PORT; run servers-down.sh first"
  echo "servers-up: S3 already running (pid $pid) on 127.0.0.1:$S3_PORT"
else
  listening "$S3_PORT" && die "port $S3_PORT is already in use by another process (set S3_PORT)"
  rm -f "$S3_PID"
  : >"$S3_LOG"
  setsid "$PY" "$HERE/s3_server.py" --host 127.0.0.1 --port "$S3_PORT" --bucket "$BUCKET" \
      </dev/null >>"$S3_LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$S3_PID"
  echo "$S3_PORT" >"$STATE_DIR/s3.port"
  for _ in $(seq 1 300); do
    grep -q '^READY' "$S3_LOG" && break
    kill -0 "$pid" 2>/dev/null || { tail -20 "$S3_LOG" >&2; rm -f "$S3_PID"; die "s3_server exited during start-up (log: $S3_LOG)"; }
    sleep 0.1
  done
  grep -q '^READY' "$S3_LOG" || { tail -20 "$S3_LOG" >&2; die "s3_server not ready within 30 s (log: $S3_LOG)"; }
  echo "servers-up: S3 started (pid $pid) on 127.0.0.1:$S3_PORT"
fi

read -r ACCESS_KEY_ID SECRET_ACCESS_KEY < <(cd "$HERE" && "$PY" -c \
  "import s3_server as s; print(s.ACCESS_KEY_ID, s.SECRET_ACCESS_KEY)")
ENV_FILE=$STATE_DIR/env.sh
cat >"$ENV_FILE" <<EOF
# Settings of the local test servers (written by Tests/Integration/servers-up.sh). Source me.
export R2_ENDPOINT=http://127.0.0.1:$S3_PORT
export R2_ACCESS_KEY_ID=$ACCESS_KEY_ID
export R2_SECRET_ACCESS_KEY=$SECRET_ACCESS_KEY
export R2_BUCKET=$BUCKET
export R2_REGION=auto
export DOLT_HOST=127.0.0.1
export DOLT_PORT=$MARIADB_PORT
EOF

# a second MariaDB with TLS for the --dolt-ssl-mode tests (adds DOLT_TLS_PORT and DOLT_TLS_CA)
tls_settings=$(STATE_DIR=$STATE_DIR MARIADB_PORT=$MARIADB_PORT "$HERE/mariadb-tls-up.sh") \
  || die "starting the MariaDB with TLS failed"
sed 's/^/export /' <<<"$tls_settings" >>"$ENV_FILE"

# smoke test: a signed request works; a wrong secret and an unsigned request are refused
"$PY" - "$ENV_FILE" <<'PYEOF' || die "S3 smoke test failed (log: $S3_LOG)"
import re, sys, urllib.error, urllib.request
import boto3, botocore.exceptions
from botocore.config import Config
env = dict(re.findall(r"^export (\w+)=(.*)$", open(sys.argv[1]).read(), re.M))
def client(secret):
    return boto3.client("s3", endpoint_url=env["R2_ENDPOINT"], region_name="auto",
                        aws_access_key_id=env["R2_ACCESS_KEY_ID"], aws_secret_access_key=secret,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
client(env["R2_SECRET_ACCESS_KEY"]).head_bucket(Bucket=env["R2_BUCKET"])
try:
    client("0" * 64).head_bucket(Bucket=env["R2_BUCKET"])
    sys.exit("a wrong secret was accepted")
except botocore.exceptions.ClientError as e:
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
try:
    urllib.request.urlopen(f"{env['R2_ENDPOINT']}/{env['R2_BUCKET']}?list-type=2", timeout=10)
    sys.exit("an unsigned request was accepted")
except urllib.error.HTTPError as e:
    assert e.code == 403, e.code
PYEOF

# ================================================================ TLS 1.3 front (nginx) to the S3 server
TLS_PORT=$TLS_PORT S3_PORT=$S3_PORT STATE_DIR=$STATE_DIR "$HERE/tls-front-up.sh" \
  || die "the TLS front failed (tls-front-up.sh)"

cat <<EOF
servers-up: OK
  MariaDB : 127.0.0.1:$MARIADB_PORT  root (empty password), backfill/s3cr3t (SELECT); databases market_data, empty_db
  MariaDB with TLS: $(grep -o 'DOLT_TLS_PORT=.*' <<<"$tls_settings" | cut -d= -f2) (CA $(grep -o 'DOLT_TLS_CA=.*' <<<"$tls_settings" | cut -d= -f2))
  S3      : http://127.0.0.1:$S3_PORT bucket $BUCKET (SigV4 verified; log $S3_LOG)
  TLS     : https://localhost:$TLS_PORT -> S3 (nginx, TLS 1.3 only; CA bundle $STATE_DIR/tls/ca.pem)
  settings: source $ENV_FILE
EOF
