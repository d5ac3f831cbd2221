#!/usr/bin/env bash
# Runs every built fuzz target for a bounded time (FUZZ_SECONDS each, default 4) on a corpus kept in
# $FUZZ_OUT/corpus/<target>, seeded from Fixtures (seeds.py). A crash, a trap (overflow, bounds), an
# ASan report, a hang (-timeout) or an out-of-memory fails the run; the input is kept under
# $FUZZ_OUT/crashes/<target>/. To keep it as a regression case, copy it to Fixtures/fuzz/<target>/
# (the unit tests replay every file there).
#
# Usage: Tests/Fuzz/run.sh [target ...]
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_OUT:-$REPO/.build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-4}
PYTHON=${PYTHON:-python3}

rm -rf "$OUT/seeds"
"$PYTHON" "$REPO/Tests/Fuzz/seeds.py" "$OUT/seeds"

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for bin in "$OUT"/bin/fuzz-*; do [[ -x $bin ]] && targets+=("${bin##*/fuzz-}"); done
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "fuzz: no targets built; run Tests/Fuzz/build.sh" >&2; exit 1; }

failed=()
for t in "${targets[@]}"; do
  corpus=$OUT/corpus/$t crashes=$OUT/crashes/$t
  mkdir -p "$corpus" "$crashes" "$OUT/seeds/$t"
  dirs=("$corpus" "$OUT/seeds/$t")
  [[ -d $REPO/Fixtures/fuzz/$t ]] && dirs+=("$REPO/Fixtures/fuzz/$t")
  log=$OUT/fuzz-$t.log
  # -timeout: one input may take at most 10 s (a hang is a failure); -rss_limit_mb/-malloc_limit_mb:
  # an allocation a hostile input can force beyond 1 GiB is a failure too.
  if "$OUT/bin/fuzz-$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" "${dirs[@]}" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz $t: ok, $runs inputs in ${SECONDS_EACH}s, $cov, corpus $(ls "$corpus" | wc -l)"
  else
    echo "fuzz $t: FAILED, see $log; inputs kept in $crashes/" >&2
    grep -E 'ERROR|SUMMARY|Fatal error|deadly signal|Test unit written' "$log" | head -8 >&2 || true
    failed+=("$t")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
