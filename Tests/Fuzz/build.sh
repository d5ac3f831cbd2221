#!/usr/bin/env bash
# Builds the libFuzzer targets in Tests/Fuzz/targets outside SwiftPM: every module a target needs is
# compiled from Sources/<Module> with -sanitize=fuzzer,address (coverage + ASan; Swift's own
# overflow and bounds traps stay on), then linked with the target's LLVMFuzzerTestOneInput.
# libFuzzer's runtime ships with the Swift toolchain (usr/lib/clang/*/lib/linux/libclang_rt.fuzzer*).
#
# Usage: Tests/Fuzz/build.sh [target ...]     (default: every target; output in $FUZZ_OUT)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_OUT:-$REPO/.build/fuzz}
SWIFTC=${SWIFTC:-swiftc}
mkdir -p "$OUT/modules" "$OUT/bin"

# libFuzzer's runtime must come with the toolchain (Swift's Linux toolchains ship it); say so clearly if not.
toolchain=$(cd "$(dirname "$(command -v "$SWIFTC")")/.." && pwd)
if ! compgen -G "$toolchain/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a" >/dev/null \
   && ! compgen -G "$toolchain/lib/swift/clang/lib/linux/libclang_rt.fuzzer-*.a" >/dev/null; then
  echo "fuzz build: libclang_rt.fuzzer not found under $toolchain/lib; install a Swift toolchain from swift.org" >&2
  exit 1
fi

FLAGS=(-sanitize=fuzzer,address -parse-as-library -swift-version 6 -O -g -enable-testing
       -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility
       -I "$OUT/modules" -use-ld=lld)

# module -> the modules it imports (Package.swift order: low layers first)
declare -A DEPS=(
  [ByteCoding]=""
  [CryptoPrimitives]="ByteCoding"
  [HTTP1]="ByteCoding"
  [S3]="ByteCoding CryptoPrimitives HTTP1"
  [MySQLWire]="ByteCoding CryptoPrimitives"
  [Parquet]="ByteCoding"
  [X509]="ByteCoding CryptoPrimitives"
  [TLS]="ByteCoding CryptoPrimitives X509"
)
# fuzz target -> the modules it links (its dependencies' closure, in build order)
declare -A TARGETS=(
  [mysql]="ByteCoding CryptoPrimitives MySQLWire"
  [http]="ByteCoding HTTP1"
  [s3xml]="ByteCoding CryptoPrimitives HTTP1 S3"
  [parquet]="ByteCoding Parquet"
  [x509]="ByteCoding CryptoPrimitives X509"
  [tls]="ByteCoding CryptoPrimitives X509 TLS"
)
declare -A FILES=([mysql]=FuzzMySQL [http]=FuzzHTTP [s3xml]=FuzzS3XML [parquet]=FuzzParquet [x509]=FuzzX509 [tls]=FuzzTLS)

# True when any of the files after the first is newer than the first (or the first is missing).
stale() {
  local target=$1 f
  shift
  [[ -e $target ]] || return 0
  for f; do [[ $f -nt $target ]] && return 0; done
  return 1
}

built=" "
build_module() {
  local m=$1
  [[ $built == *" $m "* ]] && return 0
  local d
  for d in ${DEPS[$m]}; do build_module "$d"; done
  local src=$REPO/Sources/$m obj=$OUT/modules/$m.o
  mapfile -t sources < <(find "$src" -name '*.swift' | sort)
  # Rebuild only when a source (or a dependency's object) is newer than the object.
  local deps=()
  for d in ${DEPS[$m]}; do deps+=("$OUT/modules/$d.o"); done
  if stale "$obj" "${sources[@]}" "${deps[@]}"; then
    echo "fuzz build: module $m (${#sources[@]} files)"
    "$SWIFTC" "${FLAGS[@]}" -module-name "$m" -emit-module -emit-module-path "$OUT/modules/$m.swiftmodule" \
      -wmo -c "${sources[@]}" -o "$obj"
  fi
  built+="$m "
}

wanted=("$@")
[[ ${#wanted[@]} -eq 0 ]] && wanted=(mysql http s3xml parquet x509 tls)
for t in "${wanted[@]}"; do
  [[ -n ${TARGETS[$t]+x} ]] || { echo "fuzz build: unknown target $t (known: ${!TARGETS[*]})" >&2; exit 2; }
  skip=0
  for m in ${TARGETS[$t]}; do [[ -d $REPO/Sources/$m ]] || skip=1; done
  if (( skip )); then echo "fuzz build: skipping $t (a module it needs is not in Sources)"; continue; fi
  objs=()
  for m in ${TARGETS[$t]}; do build_module "$m"; objs+=("$OUT/modules/$m.o"); done
  main=$REPO/Tests/Fuzz/targets/${FILES[$t]}.swift bin=$OUT/bin/fuzz-$t
  if stale "$bin" "$main" "${objs[@]}"; then
    echo "fuzz build: target $t"
    "$SWIFTC" "${FLAGS[@]}" -module-name "Fuzz_$t" "$main" "${objs[@]}" -o "$bin"
  fi
done
