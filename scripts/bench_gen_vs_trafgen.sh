#!/usr/bin/env bash
# Ceiling of `riptide gen --max-rate` against trafgen (netsniff-ng) on the same veth pair,
# same run, both pinned to one CPU with taskset. Frames go out of the host side of a private
# veth pair whose peer sits in a namespace this script creates; nothing else is touched, and
# the pair and namespace are removed on exit, error or Ctrl-C.
#
# Rates are measured the same way for every tool: the host veth's tx_packets counter over
# the run, divided by the wall time of the run (start-up included, identical for all).
#
# usage: sudo scripts/bench_gen_vs_trafgen.sh [seconds_per_run] [repetitions]
#   RIPTIDE_GEN  command that runs the generator (default: "<build>/apps/riptide gen")
#   BUILD        build directory (default: build-gen next to this script's repo)
#   CPU          CPU to pin every sender to (default 0)
set -euo pipefail

SECS=${1:-5}
REPS=${2:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$HERE/build-gen}
RIPTIDE_GEN=${RIPTIDE_GEN:-"$BUILD/apps/riptide gen"}
CPU=${CPU:-0}
NS=rtbenchgen
HOST=rtbgh
PEER=rtbgp
TMP=$(mktemp -d)

cleanup() {
  ip link del "$HOST" >/dev/null 2>&1 || true
  ip netns del "$NS" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || { echo "bench_gen_vs_trafgen: needs root (veth, namespace, raw sockets)" >&2; exit 2; }
command -v trafgen >/dev/null || { echo "bench_gen_vs_trafgen: trafgen not found (netsniff-ng)" >&2; exit 2; }

cleanup
mkdir -p "$TMP"
ip netns add "$NS"
ip link add "$HOST" type veth peer name "$PEER"
ip link set "$PEER" netns "$NS"
sysctl -qw "net.ipv6.conf.$HOST.disable_ipv6=1"
ip link set "$HOST" up
ip netns exec "$NS" ip link set "$PEER" up

# trafgen config: the same Ethernet/IPv4/UDP headers riptide sends, zero-padded to SIZE bytes
# (no FCS), so both tools hand the kernel identical frame lengths.
trafgen_cfg() {
  local size=$1 pad=$(( $1 - 42 ))
  cat > "$TMP/f$size.cfg" <<CFG
{
  eth(da=02:52:54:00:00:02, sa=02:52:54:00:00:01),
  ipv4(sa=198.18.0.1, da=198.19.0.1, ttl=64, df),
  udp(sp=1024, dp=9),
  fill(0x00, $pad)
}
CFG
  echo "$TMP/f$size.cfg"
}

tx_packets() { cat "/sys/class/net/$HOST/statistics/tx_packets"; }

# run_one CMD...: prints the achieved pps of one timed run
run_one() {
  local before after t0 t1
  before=$(tx_packets)
  t0=$(date +%s.%N)
  timeout -s INT "$((SECS + 2))" taskset -c "$CPU" "$@" >/dev/null 2>"$TMP/err" || true
  t1=$(date +%s.%N)
  after=$(tx_packets)
  awk -v p=$((after - before)) -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", p / (b - a) }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A VALS RESULT
TOOLS=("riptide-sendmmsg" "riptide-tx_ring" "trafgen-tx_ring" "trafgen-sendto")
# Repetitions interleave the tools, so a change of background load hits them all alike.
for ((r = 0; r < REPS; r++)); do
  for size in 64 200; do
    cfg=$(trafgen_cfg "$size")
    for tool in "${TOOLS[@]}"; do
      case $tool in
        riptide-sendmmsg) v=$(run_one $RIPTIDE_GEN -i "$HOST" --max-rate --duration "$SECS" --size "$size" --method sendmmsg) ;;
        riptide-tx_ring)  v=$(run_one $RIPTIDE_GEN -i "$HOST" --max-rate --duration "$SECS" --size "$size" --method tx_ring) ;;
        # trafgen has no duration flag: timeout stops it with SIGINT, on which it exits cleanly.
        trafgen-tx_ring)  v=$(run_one timeout -s INT "$SECS" trafgen -o "$HOST" -i "$cfg" -P 1) ;;
        trafgen-sendto)   v=$(run_one timeout -s INT "$SECS" trafgen -o "$HOST" -i "$cfg" -P 1 -t 0) ;;
      esac
      VALS["$tool,$size"]="${VALS["$tool,$size"]:-} $v"
      echo "  rep $r $tool ${size}B: $v pps" >&2
    done
  done
done
for key in "${!VALS[@]}"; do
  RESULT[$key]=$(printf '%s\n' ${VALS[$key]} | median)
done

echo
echo "generator ceiling on veth, pinned to CPU $CPU, ${SECS}s runs, median of $REPS (pps; frame bytes without FCS)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-18s %12s %12s\n' tool "64 B" "200 B"
for tool in "${TOOLS[@]}"; do
  printf '%-18s %12s %12s\n' "$tool" "${RESULT[$tool,64]}" "${RESULT[$tool,200]}"
done
