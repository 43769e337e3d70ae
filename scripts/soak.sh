#!/usr/bin/env bash
# Soak: a long capture with every built-in analyzer must lose nothing and must not grow.
#
# riptide gen sends SIZE-byte frames over FLOWS flows at RATE pps for DURATION seconds in a
# private namespace (pinned to GEN_CPU); riptide capture runs the flow meter, the reporter
# and heavy-hitters on the host side of the veth (pinned to CAP_CPU). The capture process's
# RSS is sampled every second. Pass when:
#   - the generator's sent count == captured == processed, kernel drops == 0, worker-queue
#     drops == 0, the ledger adds up and the run reported no error;
#   - RSS at the end minus RSS after the first 10 % of the run < RSS_LIMIT_KIB (rings,
#     tables and windows are allocated up front or bounded: steady traffic must not grow them).
# Prints the RSS series summary and one line "soak: PASS ..." or "soak: FAIL: <reason>".
#
# usage: sudo [DURATION=600] [RATE=300000] scripts/soak.sh     (BUILD=<build dir> or RIPTIDE=<binary>)
# Exit status: 0 pass, 1 fail, 2 bad setup, 77 not root (skipped, for ctest).
set -euo pipefail
DURATION=${DURATION:-600}
RATE=${RATE:-300000}
SIZE=${SIZE:-200}
FLOWS=${FLOWS:-1000}
RSS_LIMIT_KIB=${RSS_LIMIT_KIB:-5120}
# Own names, so a soak can run next to the benchmarks or the e2e tests.
NS=${NS:-rtsoakns}
HOST_IF=${HOST_IF:-rtsoakh}
PEER_IF=${PEER_IF:-rtsoakp}
if [ "$(id -u)" -ne 0 ]; then echo "soak: SKIP: needs root (veth, namespace, raw sockets)" >&2; exit 77; fi
source "$(dirname "$0")/bench_common.sh"
bench_require taskset python3
bench_setup
GEN_PID=
# The generator lives in the namespace: it must not outlive a failed run.
trap 'if [ -n "$GEN_PID" ]; then kill -KILL "$GEN_PID" 2>/dev/null || true; fi; bench_cleanup' EXIT

fail() { echo "soak: FAIL: $*"; exit 1; }

echo "soak: ${SIZE} B frames, ${FLOWS} flows, ${RATE} pps for ${DURATION} s; gen on CPU $GEN_CPU, capture on CPU $CAP_CPU"
taskset -c "$CAP_CPU" "$RIPTIDE" capture -i "$HOST" --cpus "$CAP_CPU" \
  --analyzer reporter,heavy-hitters --hh-out "$TMP/hh.json" \
  --flows-json "$TMP/flows.json" --stats-json "$TMP/stats.json" >"$TMP/cap.out" 2>"$TMP/cap.err" &
CAP_PID=$!
wait_text "$TMP/cap.err" "riptide: input" 20 ||
  { echo "soak: capture did not start: $(head -c 300 "$TMP/cap.err")" >&2; exit 2; }
sleep 0.5

# Not through the gen() helper: a function in the background is a subshell, and $! must be
# the generator itself so that the exit trap can stop it.
ip netns exec "$NS" "$RIPTIDE" gen -i "$PEER" --cpu "$GEN_CPU" --json \
  --rate "$RATE" --duration "$DURATION" --size "$SIZE" --flows "$FLOWS" >"$TMP/gen.json" 2>"$TMP/gen.err" &
GEN_PID=$!
SECONDS=0
: >"$TMP/rss.txt"
while kill -0 "$GEN_PID" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ { print $2 }' /proc/"$CAP_PID"/status 2>/dev/null || true)
  [ -n "$rss" ] || fail "the capture process ended during the run: $(tail -c 300 "$TMP/cap.err")"
  echo "$SECONDS $rss" >>"$TMP/rss.txt"
  sleep 1
done
gen_rc=0
wait "$GEN_PID" || gen_rc=$?
GEN_PID=
[ "$gen_rc" -eq 0 ] || fail "riptide gen failed: $(tail -c 300 "$TMP/gen.err")"
sleep 0.5  # the last partly filled ring block is handed over on its timeout
kill -INT "$CAP_PID"
cap_rc=0
wait "$CAP_PID" || cap_rc=$?
CAP_PID=

sent=$(json_field "$(cat "$TMP/gen.json")" sent)
[ -n "$sent" ] || fail "no 'sent' in the generator's output: $(cat "$TMP/gen.json")"
[ -s "$TMP/stats.json" ] || fail "capture wrote no --stats-json (exit $cap_rc): $(tail -c 300 "$TMP/cap.err")"
read -r captured processed kdrops wdrops balanced errors < <(python3 - "$TMP/stats.json" <<'EOF'
import json, sys
j = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(j["captured"], j["processed"], j["kernel_drops"], j["worker_queue_drops"],
      "yes" if j.get("ledger_balanced") else "no", len(j.get("errors", [])))
EOF
)
python3 - "$TMP/rss.txt" "$RSS_LIMIT_KIB" >"$TMP/rss.sum" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
kib = [int(r[1]) for r in rows]
if not kib:
    print("0 0 0 0 0 0"); sys.exit()
base = kib[min(len(kib) - 1, len(kib) // 10)]
print(len(kib), kib[0], base, min(kib), max(kib), kib[-1])
EOF
read -r nsamp rss_first rss_base rss_min rss_max rss_end <"$TMP/rss.sum"
growth=$((rss_end - rss_base))
achieved=$(python3 -c "print(round($sent / $DURATION))")
echo "soak: sent $sent (achieved ${achieved} pps of ${RATE} asked), captured $captured, processed $processed," \
     "kernel drops $kdrops, worker-queue drops $wdrops, ledger balanced: $balanced, capture exit $cap_rc"
echo "soak: RSS (KiB) over $nsamp samples: first $rss_first, after 10 % $rss_base, min $rss_min, max $rss_max," \
     "end $rss_end; growth after 10 %: $growth KiB (limit $RSS_LIMIT_KIB)"
[ "$nsamp" -ge 5 ] || fail "only $nsamp RSS samples"
[ "$cap_rc" -eq 0 ] || fail "capture exited with status $cap_rc: $(grep -m1 -i 'error\|cannot' "$TMP/cap.err" || true)"
[ "$errors" -eq 0 ] || fail "the capture reported $errors error(s)"
[ "$kdrops" -eq 0 ] || fail "$kdrops kernel drops"
[ "$wdrops" -eq 0 ] || fail "$wdrops worker-queue drops"
[ "$captured" -eq "$sent" ] || fail "captured $captured of $sent sent"
[ "$processed" -eq "$captured" ] || fail "processed $processed of $captured captured"
[ "$balanced" = yes ] || fail "the ledger does not add up"
[ "$growth" -lt "$RSS_LIMIT_KIB" ] || fail "RSS grew by $growth KiB after the first 10 % of the run (limit $RSS_LIMIT_KIB)"
echo "soak: PASS: $sent frames in ${DURATION} s, none lost, RSS growth $growth KiB"
