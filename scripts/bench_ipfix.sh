#!/usr/bin/env bash
# Offline cost of IPFIX export: `riptide read` over the large pcap of bench_offline.sh with the
# EVE JSON output only, and with JSON plus --ipfix to a local nfcapd, alternated in the same
# sitting; packets per CPU-second of riptide (nfcapd runs on another CPU and is not counted).
# Afterwards nfdump must hold every exported flow with 0 sequence failures.
#   PACKETS=10000000 FLOWS=100000 RUNS=3 WORKDIR=/var/tmp/riptide-bench PIN=1 NFPIN=0 PORT=47390
set -euo pipefail
cd "$(dirname "$0")/.."
PACKETS=${PACKETS:-10000000}
FLOWS=${FLOWS:-100000}
RUNS=${RUNS:-3}
WORK=${WORKDIR:-/var/tmp/riptide-bench}
RT=${RT:-$PWD/build/release/apps/riptide}
PIN=${PIN:-1}
NFPIN=${NFPIN:-0}
PORT=${PORT:-47390}
command -v nfcapd >/dev/null && command -v nfdump >/dev/null || { echo "needs nfcapd and nfdump (Debian: nfdump)"; exit 1; }
mkdir -p "$WORK"
PCAP=$WORK/offline-${PACKETS}-${FLOWS}.pcap
if [[ ! -s $PCAP ]]; then
  echo "making $PCAP: $PACKETS packets, 64-800 B, $FLOWS flows"
  "$RT" gen --pcap-out "$PCAP" --count "$PACKETS" --size-range 64-800 --flows "$FLOWS" --random-flows --seed 7 >/dev/null
fi
cat "$PCAP" >/dev/null  # into the page cache
OUT=$WORK/ipfix
rm -rf "$OUT"
mkdir -p "$OUT/nfcapd"
taskset -c "$NFPIN" nfcapd -b 127.0.0.1 -p "$PORT" -w "$OUT/nfcapd" -B 8388608 -t 3600 >"$OUT/nfcapd.log" 2>&1 &
NFCAPD=$!
trap 'kill $NFCAPD 2>/dev/null || true' EXIT
sleep 1

run() {  # name, command...: appends "wall user sys maxrss" to $OUT/time.NAME
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -a -o "$OUT/time.$name" taskset -c "$PIN" "$@" >/dev/null 2>>"$OUT/stderr.$name"
}
for ((i = 1; i <= RUNS; i++)); do
  run json "$RT" read -q -r "$PCAP" --max-flows 262144 --flows-json "$OUT/json.json"
  # Each run is a new exporter starting at sequence 0: its own observation domain.
  run json+ipfix "$RT" read -q -r "$PCAP" --max-flows 262144 --flows-json "$OUT/ipfix.json" \
    --ipfix "127.0.0.1:$PORT" --ipfix-domain "$i"
done
sleep 1
kill $NFCAPD; wait $NFCAPD 2>/dev/null || true
trap - EXIT

echo "== $RUNS runs each, alternated, riptide pinned to CPU $PIN, nfcapd to CPU $NFPIN, median"
for name in json json+ipfix; do
  sort -n "$OUT/time.$name" | awk -v n="$name" -v p="$PACKETS" '{w[NR]=$1; u[NR]=$2; s[NR]=$3; m[NR]=$4}
    END {i=int((NR+1)/2); c=u[i]+s[i];
         printf "%-12s wall %6.2f s  user %6.2f s  sys %5.2f s  %6.2f Mpps per CPU-second  %5.0f CPU ns/pkt  maxrss %d MiB\n",
         n, w[i], u[i], s[i], p/c/1e6, c*1e9/p, m[i]/1024}'
done
flows=$(wc -l <"$OUT/ipfix.json")
stat=$(nfdump -R "$OUT/nfcapd" -I)
got=$(awk '/^Flows:/ {print $2}' <<<"$stat")
seqf=$(awk '/^Sequence failures:/ {print $3}' <<<"$stat")
echo "nfdump: $got flows for $RUNS x $flows exported, sequence failures $seqf ($( [[ $got == $((RUNS * flows)) && $seqf == 0 ]] && echo exact || echo MISMATCH))"
