#!/usr/bin/env bash
# Stops the nginx TLS front started by tls-front-up.sh (by the PID in its pid file).
# Idempotent: exits 0 when it does not run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE_DIR=${STATE_DIR:-$REPO/.state}
PIDF=$STATE_DIR/tls-front/nginx.pid

if [[ ! -s $PIDF ]]; then echo "tls-front-down: TLS front not running"; exit 0; fi
pid=$(<"$PIDF")
if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
   && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF nginx; then
  kill -QUIT "$pid" 2>/dev/null || true   # graceful: the master stops its workers
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "tls-front-down: nginx (pid $pid) still running after 10 s; sending SIGTERM" >&2
    kill -TERM "$pid" 2>/dev/null || true
    sleep 1
  fi
  echo "tls-front-down: stopped nginx (pid $pid)"
else
  echo "tls-front-down: TLS front not running (stale pid file)"
fi
rm -f "$PIDF"
