#!/usr/bin/env bash
# Makes the throwaway PKI of the TLS integration tests (test_tls.py) and the TLS front
# (tls-front-up.sh) with openssl, once, in ${1:-${STATE_DIR:-<repo>/.state}/tls}.
#
#   ca.pem                      the trust bundle to give the product (R2_CA_BUNDLE): both test roots
#   wrong-ca.pem                a bundle holding only an unrelated root (for "wrong CA" tests)
#   <name>.key, <name>.pem      a server's key and leaf certificate
#   <name>-chain.pem            the certificates the server sends after its leaf (may be empty)
#   <name>-full.pem             leaf + chain (nginx ssl_certificate)
#
# Good chains (root -> intermediate -> leaf, SAN DNS:localhost, DNS:*.localhost, IP:127.0.0.1, IP:::1):
#   ecdsa       ECDSA P-256 throughout
#   rsa         RSA-2048 throughout (PKCS#1 v1.5 SHA-256 signatures)
# Leaves that must be refused, each with exactly one defect (otherwise like "ecdsa"):
#   expired     validity 2020-01-01 .. 2021-01-01
#   notyet      validity 2040-01-01 .. 2041-01-01
#   wrongname   SAN DNS:example.com, DNS:www.example.com only
#   untrusted   issued by an intermediate of a root that is not in ca.pem (it is in wrong-ca.pem)
#   selfsigned  a self-signed end-entity certificate (CA:FALSE) for localhost
#   notca       issued by an "intermediate" whose basicConstraints say CA:FALSE
#   eku         extendedKeyUsage clientAuth only
#   sha1        RSA chain whose intermediate is signed with sha1WithRSAEncryption. (A SHA-1-signed
#               leaf cannot be tested against OpenSSL: a TLS 1.3 OpenSSL server checks the leaf's
#               signature against the client's signature_algorithms_cert, which has no SHA-1, and
#               aborts with handshake_failure itself; OpenSSL does not check the intermediates.)
#   rsa1024     RSA chain; the leaf has a 1024-bit RSA key
# Idempotent: an existing complete PKI whose good leaves are valid for 30 more days is kept.
# Exits non-zero with "tls-pki: ERROR: ..." on failure.
set -euo pipefail

