#!/usr/bin/env bash
# Builds the fully static, stripped release binary: .build/static/backfill-from-dolt (make static).
#
# The commit is stamped into --version without touching the work tree: the build runs on a
# shadow package in .build/static/pkg whose sources are symlinks to Sources/, except
# Sources/backfill-from-dolt/BuildInfo.swift, which is a copy with the commit filled in.
# A plain `swift build` never sees the copy and says "unknown".
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/.build/static
PKG=$OUT/pkg
BIN=$OUT/backfill-from-dolt
die() { echo "build-static: ERROR: $*" >&2; exit 1; }

[[ $(uname -m) == x86_64 ]] || echo "build-static: note: building for $(uname -m), not x86_64" >&2
for tool in swift strip readelf; do
  command -v "$tool" >/dev/null || die "$tool not found (strip and readelf come with binutils: apt-get install binutils)"
done

# The commit: 12 hex digits, "-dirty" when tracked files differ from it; "unknown" outside git.
commit=unknown
if head=$(git -C "$REPO" rev-parse --short=12 HEAD 2>/dev/null); then
  commit=$head
  [[ -z $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]] || commit=$head-dirty
fi
[[ $commit =~ ^([0-9a-f]{12}(-dirty)?|unknown)$ ]] || die "unexpected commit id '$commit'"

# Shadow package: same manifest, sources linked (so incremental builds still work), one stamped file.
mkdir -p "$PKG/Sources"
cmp -s "$REPO/Package.swift" "$PKG/Package.swift" || cp "$REPO/Package.swift" "$PKG/Package.swift"
ln -sfn "$REPO/Tests" "$PKG/Tests"
for dir in "$REPO"/Sources/*/; do
  target=$(basename "$dir")
  [[ $target == backfill-from-dolt ]] || ln -sfn "$REPO/Sources/$target" "$PKG/Sources/$target"
done
for link in "$PKG"/Sources/*; do   # targets removed from the repo
  [[ -e $link ]] || rm -f "$link"
done
EXE=$PKG/Sources/backfill-from-dolt
rm -rf "$EXE.new" && mkdir -p "$EXE.new"
for f in "$REPO"/Sources/backfill-from-dolt/*; do
  [[ $(basename "$f") == BuildInfo.swift ]] || ln -s "$f" "$EXE.new/$(basename "$f")"
done
sed "s/static let commit = \"unknown\"/static let commit = \"$commit\"/" \
  "$REPO/Sources/backfill-from-dolt/BuildInfo.swift" >"$EXE.new/BuildInfo.swift"
grep -q "static let commit = \"$commit\"" "$EXE.new/BuildInfo.swift" \
  || die "Sources/backfill-from-dolt/BuildInfo.swift has no line 'static let commit = \"unknown\"' to stamp"
# Keep the old stamped file (and its mtime) when nothing changed, so a rebuild is a no-op.
if [[ -d $EXE ]] && diff -rq "$EXE" "$EXE.new" >/dev/null 2>&1; then
  rm -rf "$EXE.new"
else
  rm -rf "$EXE" && mv "$EXE.new" "$EXE"
fi

echo "build-static: swift build -c release -Xswiftc -static-executable (commit $commit)"
start=$SECONDS
swift build -c release --package-path "$PKG" --scratch-path "$OUT/scratch" \
  --product backfill-from-dolt -Xswiftc -static-executable
built=$OUT/scratch/release/backfill-from-dolt
strip -o "$BIN.tmp" "$built"
mv "$BIN.tmp" "$BIN"

# Fully static or fail: no program interpreter, no dynamic section.
if readelf -lW "$BIN" | grep -q "Requesting program interpreter" || readelf -dW "$BIN" | grep -q "NEEDED"; then
  die "$BIN is not fully static: $(readelf -dW "$BIN" | grep NEEDED | tr -s ' ' | tr '\n' ';')"
fi
size=$(stat -c %s "$BIN")
echo "build-static: $BIN ($((size / 1024)) KiB, $((SECONDS - start)) s, commit $commit)"
if command -v file >/dev/null; then echo "build-static: $(file -b "$BIN")"; fi
