#!/usr/bin/env bash
# Stops the servers started by servers-up.sh (by the PIDs in their pid files).
# Usage: servers-down.sh [--wipe]     --wipe also deletes ${STATE_DIR:-<repo>/.state}
# Idempotent: exits 0 when nothing runs.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE_DIR=${STATE_DIR:-$REPO/.state}
WIPE=0
for a in "$@"; do
  case $a in
    --wipe) WIPE=1 ;;
    *) echo "usage: $0 [--wipe]" >&2; exit 2 ;;
  esac
done

# stop PID from FILE if it is alive and its command line contains NEEDLE
stop_pid() {
  local name=$1 file=$2 needle=$3 pid
  if [[ ! -s $file ]]; then echo "servers-down: $name not running"; return 0; fi
  pid=$(<"$file")
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
     && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "servers-down: $name (pid $pid) ignored SIGTERM for 15 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "servers-down: stopped $name (pid $pid)"
  else
    echo "servers-down: $name not running (stale pid file)"
  fi
  rm -f "$file"
}

[[ -d $STATE_DIR ]] || { echo "servers-down: nothing to stop ($STATE_DIR does not exist)"; exit 0; }
STATE_DIR=$STATE_DIR "$HERE/tls-front-down.sh"
stop_pid "S3 server" "$STATE_DIR/s3.pid" "s3_server.py"
stop_pid "MariaDB" "$STATE_DIR/mariadb/mariadbd.pid" "mariadbd"
stop_pid "MariaDB with TLS" "$STATE_DIR/mariadb-tls/mariadbd.pid" "mariadbd"
if [[ -s $STATE_DIR/mariadb/socket-path ]]; then
  sock=$(<"$STATE_DIR/mariadb/socket-path")
  [[ $sock == /tmp/backfill-mariadb-* ]] && rm -f "$sock" "$sock.lock"
fi
if [[ -s $STATE_DIR/mariadb-tls/socket-path ]]; then
  sock=$(<"$STATE_DIR/mariadb-tls/socket-path")
  [[ $sock == /tmp/backfill-mariadb-tls-* ]] && rm -f "$sock" "$sock.lock"
fi
if (( WIPE )); then
  rm -rf -- "$STATE_DIR"
  echo "servers-down: removed $STATE_DIR"
fi
