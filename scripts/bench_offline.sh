#!/usr/bin/env bash
# Offline throughput: decode + flow meter over a large pcap held in the page cache, against
# softflowd -r (a flow meter doing the same job) and tcpdump -r -w /dev/null (copy only),
# in the same run. Also checks that riptide and softflowd count the same number of flows.
#   PACKETS=10000000 FLOWS=100000 RUNS=3 WORKDIR=/var/tmp/riptide-bench
set -euo pipefail
cd "$(dirname "$0")/.."
PACKETS=${PACKETS:-10000000}
FLOWS=${FLOWS:-100000}
RUNS=${RUNS:-3}
WORK=${WORKDIR:-/var/tmp/riptide-bench}
RT=${RT:-$PWD/build/release/apps/riptide}
PIN=${PIN:-1}
mkdir -p "$WORK"
PCAP=$WORK/offline-${PACKETS}-${FLOWS}.pcap
if [[ ! -s $PCAP ]]; then
  echo "making $PCAP: $PACKETS packets, 64-800 B, $FLOWS flows"
  "$RT" gen --pcap-out "$PCAP" --count "$PACKETS" --size-range 64-800 --flows "$FLOWS" --random-flows --seed 7 >/dev/null
fi
cat "$PCAP" >/dev/null  # into the page cache
ls -l "$PCAP"

measure() {  # name, command...: prints median wall/user/sys over RUNS
  local name=$1; shift
  local f=$WORK/time.$name; : >"$f"
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f "%e %U %S %M" -a -o "$f" taskset -c "$PIN" "$@" >/dev/null 2>>"$WORK/stderr.$name"
  done
  sort -n "$f" | awk -v n="$name" -v p="$PACKETS" '{w[NR]=$1; u[NR]=$2; s[NR]=$3; m[NR]=$4}
    END {i=int((NR+1)/2); c=u[i]+s[i];
         printf "%-24s wall %6.2f s  user %6.2f s  sys %5.2f s  %6.2f Mpps wall  %6.2f Mpps per CPU-second  %5.0f CPU ns/pkt  maxrss %d MiB\n",
         n, w[i], u[i], s[i], p/w[i]/1e6, p/c/1e6, c*1e9/p, m[i]/1024}'
}

echo "== $RUNS runs each, pinned to CPU $PIN, median"
measure riptide "$RT" read -q -r "$PCAP" --max-flows 262144 --flows-json "$WORK/riptide-flows.json"
measure riptide-noflowout "$RT" read -q -r "$PCAP" --max-flows 262144
measure softflowd softflowd -r "$PCAP" -n 127.0.0.1:9 -d -m 262144
measure tcpdump-w-devnull tcpdump -r "$PCAP" -w /dev/null

rt_flows=$(wc -l <"$WORK/riptide-flows.json")
sf_flows=$(softflowd -r "$PCAP" -n 127.0.0.1:9 -d -D -m 262144 2>&1 | awk '/^Flows expired:/ {print $3}')
echo "flows: riptide $rt_flows, softflowd $sf_flows ($( [[ $rt_flows == "$sf_flows" ]] && echo agree || echo DIFFER))"