die() { echo "tls-pki: ERROR: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DIR=${1:-${STATE_DIR:-$REPO/.state}/tls}
command -v openssl >/dev/null || die "openssl not found (run Tests/Integration/install-deps.sh)"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

NAMES=(ecdsa rsa expired notyet wrongname untrusted selfsigned notca eku sha1 rsa1024)
complete() {
  [[ -s $DIR/ca.pem && -s $DIR/wrong-ca.pem ]] || return 1
  local n
  for n in "${NAMES[@]}"; do [[ -s $DIR/$n.key && -s $DIR/$n-full.pem ]] || return 1; done
  openssl x509 -in "$DIR/ecdsa.pem" -noout -checkend $((30 * 86400)) >/dev/null \
    && openssl x509 -in "$DIR/rsa.pem" -noout -checkend $((30 * 86400)) >/dev/null
}
if complete; then
  echo "tls-pki: test PKI present in $DIR"
  exit 0
fi

WORK=$(mktemp -d "$DIR/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
mkdir newcerts
: >index.txt
echo 1000 >serial
# `openssl ca` (not `x509 -req`) because OpenSSL 3.0 can set explicit start/end dates only there.
cat >ca.cnf <<'EOF'
[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ any ]
organizationName = optional
commonName = supplied
EOF

SAN="subjectAltName=DNS:localhost,DNS:*.localhost,IP:127.0.0.1,IP:::1"
INT_EXT="basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always"
leaf_ext() {  # $1 = extra keyUsage bits, $2 = EKU, $3 = SAN line
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature%s\nextendedKeyUsage=%s\n%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$1" "$2" "$3"
}

newkey() {  # $1 = ec|rsa2048|rsa1024, $2 = output key file
  case $1 in
    ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null ;;
    rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null ;;
    rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$2" 2>/dev/null ;;
  esac || die "key generation ($1) failed"
}

# sign NAME ISSUER KEYTYPE CN EXTTEXT [MD] [START END]: NAME.key + NAME.pem issued by ISSUER
sign() {
  local name=$1 issuer=$2 keytype=$3 cn=$4 ext=$5 md=${6:-sha256} start=${7:-} end=${8:-}
  newkey "$keytype" "$name.key"
  openssl req -new -key "$name.key" -subj "/O=Backfill Test PKI/CN=$cn" -config req.cnf -out "$name.csr" 2>req.err \
    || { cat req.err >&2; die "CSR for $name failed"; }
  printf '%s\n' "$ext" >"$name.ext"
  local dates=(-days 825)
  [[ -n $start ]] && dates=(-startdate "$start" -enddate "$end")
  openssl ca -batch -config ca.cnf -notext -preserveDN -md "$md" "${dates[@]}" \
      -cert "$issuer.pem" -keyfile "$issuer.key" -extfile "$name.ext" -in "$name.csr" -out "$name.pem" 2>ca.err \
    || { cat ca.err >&2; die "signing $name failed"; }
}

# req needs a distinguished_name section even with -subj; v3 is an empty extension section.
printf '[ req ]\ndistinguished_name = dn\n[ dn ]\n[ v3 ]\n' >req.cnf
root() {
  newkey "$2" "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "/O=Backfill Test PKI/CN=$3" \
      -config req.cnf -extensions v3 -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" -addext "subjectKeyIdentifier=hash" \
      -out "$1.pem" 2>req.err || { cat req.err >&2; die "root $1 failed"; }
}

root root-ecdsa ec "Test Root ECDSA"
root root-rsa rsa2048 "Test Root RSA"
root root-other ec "Unrelated Root"
sign int-ecdsa root-ecdsa ec "Test Intermediate ECDSA" "$INT_EXT"
sign int-rsa root-rsa rsa2048 "Test Intermediate RSA" "$INT_EXT"
sign int-other root-other ec "Unrelated Intermediate" "$INT_EXT"
# an "intermediate" that is an end-entity certificate (but otherwise has CA-like key usage)
sign int-notca root-ecdsa ec "Not A CA" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyCertSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always"

GOOD=$(leaf_ext "" serverAuth "$SAN")
sign ecdsa int-ecdsa ec localhost "$GOOD"
sign rsa int-rsa rsa2048 localhost "$(leaf_ext ,keyEncipherment serverAuth "$SAN")"
sign expired int-ecdsa ec localhost "$GOOD" sha256 20200101000000Z 20210101000000Z
sign notyet int-ecdsa ec localhost "$GOOD" sha256 20400101000000Z 20410101000000Z
sign wrongname int-ecdsa ec example.com "$(leaf_ext "" serverAuth "subjectAltName=DNS:example.com,DNS:www.example.com")"
sign untrusted int-other ec localhost "$GOOD"
sign notca int-notca ec localhost "$GOOD"
sign eku int-ecdsa ec localhost "$(leaf_ext "" clientAuth "$SAN")"
sign int-sha1 root-rsa rsa2048 "SHA-1 Intermediate" "$INT_EXT" sha1
sign sha1 int-sha1 rsa2048 localhost "$(leaf_ext ,keyEncipherment serverAuth "$SAN")"
sign rsa1024 int-rsa rsa1024 localhost "$(leaf_ext ,keyEncipherment serverAuth "$SAN")"
newkey ec selfsigned.key
openssl req -x509 -new -key selfsigned.key -sha256 -days 825 -subj "/O=Backfill Test PKI/CN=localhost" \
    -config req.cnf -extensions v3 -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=serverAuth" -addext "$SAN" \
    -out selfsigned.pem 2>req.err || { cat req.err >&2; die "self-signed leaf failed"; }

chain_of() {  # the intermediates each server sends after its leaf
  case $1 in
    ecdsa|expired|notyet|wrongname|eku) cat int-ecdsa.pem ;;
    rsa|rsa1024) cat int-rsa.pem ;;
    sha1) cat int-sha1.pem ;;
    untrusted) cat int-other.pem ;;
    notca) cat int-notca.pem ;;
    selfsigned) ;;
  esac
}
cat root-ecdsa.pem root-rsa.pem >ca.pem
cp root-other.pem wrong-ca.pem
for n in "${NAMES[@]}"; do
  chain_of "$n" >"$n-chain.pem"
  cat "$n.pem" "$n-chain.pem" >"$n-full.pem"
done

# The good chains must verify with OpenSSL, and OpenSSL must refuse the bad ones too.
for n in ecdsa rsa; do
  openssl verify -CAfile ca.pem -untrusted "$n-chain.pem" -purpose sslserver -verify_hostname localhost "$n.pem" >/dev/null 2>&1 \
    || die "the generated $n chain does not verify with openssl"
done
for n in expired notyet wrongname untrusted selfsigned notca eku; do
  untrusted=()
  [[ -s $n-chain.pem ]] && untrusted=(-untrusted "$n-chain.pem")
  if openssl verify -CAfile ca.pem "${untrusted[@]}" -purpose sslserver -verify_hostname localhost "$n.pem" >/dev/null 2>&1; then
    die "openssl accepts the $n chain, which should be refused"
  fi
done

chmod 600 ./*.key
for f in ca.pem wrong-ca.pem; do mv "$f" "$DIR/$f"; done
for n in "${NAMES[@]}"; do mv "$n.key" "$n.pem" "$n-chain.pem" "$n-full.pem" "$DIR/"; done
echo "tls-pki: created test PKI in $DIR (${NAMES[*]})"
