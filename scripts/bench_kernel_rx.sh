#!/usr/bin/env bash
# The kernel's share of capturing a packet (k in docs/DEPLOYMENT.md, "Sizing"): what the receive
# path costs before riptide's ring, measured where it runs.
#
# On a veth pair the receive path (netif_receive, the packet socket's tpacket_rcv copy into the
# ring, the block retirement and wake-up) runs in softirq on the sender's CPU, not on the
# capture CPU. So the generator's CPU is read twice at the same paced rate: with no capture
# socket on the interface, then with riptide capturing it; the difference per packet is the
# cost the capture adds in the kernel. riptide's own CPU (every thread, schedstat) is shown
# beside it. On a real NIC the same cost lands on the cores that take its interrupts.
#
# usage: sudo scripts/bench_kernel_rx.sh [repetitions]
#   BUILD / RIPTIDE, RATE=100000 SIZE=200 FLOWS=1000 SECS=10, RIPTIDE_ARGS (extra capture args)
set -euo pipefail
REPS=${1:-3}
RATE=${RATE:-100000}
SIZE=${SIZE:-200}
FLOWS=${FLOWS:-1000}
SECS=${SECS:-10}
read -r -a RIPTIDE_ARGS <<<"${RIPTIDE_ARGS:-}"
source "$(dirname "$0")/bench_common.sh"
bench_require taskset python3
bench_setup

HZ=$(getconf CLK_TCK)
cpu_busy_ns() {  # softirq time of CPU $1, nanoseconds (the generator spins between packets: its busy time says nothing)
  awk -v c="cpu$1" -v hz="$HZ" '$1 == c { printf "%.0f", $8 * 1e9 / hz }' /proc/stat
}
sched_ns() {  # nanoseconds on CPU of every thread of PID
  local t v total=0
  for t in /proc/"$1"/task/*; do read -r v _ < "$t/schedstat" 2>/dev/null && total=$((total + v)); done
  echo "$total"
}

echo "# bench_kernel_rx: $SIZE B, $FLOWS flows, $RATE pps for $SECS s; gen CPU $GEN_CPU, capture CPU $CAP_CPU"
echo "# kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
declare -a WITHOUT WITH OWN
for ((r = 1; r <= REPS; r++)); do
  a=$(cpu_busy_ns "$GEN_CPU")
  j=$(gen --rate "$RATE" --duration "$SECS" --size "$SIZE" --flows "$FLOWS")
  b=$(cpu_busy_ns "$GEN_CPU")
  n=$(json_field "$j" sent)
  without=$(awk -v d=$((b - a)) -v n="$n" 'BEGIN { printf "%.0f", d / n }')

  taskset -c "$CAP_CPU" "$RIPTIDE" capture -i "$HOST" --cpus "$CAP_CPU" -q "${RIPTIDE_ARGS[@]}" \
    --stats-json "$TMP/stats.json" >"$TMP/rt.out" 2>"$TMP/rt.err" &
  CAP_PID=$!
  wait_text "$TMP/rt.err" "capturing" 10 || sleep 2
  sleep 1
  a=$(cpu_busy_ns "$GEN_CPU")
  s0=$(sched_ns "$CAP_PID")
  j=$(gen --rate "$RATE" --duration "$SECS" --size "$SIZE" --flows "$FLOWS")
  sleep 0.2
  b=$(cpu_busy_ns "$GEN_CPU")
  s1=$(sched_ns "$CAP_PID")
  kill -INT "$CAP_PID"; wait "$CAP_PID" || true; CAP_PID=
  n2=$(json_field "$j" sent)
  cap=$(json_field "$(tail -n1 "$TMP/stats.json")" captured)
  with=$(awk -v d=$((b - a)) -v n="$n2" 'BEGIN { printf "%.0f", d / n }')
  own=$(awk -v d=$((s1 - s0)) -v n="$n2" 'BEGIN { printf "%.0f", d / n }')
  echo "rep $r  generator CPU: $without ns/pkt without a capture, $with with riptide (k = $((with - without)))  riptide $own ns/pkt  sent $n2 captured $cap"
  WITHOUT+=("$without"); WITH+=("$with"); OWN+=("$own")
done
k=$(for ((i = 0; i < REPS; i++)); do echo $((WITH[i] - WITHOUT[i])); done | median)
echo
echo "kernel receive path added by the capture, k (median of $REPS): $k ns/pkt; riptide itself: $(printf '%s\n' "${OWN[@]}" | median) ns/pkt"
