#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each: first it replays the saved
# crashers (fuzz/crashers/<target>/), then fuzzes from seeds made from the test captures
# (tests/data/pcaps/pcapplusplus; RIPTIDE_PCAPS=DIR reads another set)
# and those kept in fuzz/corpus/<target>/.
# A new crash fails the run and leaves the input in build dir's crash-* files.
set -euo pipefail
BUILD=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
SECONDS_EACH=${2:-60}
cd "$(dirname "$0")/.."
PCAPS=${RIPTIDE_PCAPS:-$PWD/tests/data/pcaps/pcapplusplus}
shopt -s nullglob
status=0
for bin in "$BUILD"/fuzz/fuzz_*; do
  [[ -x $bin ]] || continue
  name=$(basename "$bin"); target=${name#fuzz_}
  corpus="$BUILD/corpus/$target"; mkdir -p "$corpus"
  if [[ -x fuzz/seeds_$target.sh ]]; then
    "fuzz/seeds_$target.sh" "$PCAPS" "$corpus"
  elif [[ -f fuzz/make_${target}_seeds.py ]]; then
    python3 "fuzz/make_${target}_seeds.py" "$corpus" "$PCAPS" >/dev/null  # (out, src)
  fi
  # Hand-written seeds (fuzz/corpus/<target>/) for inputs no capture file provides.
  for seed in fuzz/corpus/$target/*; do [[ -f $seed ]] && cp -f "$seed" "$corpus/"; done
  crashers=(fuzz/crashers/$target/*)
  crashers=("${crashers[@]/*\/.keep}")
  for c in "${crashers[@]}"; do
    [[ -f $c ]] || continue
    "$bin" "$c" >/dev/null 2>&1 || { echo "fuzz: saved crasher $c still fails $name"; status=1; }
  done
  echo "fuzz: $name for ${SECONDS_EACH}s (corpus $(ls "$corpus" | wc -l) files, ${#crashers[@]} crashers replayed)"
  (cd "$BUILD" && "$OLDPWD/$bin" -max_total_time="$SECONDS_EACH" -max_len=300000 -rss_limit_mb=2048 \
      -print_final_stats=1 "$OLDPWD/$corpus" 2>&1 | tail -n 12) || { echo "fuzz: $name found a crash"; status=1; }
done
exit $status
