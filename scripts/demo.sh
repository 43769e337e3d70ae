#!/usr/bin/env bash
# The demo: build riptide, make a private namespace with a veth pair, send 200-byte frames
# at 350k packets/s from the namespace (generator pinned to CPU 0) while riptide captures on
# the host side (pinned to CPU 1) with the flow meter, then print the per-stage report and
# the top flows. Everything it creates is removed on exit, also on Ctrl-C.
#   RATE=pps (default 350000)  SECONDS_TO_RUN=s (default 5)  FLOWS=n (default 1000)
#   --max: let the generator send as fast as it can, to show this machine's ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-350000}
DURATION=${SECONDS_TO_RUN:-5}
FLOWS=${FLOWS:-1000}
SIZE=${SIZE:-200}
RATE_ARGS=(--rate "$RATE")
[[ ${1:-} == --max ]] && RATE_ARGS=(--max-rate)

if [[ $(id -u) -ne 0 ]]; then echo "demo: needs root (namespaces, raw sockets): run with sudo" >&2; exit 2; fi
[[ -z ${SKIP_DEPS:-} ]] && ./scripts/deps.sh
BUILD=${BUILD_DIR:-build/release}
if [[ ! -f $BUILD/build.ninja ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRIPTIDE_BUILD_TESTS=OFF -DRIPTIDE_BUILD_BENCH=OFF >/dev/null
fi
ninja -C "$BUILD" riptide_cli >/dev/null || { echo "demo: build failed: run ninja -C $BUILD riptide_cli" >&2; exit 1; }
RT=$PWD/$BUILD/apps/riptide
NS=rtdemo$$; H=rtdemo$$h; P=rtdemo$$p
OUT=$(mktemp -d)
cleanup() {
  [[ -n ${GEN_PID:-} ]] && kill "$GEN_PID" 2>/dev/null || true
  ip link del "$H" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$OUT"
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip link add "$H" type veth peer name "$P"
ip link set "$P" netns "$NS"
sysctl -qw "net.ipv6.conf.$H.disable_ipv6=1"
ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$P.disable_ipv6=1"
ip link set "$H" up
ip netns exec "$NS" ip link set "$P" up

CPUS=$(nproc)
CAP_CPU=$(( CPUS > 1 ? 1 : 0 ))
echo "demo: $H <-> $NS/$P; generator on CPU 0: ${RATE_ARGS[*]} pps, $SIZE B frames, $FLOWS flows, ${DURATION}s; riptide on CPU $CAP_CPU"
"$RT" capture -i "$H" --cpus "$CAP_CPU" --avg-frame "$SIZE" \
  --flows-json "$OUT/flows.json" --stats-json "$OUT/stats.json" --duration $((DURATION + 2)) &
CAP_PID=$!
sleep 1
ip netns exec "$NS" "$RT" gen -i "$P" "${RATE_ARGS[@]}" --duration "$DURATION" --size "$SIZE" \
  --flows "$FLOWS" --cpu 0 &
GEN_PID=$!
wait "$GEN_PID"; GEN_PID=
wait "$CAP_PID" || true

echo
echo "demo: top flows by bytes"
python3 - "$OUT/flows.json" <<'PY'
import json, sys
flows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
flows.sort(key=lambda f: f["flow"]["bytes_toserver"] + f["flow"]["bytes_toclient"], reverse=True)
print(f"{'src':>22} {'dest':>22} {'proto':>5} {'pkts':>9} {'bytes':>11}  reason")
for f in flows[:10]:
    fl = f["flow"]
    src = f"{f['src_ip']}:{f.get('src_port', '')}"
    dst = f"{f['dest_ip']}:{f.get('dest_port', '')}"
    print(f"{src:>22} {dst:>22} {f['proto']:>5} {fl['pkts_toserver'] + fl['pkts_toclient']:>9} "
          f"{fl['bytes_toserver'] + fl['bytes_toclient']:>11}  {fl['reason']}")
print(f"({len(flows)} flows in all)")
PY
python3 - "$OUT/stats.json" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
lost = s["kernel_drops"] + s["worker_queue_drops"]
print(f"demo: captured {s['captured']} packets, lost {lost} in riptide's stages -> {'ZERO LOSS' if lost == 0 else 'LOSS'}")
sys.exit(0 if lost == 0 else 1)
PY
