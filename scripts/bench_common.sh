# Shared by the live benchmarks (bench_stall, bench_live, bench_cpu, bench_period_latency;
# sourced, not run): a private namespace with a veth pair, the generator inside it, helpers
# to read CPU time and take medians.
#
# Topology: riptide gen runs in namespace $NS on $PEER (pinned to $GEN_CPU); every capture
# tool runs in the root namespace on $HOST (pinned to $CAP_CPU). Nothing else is touched and
# the pair and namespace are removed on exit, error or Ctrl-C.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$HERE/build-e2e}
RIPTIDE=${RIPTIDE:-$BUILD/apps/riptide}
GEN_CPU=${GEN_CPU:-0}
CAP_CPU=${CAP_CPU:-1}
NS=${NS:-rtbenchns}
HOST=${HOST_IF:-rtbnh}
PEER=${PEER_IF:-rtbnp}
TMP=$(mktemp -d /tmp/riptide-bench-XXXXXX)
CAP_PID=

bench_cleanup() {
  if [ -n "$CAP_PID" ]; then kill -CONT "$CAP_PID" 2>/dev/null || true; kill -KILL "$CAP_PID" 2>/dev/null || true; fi
  ip link del "$HOST" >/dev/null 2>&1 || true
  ip netns del "$NS" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}

bench_require() {
  [ "$(id -u)" -eq 0 ] || { echo "$0: needs root (veth, namespace, raw sockets)" >&2; exit 2; }
  [ -x "$RIPTIDE" ] || { echo "$0: riptide binary not found at $RIPTIDE (set BUILD or RIPTIDE)" >&2; exit 2; }
  local t
  for t in "$@"; do command -v "$t" >/dev/null || { echo "$0: $t not found" >&2; exit 2; }; done
}

bench_setup() {
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  ip link del "$HOST" >/dev/null 2>&1 || true
  ip netns del "$NS" >/dev/null 2>&1 || true
  ip netns add "$NS"
  ip link add "$HOST" type veth peer name "$PEER"
  ip link set "$PEER" netns "$NS"
  # IPv6 autoconfiguration would add stray packets to exact counts.
  sysctl -qw "net.ipv6.conf.$HOST.disable_ipv6=1"
  ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$PEER.disable_ipv6=1"
  ip link set "$HOST" up
  ip netns exec "$NS" ip link set "$PEER" up
}

# gen ARGS...: runs riptide gen in the namespace on the generator CPU; prints its JSON line.
gen() {
  ip netns exec "$NS" "$RIPTIDE" gen -i "$PEER" --cpu "$GEN_CPU" --json "$@"
}

json_field() {  # json_field JSON KEY -> value of a top-level number field
  python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"
}

# CPU ticks (utime + stime, all threads) of PID and every descendant still alive.
cpu_ticks() {
  local pid=$1 total=0 t c
  local -a f
  for t in /proc/"$pid"/task/*; do
    [ -r "$t/stat" ] || continue
    read -r -a f < <(sed 's/^.*) //' "$t/stat")
    total=$((total + f[11] + f[12]))
    for c in $(cat "$t/children" 2>/dev/null); do total=$((total + $(cpu_ticks "$c"))); done
  done
  echo "$total"
}

# wait_text FILE TEXT SECONDS: until FILE contains TEXT (0) or the time is up (1).
wait_text() {
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }

# stop_capture: SIGINT the capture tool, wait up to 10 s, then SIGKILL.
stop_capture() {
  [ -n "$CAP_PID" ] || return 0
  # Children (pmacctd's plugins) are stopped by PID too, after their parent.
  local kids
  kids=$(cat /proc/"$CAP_PID"/task/*/children 2>/dev/null || true)
  kill -INT "$CAP_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 200; i++)); do
    kill -0 "$CAP_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$CAP_PID" 2>/dev/null || true
  wait "$CAP_PID" 2>/dev/null || true
  for c in $kids; do kill -KILL "$c" 2>/dev/null || true; done
  CAP_PID=
}

# Nanoseconds on CPU of every thread of PID (and its children), from schedstat.
cpu_ns() {
  local pid=$1 total=0 t c v
  for t in /proc/"$pid"/task/*; do
    read -r v _ < "$t/schedstat" 2>/dev/null || continue
    total=$((total + v))
    for c in $(cat "$t/children" 2>/dev/null); do total=$((total + $(cpu_ns "$c"))); done
  done
  echo "$total"
}

# wait_capture_ready NAME ERRFILE [settle]: after starting the capture tool CAP_PID, until its
# packet socket exists and its start-up is over (1 when it exited, with ERRFILE's start on
# stderr). "nosettle": one second instead of waiting for its CPU use to drop, for a tool
# that keeps burning CPU without traffic (an analyzer's periodic calculation).
wait_capture_ready() {
  local name=$1 err=$2 settle=${3:-settle}
  # Ready when its packet socket is bound: a new line in /proc/net/packet owned by it.
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$CAP_PID" 2>/dev/null || { echo "$(basename "$0"): $name exited: $(head -c 300 "$err")" >&2; CAP_PID=; return 1; }
    ls -l /proc/"$CAP_PID"/fd 2>/dev/null | grep -q 'socket:' && break
    sleep 0.05
  done
  # Then let it finish its start-up (ring, tables) before the window opens: until it burns
  # less than 5 ms of CPU in half a second, at most 30 s. A fixed pause is not enough:
  # netsniff-ng spends several seconds of kernel time in setsockopt(PACKET_RX_RING) and
  # mlockall after its socket exists, which used to land in the measured window.
  sleep 0.5
  if [ "$settle" = nosettle ]; then sleep 0.5; return 0; fi
  local a b
  for ((i = 0; i < 60; i++)); do
    a=$(cpu_ns "$CAP_PID")
    sleep 0.5
    b=$(cpu_ns "$CAP_PID")
    ((b - a < 5000000)) && break
  done
}
