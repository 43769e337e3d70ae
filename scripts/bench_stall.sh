#!/usr/bin/env bash
# The user's failure, reproduced: 200 B frames at 350 kpps for ~3 s, and ~1 s into the
# stream the capture process is frozen (SIGSTOP) for 250 ms, then resumed. A tool whose
# ring cannot hold 250 ms of traffic loses packets; riptide's default ring is sized for it.
#
# Generator: riptide gen in a private namespace, pinned to CPU $GEN_CPU, frames carrying
# sequence numbers. Capture tool: pinned to CPU $CAP_CPU on the host side of the veth.
# Tools: riptide capture (defaults), tcpdump -w /dev/null (default -B), tcpdump -B 65536,
# netsniff-ng --out /dev/null. Sent = the generator's count; captured and dropped = what
# each tool reports; loss = (sent - captured) / sent.
#
# usage: sudo scripts/bench_stall.sh [repetitions]     (BUILD=<build dir>, default build-e2e)
set -euo pipefail
REPS=${1:-3}
RATE=${RATE:-350000}
SECS=${SECS:-3}
SIZE=${SIZE:-200}
STALL=${STALL:-0.25}
source "$(dirname "$0")/bench_common.sh"
bench_require tcpdump netsniff-ng taskset python3
bench_setup

# run_tool NAME: starts the tool, runs the stalled stream, writes "sent captured dropped" to $TMP/result.
run_tool() {
  local name=$1 out="$TMP/$1.out" err="$TMP/$1.err" ready
  case $name in
    riptide)
      taskset -c "$CAP_CPU" "$RIPTIDE" capture -i "$HOST" --cpus "$CAP_CPU" --stats-json "$TMP/stats.json" \
        >"$out" 2>"$err" &
      ready="riptide: input" ;;
    tcpdump)
      taskset -c "$CAP_CPU" tcpdump -n -i "$HOST" -w /dev/null >"$out" 2>"$err" &
      ready="listening on" ;;
    tcpdump-B65536)
      taskset -c "$CAP_CPU" tcpdump -n -B 65536 -i "$HOST" -w /dev/null >"$out" 2>"$err" &
      ready="listening on" ;;
    netsniff-ng)
      taskset -c "$CAP_CPU" netsniff-ng --in "$HOST" --out /dev/null --silent --notouch-irq >"$out" 2>"$err" &
      ready="Running" ;;
  esac
  CAP_PID=$!
  if ! wait_text "$err" "$ready" 20 && ! wait_text "$out" "$ready" 1; then
    echo "bench_stall: $name did not start: $(head -c 300 "$err")" >&2
    stop_capture
    echo "0 0 0" >"$TMP/result"
    return
  fi
  [ "$name" = riptide ] && cp "$err" "$TMP/riptide-banner.txt"
  gen --rate "$RATE" --duration "$SECS" --size "$SIZE" --flows 100 >"$TMP/gen.json" &
  local gpid=$!
  sleep 1
  kill -STOP "$CAP_PID"
  sleep "$STALL"
  kill -CONT "$CAP_PID"
  wait "$gpid"
  sleep 0.5
  stop_capture
  local sent captured dropped
  sent=$(json_field "$(cat "$TMP/gen.json")" sent)
  case $name in
    riptide)
      captured=$(json_field "$(tail -n1 "$TMP/stats.json")" captured)
      dropped=$(json_field "$(tail -n1 "$TMP/stats.json")" kernel_drops)
      cp "$err" "$TMP/riptide-report.txt" ;;
    tcpdump*)
      captured=$(awk '/packets captured/ { print $1 }' "$err")
      dropped=$(awk '/packets dropped by kernel/ { print $1 }' "$err") ;;
    netsniff-ng)
      # Its exit summary: "N packets incoming (U unread on exit)", "N packets passed filter",
      # "N packets failed filter (out of space)".
      captured=$(cat "$out" "$err" | tr '\r' '\n' | awk '/packets passed filter/ { print $1 }' | tail -n1)
      dropped=$(cat "$out" "$err" | tr '\r' '\n' | awk '/failed filter/ { print $1 }' | tail -n1) ;;
  esac
  { echo "--- $name"; cat "$err"; } >>"$TMP/raw.txt"
  echo "${sent:-0} ${captured:-0} ${dropped:-0}" >"$TMP/result"
}

TOOLS=(riptide tcpdump tcpdump-B65536 netsniff-ng)
declare -A ROWS
echo "# bench_stall: ${SIZE} B at ${RATE} pps for ${SECS} s, capture SIGSTOPped ${STALL} s at ~1 s; gen CPU $GEN_CPU, capture CPU $CAP_CPU"
echo "# kernel $(uname -r), $(date -u +%FT%TZ)"
for ((r = 1; r <= REPS; r++)); do
  for t in "${TOOLS[@]}"; do
    run_tool "$t"
    read -r sent captured dropped <"$TMP/result"
    loss=$(awk -v s="$sent" -v c="$captured" 'BEGIN { l = s ? (s - c) * 100 / s : 0; if (l < 0) l = 0; printf "%.3f", l }')
    echo "rep $r  $t  sent $sent  captured $captured  dropped $dropped  loss% $loss"
    ROWS[$t]+="$sent $captured $dropped $loss"$'\n'
  done
done

echo
echo "| tool | sent | captured | dropped | loss % |"
echo "|---|---:|---:|---:|---:|"
for t in "${TOOLS[@]}"; do
  # Median by loss: the row of the median repetition, so the figures stay consistent.
  row=$(printf '%s' "${ROWS[$t]}" | sort -k4,4g | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }')
  read -r sent captured dropped loss <<<"$row"
  echo "| $t | $sent | $captured | $dropped | $loss |"
done
echo
echo "(median of $REPS repetitions, by loss)"

echo
echo "riptide banner (default settings):"
cat "$TMP/riptide-banner.txt"
plan=$(grep -i "ring" "$TMP/riptide-banner.txt" | head -n1)
python3 - "$plan" <<'PY'
import re, sys
line = sys.argv[1]
# The banner must promise the default ring rides out >= 250 ms at 1 Mpps of 200 B within ~256 MiB.
total = re.search(r'= ([\d.]+) (KiB|MiB|GiB): holds', line)
mib = float(total.group(1)) * {'KiB': 1 / 1024, 'MiB': 1, 'GiB': 1024}[total.group(2)] if total else 1e9
ms = re.search(r'= ([\d.]+) ms at ([\d.]+) Mpps', line)
size = re.search(r'packets of (\d+) B', line)
ok = bool(ms and float(ms.group(1)) >= 250 and float(ms.group(2)) >= 1.0 and mib <= 260 and size and int(size.group(1)) >= 200)
print("banner check (>= 250 ms at >= 1 Mpps of 200 B within ~256 MiB):", "PASS" if ok else "FAIL")
print("  " + line)
PY
echo
echo "riptide report of the last repetition:"
cat "$TMP/riptide-report.txt" | grep -v '^\[' || true
echo
echo "raw tool outputs:"
cat "$TMP/raw.txt" | grep -v '^\[ ' | tr '\r' '\n' | grep -v '^$' || true
