#!/usr/bin/env bash
# Starts a second MariaDB, WITH TLS, for the --dolt-ssl-mode tests (test_mysql_tls.py); the main
# MariaDB of servers-up.sh stays without TLS (Dolt's default) and is the "server without TLS".
#   * a throwaway CA and a server certificate made with openssl in ${STATE_DIR}/mariadb-tls/pki:
#     ECDSA P-256, subjectAltName DNS:localhost and IP:127.0.0.1, extendedKeyUsage serverAuth,
#     valid 30 days (re-made when less than 2 days are left)
#   * mariadbd on 127.0.0.1:${MARIADB_TLS_PORT:-MARIADB_PORT+1} with --ssl-cert/--ssl-key/--ssl-ca
#     and --tls-version=TLSv1.2,TLSv1.3 (our client speaks 1.3 only; the server offers both)
#   * root with an EMPTY password and backfill/s3cr3t (SELECT), database market_data with the
#     guide's tables (empty: tests load the sample data with load_sample_data.py)
# Called by servers-up.sh (which exports STATE_DIR, MARIADB_PORT); stopped by servers-down.sh.
# Idempotent. Prints the port and CA path as `DOLT_TLS_PORT=...` / `DOLT_TLS_CA=...` lines last.
set -euo pipefail

die() { echo "mariadb-tls-up: ERROR: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE_DIR=${STATE_DIR:-$REPO/.state}
MARIADB_PORT=${MARIADB_PORT:-13306}
PORT=${MARIADB_TLS_PORT:-$((MARIADB_PORT + 1))}
SCHEMA=$REPO/Fixtures/sample-data/schema.sql
MARIADBD=/usr/sbin/mariadbd
[[ $PORT =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65536 )) || die "bad port '$PORT'"
command -v openssl >/dev/null || die "openssl is not installed (needed to make the throwaway CA)"

DIR=$STATE_DIR/mariadb-tls
PKI=$DIR/pki
DATA=$DIR/data
PID=$DIR/mariadbd.pid
LOG=$DIR/mariadbd.err
SOCK=$DIR/mariadbd.sock
if (( ${#SOCK} > 100 )); then
  SOCK=/tmp/backfill-mariadb-tls-$(printf '%s' "$STATE_DIR" | md5sum | cut -c1-12).sock
fi
mkdir -p "$PKI" "$DIR"
echo "$SOCK" >"$DIR/socket-path"

# ---- throwaway CA and server certificate ------------------------------------------------------
if [[ ! -s $PKI/server.pem ]] || ! openssl x509 -checkend 172800 -noout -in "$PKI/server.pem" >/dev/null 2>&1; then
  rm -f "$PKI"/*
  (
    cd "$PKI"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=backfill-from-dolt test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out ca.pem 2>/dev/null
    openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
    openssl req -new -key server.key -subj "/CN=localhost" -out server.csr 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 30 \
      -extfile server.ext -out server.pem 2>/dev/null
    rm -f server.csr server.ext ca.srl
  ) || die "making the test CA with openssl failed"
  # a running server must pick up the new certificate
  if [[ -s $PID ]] && kill -0 "$(<"$PID")" 2>/dev/null; then kill -TERM "$(<"$PID")"; sleep 2; fi
fi
openssl verify -CAfile "$PKI/ca.pem" "$PKI/server.pem" >/dev/null || die "the test server certificate does not verify"

# ---- mariadbd with TLS --------------------------------------------------------------------------
sock_sql() { mariadb --no-defaults --protocol=SOCKET --socket="$SOCK" -uroot "$@"; }
pid=""
if [[ -s $PID ]]; then pid=$(<"$PID"); fi
if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$MARIADBD"; then
  [[ $(cat "$DIR/port" 2>/dev/null) == "$PORT" ]] || die "the TLS mariadbd (pid $pid) runs on another port; run servers-down.sh first"
  echo "mariadb-tls-up: MariaDB with TLS already running (pid $pid) on 127.0.0.1:$PORT" >&2
else
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is already in use (set MARIADB_TLS_PORT)"
  rm -f "$PID" "$SOCK" "$SOCK.lock"
  if [[ ! -d $DATA/mysql ]]; then
    mkdir -p "$DATA"
    mariadb-install-db --no-defaults --datadir="$DATA" --user=root --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve >"$DIR/install-db.log" 2>&1 \
      || { tail -20 "$DIR/install-db.log" >&2; die "mariadb-install-db failed (log: $DIR/install-db.log)"; }
  fi
  : >>"$LOG"
  setsid "$MARIADBD" --no-defaults --user=root \
      --datadir="$DATA" --socket="$SOCK" --pid-file="$PID" --log-error="$LOG" \
      --port="$PORT" --bind-address=127.0.0.1 --skip-name-resolve \
      --ssl-cert="$PKI/server.pem" --ssl-key="$PKI/server.key" --ssl-ca="$PKI/ca.pem" \
      --tls-version=TLSv1.2,TLSv1.3 \
      --local-infile=1 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
      --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 \
      --skip-log-bin --performance-schema=OFF \
      </dev/null >>"$LOG" 2>&1 &
  launched=$!
  echo "$PORT" >"$DIR/port"
  for _ in $(seq 1 300); do
    mariadb-admin --no-defaults --protocol=SOCKET --socket="$SOCK" -uroot --connect-timeout=1 ping >/dev/null 2>&1 && break
    kill -0 "$launched" 2>/dev/null || { tail -30 "$LOG" >&2; die "mariadbd (TLS) exited during start-up (log: $LOG)"; }
    sleep 0.1
  done
  [[ -s $PID ]] || echo "$launched" >"$PID"
  echo "mariadb-tls-up: MariaDB with TLS started (pid $(<"$PID")) on 127.0.0.1:$PORT" >&2
fi

host=$(hostname)
sock_sql <<SQL || die "creating users/databases on the TLS server failed (log: $LOG)"
DROP USER IF EXISTS ''@'localhost', ''@'$host';
DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1', 'root'@'$host';
CREATE USER IF NOT EXISTS 'root'@'%';
ALTER USER 'root'@'%' IDENTIFIED VIA mysql_native_password USING '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'backfill'@'%';
ALTER USER 'backfill'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('s3cr3t');
CREATE DATABASE IF NOT EXISTS market_data CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
GRANT SELECT ON market_data.* TO 'backfill'@'%';
FLUSH PRIVILEGES;
SQL
tables=$(sock_sql -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='market_data'")
if [[ $tables == 0 ]]; then
  sock_sql market_data <"$SCHEMA" || die "creating the tables on the TLS server failed"
fi

# self-check: the server negotiates TLS 1.3 with a verified certificate
version=$(mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$PORT" -uroot --ssl --ssl-ca="$PKI/ca.pem" \
  --ssl-verify-server-cert -N -B -e "SHOW SESSION STATUS LIKE 'Ssl_version'" | cut -f2) \
  || die "a TLS login to the TLS server with the test CA failed (log: $LOG)"
[[ $version == TLSv1.3 ]] || die "the TLS server negotiated '$version', expected TLSv1.3"
echo "DOLT_TLS_PORT=$PORT"
echo "DOLT_TLS_CA=$PKI/ca.pem"
