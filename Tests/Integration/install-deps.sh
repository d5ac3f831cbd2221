#!/usr/bin/env bash
# Installs what the integration tests and `make demo` need, and nothing else:
#   Debian 12: mariadb-server, mariadb-client (a stand-in for `dolt sql-server`: MySQL wire protocol),
#              nginx-light (TLS 1.3 front to the S3 server), openssl (test PKI, s_server, the
#              throwaway CA of the MariaDB with TLS), curl
#   PyPI (pinned): moto[server] (S3 stand-in for R2), boto3, pyarrow, duckdb, polars, fastparquet,
#                  pandas, pymysql, pytest
# Idempotent and fast when everything is already there (no apt-get update, no pip run).
# Needs root for apt-get (CI runs as root); set SKIP_APT=1 to skip the Debian part.
# Env: PYTHON (default python3).
set -euo pipefail

die() { echo "install-deps: ERROR: $*" >&2; exit 1; }
PY=${PYTHON:-python3}

# Keep these pins in one place; bump them together after running `make test`.
PIP_PINS=(
  "moto[server]==5.2.1"
  "boto3==1.43.11"
  "pyarrow==26.0.1"
  "duckdb==2.0.1"
  "polars==2.1.0"
  "fastparquet==2026.9.0"
  "pandas==3.1.1"
  "pymysql==1.2.4"
  "pytest==9.0.3"
)
APT_PKGS=(mariadb-server mariadb-client nginx-light openssl curl)

# ---- Debian packages ---------------------------------------------------------------------------
apt_missing() {
  local p missing=()
  for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[*]}"
}

if [[ ${SKIP_APT:-0} != 1 ]]; then
  missing=$(apt_missing)
  if [[ -n $missing ]]; then
    command -v apt-get >/dev/null || die "apt-get not found; install $missing by hand (MariaDB server + client)"
    [[ $(id -u) -eq 0 ]] || die "installing $missing needs root (run as root or install them yourself)"
    export DEBIAN_FRONTEND=noninteractive
    echo "install-deps: installing Debian packages: $missing"
    # apt-get update only when there are no package lists yet or the install fails with old lists.
    if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
      apt-get update -qq || die "apt-get update failed"
    fi
    # shellcheck disable=SC2086
    if ! apt-get install -y -qq --no-install-recommends $missing; then
      apt-get update -qq || die "apt-get update failed"
      # shellcheck disable=SC2086
      apt-get install -y -qq --no-install-recommends $missing || die "apt-get install $missing failed"
    fi
    [[ -z $(apt_missing) ]] || die "still missing after apt-get install: $(apt_missing)"
  else
    echo "install-deps: Debian packages present: ${APT_PKGS[*]}"
  fi
  [[ -x /usr/sbin/mariadbd ]] || die "/usr/sbin/mariadbd missing although mariadb-server is installed"
fi

# ---- Python packages ---------------------------------------------------------------------------
command -v "$PY" >/dev/null || die "$PY not found (python 3.11+ with pip is required)"
# Prints the pins that are not satisfied by the installed distributions (exact version match).
pip_missing=$("$PY" - "${PIP_PINS[@]}" <<'PYEOF'
import re, sys
from importlib import metadata
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    name = re.sub(r"\[.*\]", "", name)
    try:
        ok = metadata.version(name) == version
    except metadata.PackageNotFoundError:
        ok = False
    if not ok:
        print(pin)
if "moto[server]==" in " ".join(sys.argv[1:]):
    for extra in ("flask", "werkzeug", "flask_cors"):
        try:
            __import__(extra)
        except ImportError:
            print("moto-server-extra:" + extra)
PYEOF
)
if [[ -n $pip_missing ]]; then
  echo "install-deps: installing Python packages: $(echo "$pip_missing" | tr '\n' ' ')"
  "$PY" -m pip install --disable-pip-version-check --no-input -q "${PIP_PINS[@]}" \
    || die "pip install failed"
else
  echo "install-deps: Python packages present: ${PIP_PINS[*]}"
fi

# cryptography comes with moto; test_caching_sha2.py uses it for the fake server's RSA key.
"$PY" -c "import moto, boto3, pyarrow, duckdb, polars, fastparquet, pandas, pymysql, pytest, flask, werkzeug, cryptography" \
  || die "a Python package still fails to import after installation"
echo "install-deps: OK"
