#!/usr/bin/env bash
# The demo: build riptide, make a private namespace with a veth pair, send 200-byte frames
# at 350k packets/s from the namespace (generator pinned to CPU 0) while riptide captures on
# the host side (pinned to CPU 1) with the flow meter, then print the per-stage report and
# the top flows, loss by sequence number and two latencies from the generator's send stamp:
# wire to kernel timestamp (stops at the kernel) and wire to analyzer (the wall clock at
# delivery, which includes the wait in a part-filled ring block: up to the block timeout).
# Everything it creates is removed on exit, also on Ctrl-C.
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
  --analyzer reporter,heavy-hitters --hh-out "$OUT/hh.json" --hh-window 1 --seq-check "$OUT/seq.json" \
  --flows-json "$OUT/flows.json" --stats-json "$OUT/stats.json" --duration $((DURATION + 2)) &
CAP_PID=$!
sleep 1
ip netns exec "$NS" "$RT" gen -i "$P" "${RATE_ARGS[@]}" --duration "$DURATION" --size "$SIZE" \
  --flows "$FLOWS" --cpu 0 >"$OUT/gen.txt" &
GEN_PID=$!
wait "$GEN_PID"; GEN_PID=
cat "$OUT/gen.txt"
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
python3 - "$OUT/hh.json" <<'PY'
import json, sys
ws = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if ws:
    w = max(ws, key=lambda w: w["packets"])
    print(f"demo: heavy-hitters, busiest 1 s window ({w['packets']} packets): top sources by bytes")
    for e in w["top_k_src"][:5]:
        print(f"  {e['ip']:>16} {e['bytes']:>12} B")
PY
python3 - "$OUT/stats.json" "$OUT/seq.json" "$OUT/gen.txt" <<'PY'
import json, re, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
q = json.loads(open(sys.argv[2]).read())
m = re.search(r"sent (\d+)", open(sys.argv[3]).read())
sent = int(m.group(1)) if m else -1
lost = s["kernel_drops"] + s["worker_queue_drops"]
print(f"demo: generator sent {sent}; riptide captured {s['captured']}, by sequence number {q['unique']} unique, "
      f"{q['lost']} missing, {q['duplicates']} duplicates; wire to kernel timestamp p50 "
      f"{q['wire_to_kernel_ns']['p50'] / 1e3:.0f} us, p99 {q['wire_to_kernel_ns']['p99'] / 1e3:.0f} us; "
      f"wire to analyzer (delivery) p50 {q['wire_to_analyzer_ns']['p50'] / 1e6:.2f} ms, "
      f"p99 {q['wire_to_analyzer_ns']['p99'] / 1e6:.2f} ms")
ok = lost == 0 and q["lost"] == 0 and q["unique"] == sent
print(f"demo: lost {lost} in riptide's stages, {sent - q['unique']} of the generator's frames not seen -> "
      f"{'ZERO LOSS' if ok else 'LOSS'}")
sys.exit(0 if ok else 1)
PY
