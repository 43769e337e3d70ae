#!/usr/bin/env bash
# The user's program on riptide, live (issue 16's figures), in a namespace of its own:
#
#   latency [example|reporter]  the time from the end of a period to its summary frame on the
#       wire: examples/source_bytes (a 1 s period, its calculation on the pool, one UDP frame)
#       or the built-in reporter (--report-period PERIOD, one EtherType 0x88B5 frame). The
#       peer in the namespace stamps each frame's arrival in the kernel (SO_TIMESTAMPNS) and
#       scripts/bench_period_rx.py sets it against the end of the frame's period: p50, p99
#       and max over PERIODS periods, and whether any period had more than one frame.
#   cpu  CPU per packet of the riptide process (every thread, /proc/PID/task/*/schedstat, over
#       the traffic window only, as bench_cpu.sh) for each of CONFIGS: "flow" (the flow meter
#       alone, riptide capture's default), "example0" (the example alone, its calculation
#       set to 0 ms: the packet path), "example" (the example as shipped, 300 ms of CPU per
#       second on the pool).
#
# Traffic: riptide gen pinned to GEN_CPU (0) in the namespace, RATE pps of SIZE B; riptide
# capture --threads THREADS pinned to CAP_CPU (1) on the host side, which has an IPv4
# address so the example can send UDP to the peer's. Everything is removed on exit, error or
# Ctrl-C.
#
# usage: sudo scripts/bench_period_latency.sh latency [example|reporter]
#        sudo scripts/bench_period_latency.sh cpu
#   BUILD / RIPTIDE   the build tree / binary (default build/release)
#   SOURCE_BYTES_SO   the example plugin (default: compiled from examples/source_bytes here)
#   RATE=350000 SIZE=200 FLOWS=1000 THREADS=2 PERIODS=20 PERIOD=1 (reporter, s) SECS=10 (cpu)
#   CPU_MS=300 (the example's calculation, latency mode) CONFIGS="flow example0 example"
#   REPORTER_ARGS     riptide's arguments for the reporter (default: --analyzer reporter
#                     --report-period PERIOD --report-transport ethertype)
#   RIPTIDE_NET_TAG   names the namespace and links rt<TAG>lat{ns,h,p} (default py)
#   NET=198.19.77     the /30 of the pair: host NET.1, peer NET.2
set -euo pipefail
MODE=${1:-}
WHAT=${2:-example}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$ROOT/build/release}
RATE=${RATE:-350000}
SIZE=${SIZE:-200}
FLOWS=${FLOWS:-1000}
THREADS=${THREADS:-2}
PERIODS=${PERIODS:-20}
PERIOD=${PERIOD:-1}
SECS=${SECS:-10}
CPU_MS=${CPU_MS:-300}
NET=${NET:-198.19.77}
PORT=47200
read -r -a CONFIGS <<<"${CONFIGS:-flow example0 example}"
TAG=${RIPTIDE_NET_TAG:-py}
export NS=rt${TAG}latns HOST_IF=rt${TAG}lath PEER_IF=rt${TAG}latp
case "$MODE:$WHAT" in
  latency:example | latency:reporter | cpu:*) ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
esac
source "$ROOT/scripts/bench_common.sh"
bench_require taskset python3 "${CXX:-c++}"

