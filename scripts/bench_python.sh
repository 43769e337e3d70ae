#!/usr/bin/env bash
# Per-source byte counts through Python: riptide's NumPy batches over the whole benchmark file
# against dpkt and scapy on a slice of it (they are far slower), scaled to packets per second,
# each pinned to one CPU (riptide's engine thread and the Python thread share it). The slice is
# also counted by riptide, and the three must agree on the per-source totals.
#   PACKETS=10000000 FLOWS=100000 SLICE=200000 SCAPY_SLICE=20000 RUNS=3 PIN=1 BATCH=4096
set -euo pipefail
cd "$(dirname "$0")/.."
PACKETS=${PACKETS:-10000000}
FLOWS=${FLOWS:-100000}
SLICE=${SLICE:-200000}
SCAPY_SLICE=${SCAPY_SLICE:-20000}
RUNS=${RUNS:-3}
PIN=${PIN:-1}
BATCH=${BATCH:-4096}
WORK=${WORKDIR:-/var/tmp/riptide-bench}
BUILD=${BUILD_DIR:-$PWD/build/release}
RT=$BUILD/apps/riptide
PY=${PYTHON:-/usr/bin/python3}
export PYTHONPATH=$BUILD/python${PYTHONPATH:+:$PYTHONPATH}
mkdir -p "$WORK"
# The same file as scripts/bench_offline.sh.
PCAP=$WORK/offline-${PACKETS}-${FLOWS}.pcap
if [[ ! -s $PCAP ]]; then
  echo "making $PCAP: $PACKETS packets, 64-800 B, $FLOWS flows"
  "$RT" gen --pcap-out "$PCAP" --count "$PACKETS" --size-range 64-800 --flows "$FLOWS" --random-flows --seed 7 >/dev/null
fi
mkdir -p "$WORK/python"
SLICE_PCAP=$WORK/python/slice-$PACKETS-$FLOWS-$SLICE.pcap
SCAPY_PCAP=$WORK/python/slice-$PACKETS-$FLOWS-$SCAPY_SLICE.pcap
[[ -s $SLICE_PCAP ]] || "$RT" read -q -r "$PCAP" -c "$SLICE" -w "$SLICE_PCAP" 2>/dev/null
[[ -s $SCAPY_PCAP ]] || "$RT" read -q -r "$PCAP" -c "$SCAPY_SLICE" -w "$SCAPY_PCAP" 2>/dev/null
cat "$PCAP" "$SLICE_PCAP" "$SCAPY_PCAP" >/dev/null  # into the page cache

run() {  # how file runs: the median run's JSON line
  local how=$1 file=$2 n=$3
  for ((i = 0; i < n; i++)); do taskset -c "$PIN" "$PY" scripts/bench_python_sources.py "$how" "$file" "$BATCH"; done |
    "$PY" -c 'import json,sys; r=sorted((json.loads(l) for l in sys.stdin), key=lambda x: x["seconds"]); print(json.dumps(r[len(r)//2]))'
}

echo "== per-source byte counts, pinned to CPU $PIN, median of $RUNS (scapy: 1 run); batches of $BATCH"
full=$(run riptide "$PCAP" "$RUNS")
rs=$(run riptide "$SLICE_PCAP" "$RUNS")
dp=$(run dpkt "$SLICE_PCAP" "$RUNS")
rsc=$(run riptide "$SCAPY_PCAP" 1)
sc=$(run scapy "$SCAPY_PCAP" 1)
"$PY" - "$full" "$rs" "$dp" "$rsc" "$sc" <<'PYEOF'
import json, sys
full, rs, dp, rsc, sc = (json.loads(a) for a in sys.argv[1:])
pps = lambda r: r["packets"] / r["seconds"]
cps = lambda r: r["packets"] / r["cpu_seconds"]  # the process's CPU time: every thread
def line(name, r, ratio=True):
    extra = f"  riptide (whole file) does {cps(full)/cps(r):5.0f}x more per CPU-second" if ratio else ""
    print(f"{name:<30} {r['packets']:>10,} packets  wall {r['seconds']:7.2f} s {pps(r)/1e6:8.4f} M/s  "
          f"CPU {r['cpu_seconds']:7.2f} s {cps(r)/1e6:8.4f} M per CPU-second{extra}")
line("riptide + NumPy, whole file", full, False)
line("riptide + NumPy, dpkt slice", rs, False)
line("dpkt, slice", dp)
line("scapy, slice", sc)
ok = rs["checksum"] == dp["checksum"] and rsc["checksum"] == sc["checksum"]
print("per-source totals:", "riptide, dpkt and scapy agree" if ok else "DIFFER", f"({rs['sources']} sources in the slice)")
sys.exit(0 if ok else 1)
PYEOF
