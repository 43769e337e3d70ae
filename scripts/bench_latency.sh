#!/usr/bin/env bash
# Latency of live capture, two figures, each from the send stamp riptide gen writes into
# every frame (CLOCK_REALTIME when its batch was built):
#   wire to kernel:   the kernel's receive timestamp of the packet minus the send stamp. It
#                     stops at the kernel: the wait in a part-filled ring block is not in it.
#   wire to analyzer: the wall clock when the analyzer is handed the packet minus the send
#                     stamp. This is what an analyzer lives with: it includes the wait for
#                     the ring block to be handed over (full, or its block timeout).
# Both come from riptide capture --seq-check (histograms, p50/p99/max), at 1k, 100k and 350k
# packets/s of 200 B frames, with the default block timeout (10 ms: seq_check asks for it)
# and with --block-timeout 1. Lost: frames the generator sent that seq_check never saw (and
# riptide's kernel and worker-queue drops). "sent pkts/s" is what the generator reached: on a
# loaded machine it can fall short of the rate asked for.
#
# The generator sends batches (64 frames per send call by default), so at 1k packets/s it
# would send a burst of 64 every 64 ms; below 10k packets/s it sends one frame per call, so
# the frames are evenly spaced as light traffic is.
#
# Topology (bench_common.sh): riptide gen in a private namespace on one end of a veth pair,
# pinned to CPU 0; riptide capture on the other end, pinned to CPU 1, with the flow meter (its
# default) and seq_check. The pair and the namespace are removed on exit, error or Ctrl-C.
#
# usage: sudo scripts/bench_latency.sh            (BUILD=<build dir>, SECS per run, RATES,
#                                                   TIMEOUTS="default 1", FLOWS)
set -euo pipefail
SECS=${SECS:-5}
RATES=${RATES:-"1000 100000 350000"}
TIMEOUTS=${TIMEOUTS:-"default 1"}
FLOWS=${FLOWS:-100}
SIZE=200
# Names of our own, so that other benchmark runs on the machine are not disturbed.
NS=${NS:-rtlat$$}
HOST_IF=${HOST_IF:-rtlat$$h}
PEER_IF=${PEER_IF:-rtlat$$p}
source "$(dirname "$0")/bench_common.sh"
bench_require taskset python3
bench_setup

run_one() {  # run_one RATE TIMEOUT: prints one table row
  local rate=$1 timeout=$2 batch=64
  local -a bt=()
  [ "$timeout" != default ] && bt=(--block-timeout "$timeout")
  [ "$rate" -lt 10000 ] && batch=1
  rm -f "$TMP/seq.json" "$TMP/stats.json"
  taskset -c "$CAP_CPU" "$RIPTIDE" capture -i "$HOST" --cpus "$CAP_CPU" --avg-frame "$SIZE" -q \
    --seq-check "$TMP/seq.json" --stats-json "$TMP/stats.json" "${bt[@]}" >"$TMP/cap.out" 2>"$TMP/cap.err" &
  CAP_PID=$!
  # Ready when one of its own sockets is a bound packet socket (/proc/net/packet, by inode):
  # other programs' packet sockets and its own transmit socket (protocol 0) do not count;
  # frames sent before that would be missed.
  local i ready=0
  for ((i = 0; i < 400 && !ready; i++)); do
    kill -0 "$CAP_PID" 2>/dev/null || break
    for ino in $(find /proc/"$CAP_PID"/fd -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n'); do
      awk -v ino="$ino" 'NR > 1 && $9 == ino && $4 != "0000" && $5 != 0 { f = 1 } END { exit !f }' /proc/net/packet && ready=1
    done
    [ "$ready" = 1 ] || sleep 0.05
  done
  [ "$ready" = 1 ] || { echo "bench_latency: capture did not start: $(head -c 300 "$TMP/cap.err")" >&2; exit 1; }
  sleep 0.2  # the ring keeps frames anyway; this keeps the thread's start-up out of the latency
  local g
  g=$(gen --rate "$rate" --duration "$SECS" --size "$SIZE" --flows "$FLOWS" --batch "$batch")
  # The last part-filled block is handed over within one block timeout; then stop.
  sleep 0.3
  stop_capture
  [ -s "$TMP/seq.json" ] || { echo "bench_latency: no seq-check output: $(head -c 300 "$TMP/cap.err")" >&2; exit 1; }
  [ -n "${KEEP:-}" ] && { echo "gen: $g"; echo "seq: $(cat "$TMP/seq.json")"; echo "stats: $(tail -n1 "$TMP/stats.json")"; } >&2
  python3 - "$rate" "$timeout" "$batch" "$g" "$TMP/seq.json" "$TMP/stats.json" <<'PY'
import json, sys
rate, timeout, batch, g = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
q = json.loads(open(sys.argv[5]).read())
lines = open(sys.argv[6]).read().strip().splitlines()
s = json.loads(lines[-1]) if lines else {}
k, a = q["wire_to_kernel_ns"], q["wire_to_analyzer_ns"]
us = lambda v: f"{v / 1e3:.0f}"
ms = lambda v: f"{v / 1e6:.2f}"
sent = g["sent"]
missing = sent - q["unique"]
drops = s.get("kernel_drops", 0) + s.get("worker_queue_drops", 0)
bt = "10 (default)" if timeout == "default" else timeout
print(f"| {int(rate):>7,} | {bt:>12} | {batch:>5} | {us(k['p50']):>6} | {us(k['p99']):>6} | {ms(k['max']):>7} "
      f"| {ms(a['p50']):>6} | {ms(a['p99']):>6} | {ms(a['max']):>7} | {g['pps']:>9,.0f} | {missing:>6} ({drops} drops) |")
PY
}

echo "bench_latency: $HOST <-> $NS/$PEER; riptide gen on CPU $GEN_CPU, riptide capture on CPU $CAP_CPU; $SIZE B frames, $FLOWS flows, ${SECS} s per run"
echo "| pkts/s | block timeout ms | batch | wire to kernel p50 us | p99 us | max ms | wire to analyzer p50 ms | p99 ms | max ms | sent pkts/s | lost |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in $TIMEOUTS; do
  for r in $RATES; do
    run_one "$r" "$t"
  done
done
