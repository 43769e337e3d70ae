#!/usr/bin/env bash
# CPU per captured packet at a fixed, sustainable rate, and CPU burnt while idle.
#
# bench_live.sh sends at the generator's ceiling, where every tool's share of a CPU also
# depends on how much the sender slows down; here the generator is paced (RATE pps), so every
# tool sees the same packets and the figure is CPU time per packet at that rate. CPU time is
# read from /proc/PID/task/*/schedstat (nanoseconds on CPU, every thread), not from the 10 ms
# utime/stime ticks, over the traffic window only (start-up and exit are not counted).
#
# Idle: the capture runs IDLE_SECS with no traffic at all; the figure is its CPU per second
# (a capture that wakes up for nothing costs its users even when there is no traffic).
#
# usage: sudo scripts/bench_cpu.sh [repetitions]
#   BUILD / RIPTIDE   the riptide binary (default $BUILD/apps/riptide)
#   RATE=100000 SIZE=200 FLOWS=1000 SECS=10 IDLE_SECS=10 TOOLS="riptide tcpdump softflowd"
#   RIPTIDE_ARGS      extra arguments for riptide capture (default none: the flow meter, workers)
#   TCPDUMP_W, TCPDUMP_ARGS  tcpdump's -w file (default /dev/null) and extra arguments (e.g. -C 50 -W 4)
set -euo pipefail
REPS=${1:-3}
RATE=${RATE:-100000}
SIZE=${SIZE:-200}
FLOWS=${FLOWS:-1000}
SECS=${SECS:-10}
IDLE_SECS=${IDLE_SECS:-10}
read -r -a TOOLS <<<"${TOOLS:-riptide tcpdump softflowd}"
read -r -a RIPTIDE_ARGS <<<"${RIPTIDE_ARGS:-}"
read -r -a TCPDUMP_ARGS <<<"${TCPDUMP_ARGS:-}"
source "$(dirname "$0")/bench_common.sh"
bench_require taskset python3
for t in "${TOOLS[@]}"; do
  case $t in
    riptide) ;;
    tcpdump | netsniff-ng) bench_require "$t" ;;
    softflowd) bench_require softflowd ;;
    *) echo "$0: unknown tool '$t'" >&2; exit 2 ;;
  esac
done
bench_setup

# "comm nanoseconds" for every thread of PID, summed by thread name (riptide names its threads:
# rt-cap0.. capture, rt-pcapout and rt-flowout outputs, rt-worker*, rt-offload, rt-tx).
cpu_by_thread() {
  local t comm v
  for t in /proc/"$1"/task/*; do
    read -r v _ < "$t/schedstat" 2>/dev/null || continue
    read -r comm < "$t/comm" 2>/dev/null || continue
    echo "$comm $v"
  done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}

start_tool() {  # start_tool NAME: starts it pinned to the capture CPU, sets CAP_PID
  local name=$1 out="$TMP/$1.out" err="$TMP/$1.err"
  case $name in
    riptide)
      taskset -c "$CAP_CPU" "$RIPTIDE" capture -i "$HOST" --cpus "$CAP_CPU" -q "${RIPTIDE_ARGS[@]}" \
        --stats-json "$TMP/stats.json" >"$out" 2>"$err" &
      CAP_PID=$! ;;
    tcpdump)
      taskset -c "$CAP_CPU" tcpdump -n -i "$HOST" -w "${TCPDUMP_W:-/dev/null}" "${TCPDUMP_ARGS[@]}" >"$out" 2>"$err" &
      CAP_PID=$! ;;
    netsniff-ng)
      taskset -c "$CAP_CPU" netsniff-ng --in "$HOST" --out /dev/null --silent --notouch-irq >"$out" 2>"$err" &
      CAP_PID=$! ;;
    softflowd)
      taskset -c "$CAP_CPU" softflowd -i "$HOST" -n 127.0.0.1:9 -d -m 65536 -c "$TMP/sf.ctl" -p "$TMP/sf.pid" \
        >"$out" 2>"$err" &
      CAP_PID=$! ;;
  esac
  wait_capture_ready "$name" "$err"
}

declare -A NSPP IDLE
echo "# bench_cpu: $SIZE B frames, $FLOWS flows, $RATE pps for $SECS s; gen CPU $GEN_CPU, capture CPU $CAP_CPU; $REPS repetitions"
echo "# kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for ((r = 1; r <= REPS; r++)); do
  for t in "${TOOLS[@]}"; do
    start_tool "$t" || continue
    c0=$(cpu_ns "$CAP_PID")
    t0=$(cpu_by_thread "$CAP_PID")
    j=$(gen --rate "$RATE" --duration "$SECS" --size "$SIZE" --flows "$FLOWS")
    sleep 0.2  # the last block reaches the tool on its timeout
    c1=$(cpu_ns "$CAP_PID")
    t1=$(cpu_by_thread "$CAP_PID")
    stop_capture
    sent=$(json_field "$j" sent)
    pps=$(json_field "$j" pps)
    nspp=$(awk -v d=$((c1 - c0)) -v n="$sent" 'BEGIN { printf "%.0f", n ? d / n : 0 }')
    cap=""
    [ "$t" = riptide ] && cap=$(json_field "$(tail -n1 "$TMP/stats.json")" captured)
    [ "$t" = tcpdump ] && cap=$(awk '/packets captured/ { print $1 }' "$TMP/tcpdump.err")
    echo "rep $r  $t  achieved $pps pps  sent $sent  captured ${cap:-n/a}  cpu $(((c1 - c0) / 1000000)) ms  $nspp ns/pkt"
    NSPP[$t]+="$nspp"$'\n'
    if [ "$t" = riptide ]; then  # where riptide's CPU went, per thread name, ns per packet sent
      echo "  per thread: $(join <(echo "$t0") <(echo "$t1") | awk -v n="$sent" \
        'n > 0 { printf "%s %.1f  ", $1, ($3 - $2) / n }')"
    fi
  done
  if [[ " ${TOOLS[*]} " == *" riptide "* ]] && [ "$IDLE_SECS" -gt 0 ]; then
    start_tool riptide || continue
    c0=$(cpu_ns "$CAP_PID")
    sleep "$IDLE_SECS"
    c1=$(cpu_ns "$CAP_PID")
    stop_capture
    idle=$(awk -v d=$((c1 - c0)) -v s="$IDLE_SECS" 'BEGIN { printf "%.2f", d / s / 1e6 }')
    echo "rep $r  riptide idle  $idle ms CPU per second"
    IDLE[riptide]+="$idle"$'\n'
  fi
done

echo
echo "| tool | CPU ns/pkt (median of $REPS) | vs tcpdump |"
echo "|---|---:|---:|"
base=$(printf '%s' "${NSPP[tcpdump]:-}" | median)
for t in "${TOOLS[@]}"; do
  ns=$(printf '%s' "${NSPP[$t]:-}" | median)
  ratio=$(awk -v a="$ns" -v b="$base" 'BEGIN { if (b + 0 > 0 && a != "n/a") printf "%.2fx", a / b; else print "n/a" }')
  echo "| $t | $ns | $ratio |"
done
[ -n "${IDLE[riptide]:-}" ] && echo && echo "riptide idle: $(printf '%s' "${IDLE[riptide]}" | median) ms of CPU per second (median)"