RX_PID=
GEN_PID=
cleanup() {
  local p
  for p in $RX_PID $GEN_PID; do kill -KILL "$p" 2>/dev/null || true; done
  bench_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The example as a plugin: its two files as shipped, compiled against this tree's headers and
# linked with its static libraries, as its own CMakeLists.txt does against an install (what
# the plugin calls and the riptide binary does not contain comes from them).
plugin() {
  if [ -n "${SOURCE_BYTES_SO:-}" ]; then echo "$SOURCE_BYTES_SO"; return; fi
  "${CXX:-c++}" -std=c++20 -O2 -fPIC -shared -I"$ROOT/include" "$ROOT/examples/source_bytes/plugin.cpp" \
    "$ROOT/examples/source_bytes/source_bytes.cpp" -Wl,--start-group "$BUILD"/libriptide_*.a -Wl,--end-group \
    -o "$TMP/libsource_bytes.so" 2>"$TMP/sb.log" ||
    { echo "$0: building examples/source_bytes failed: $(head -n5 "$TMP/sb.log")" >&2; exit 1; }
  echo "$TMP/libsource_bytes.so"
}

setup() {
  bench_setup
  trap cleanup EXIT
  ip addr add "$NET.1/30" dev "$HOST"
  ip netns exec "$NS" ip addr add "$NET.2/30" dev "$PEER"
}

# start_riptide settle|nosettle ARGS...: riptide capture pinned to CAP_CPU, sets CAP_PID. The
# example burns its calculation's CPU every second, traffic or not: no waiting for quiet.
start_riptide() {
  local settle=$1
  rm -f "$TMP/stats.json"
  shift
  taskset -c "$CAP_CPU" "$RIPTIDE" capture -i "$HOST" --threads "$THREADS" -q --stats-json "$TMP/stats.json" "$@" \
    >"$TMP/riptide.out" 2>"$TMP/riptide.err" &
  CAP_PID=$!
  wait_capture_ready riptide "$TMP/riptide.err" "$settle" || true
  [ -n "$CAP_PID" ] || exit 1
}

stats_field() {  # a figure of riptide's --stats-json, n/a when it wrote none (killed at stop)
  if [ -s "$TMP/stats.json" ]; then json_field "$(tail -n1 "$TMP/stats.json")" "$1"; else echo n/a; fi
}

echo "# bench_period_latency $MODE${2:+ $WHAT}: $SIZE B at $RATE pps, $FLOWS flows, --threads $THREADS; gen CPU $GEN_CPU, capture CPU $CAP_CPU"
echo "# kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

if [ "$MODE" = latency ]; then
  if [ "$WHAT" = example ]; then
    so=$(plugin)
    period=1
    args=(--plugin "$so:$NET.2:$PORT:$CPU_MS")
    rx=(--mode example --port "$PORT")
  else
    period=$PERIOD
    read -r -a args <<<"${REPORTER_ARGS:---analyzer reporter --report-period $PERIOD --report-transport ethertype}"
    rx=(--mode summary --iface "$PEER_IF" --period "$PERIOD")
  fi
  setup
  # First frame left out, a period of margin at each end.
  secs=$(awk -v n="$PERIODS" -v p="$period" 'BEGIN { printf "%d", (n + 3) * p + 1 }')
  ip netns exec "$NS" python3 "$ROOT/scripts/bench_period_rx.py" "${rx[@]}" --frames "$PERIODS" \
    --timeout $((secs + 30)) --out "$TMP/latency.txt" --ready "$TMP/rx.ready" >"$TMP/rx.out" 2>&1 &
  RX_PID=$!
  for ((i = 0; i < 200; i++)); do [ -e "$TMP/rx.ready" ] && break; sleep 0.05; done
  [ -e "$TMP/rx.ready" ] || { echo "$0: the receiver did not start: $(cat "$TMP/rx.out")" >&2; exit 1; }
  start_riptide nosettle "${args[@]}"
  # Not through gen(): $! must be riptide gen itself (ip netns exec execs it) to stop it by id.
  ip netns exec "$NS" "$RIPTIDE" gen -i "$PEER" --cpu "$GEN_CPU" --json --rate "$RATE" --duration "$secs" \
    --size "$SIZE" --flows "$FLOWS" >"$TMP/gen.json" &
  GEN_PID=$!
  rc=0
  wait "$RX_PID" || rc=$?
  RX_PID=
  kill -INT "$GEN_PID" 2>/dev/null || true
  wait "$GEN_PID" 2>/dev/null || true
  GEN_PID=
  stop_capture
  echo "receiver: $(tail -n1 "$TMP/rx.out")"
  echo "riptide: captured $(stats_field captured), ring drops $(stats_field kernel_drops), ledger balanced $(stats_field ledger_balanced)"
  echo "gen: $(tail -n1 "$TMP/gen.json" 2>/dev/null)"
  [ "$rc" -eq 0 ] || { echo "$0: fewer than $PERIODS frames arrived" >&2; exit 1; }
  exit 0
fi

# cpu
so=
for c in "${CONFIGS[@]}"; do [[ $c == example* ]] && so=$(plugin); done
setup
echo "| configuration | riptide arguments | achieved pps | captured | ring drops | CPU ms | CPU ns/pkt |"
echo "|---|---|---:|---:|---:|---:|---:|"
for c in "${CONFIGS[@]}"; do
  case $c in
    flow) args=() ;;
    example0) args=(--no-flows --plugin "$so:$NET.2:$PORT:0") ;;
    example) args=(--no-flows --plugin "$so:$NET.2:$PORT:300") ;;
    *) echo "$0: unknown configuration '$c' (flow, example0, example)" >&2; exit 2 ;;
  esac
  settle=settle
  [ "$c" = example ] && settle=nosettle
  start_riptide "$settle" "${args[@]}"
  c0=$(cpu_ns "$CAP_PID")
  j=$(gen --rate "$RATE" --duration "$SECS" --size "$SIZE" --flows "$FLOWS")
  sleep 0.2  # the last block reaches riptide on its timeout
  c1=$(cpu_ns "$CAP_PID")
  stop_capture
  sent=$(json_field "$j" sent)
  nspp=$(awk -v d=$((c1 - c0)) -v n="$sent" 'BEGIN { printf "%.0f", n ? d / n : 0 }')
  shown=${args[*]:-(none)}
  echo "| $c | ${shown//$so/EXAMPLE.so} | $(json_field "$j" pps) | $(stats_field captured) | $(stats_field kernel_drops) | $(((c1 - c0) / 1000000)) | $nspp |"
done
