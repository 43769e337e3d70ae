#!/usr/bin/env bash
# Live capture with no stall: loss and CPU time per packet of each capture tool while
# riptide gen sends as fast as it can on the same veth pair.
#
# First the generator's ceiling with nothing capturing (riptide gen --max-rate), then each
# tool in turn, with the generator again at --max-rate (on veth the kernel's copy into a
# capture ring runs on the sender's CPU, so the offered rate with a tap attached is lower;
# it is printed per run). Frames: 60 B and 200 B; 1 and 10,000 flows.
#
# CPU per packet = (utime + stime of the tool and its children over the traffic window,
# from /proc/PID/task/*/stat) / frames sent. This is the figure that separates the tools:
# the capture CPU only runs the tool, the kernel copy is billed to the sender.
#
# usage: sudo scripts/bench_live.sh [repetitions]     (BUILD=<build dir>, SECS per run)
set -euo pipefail
REPS=${1:-3}
SECS=${SECS:-3}
source "$(dirname "$0")/bench_common.sh"
bench_require tcpdump netsniff-ng softflowd softflowctl taskset python3
HAVE_PMACCT=0
command -v pmacctd >/dev/null && HAVE_PMACCT=1
bench_setup
HZ=$(getconf CLK_TCK)

start_tool() {  # start_tool NAME: starts it pinned, sets CAP_PID; 1 if it did not start
  local name=$1 out="$TMP/$1.out" err="$TMP/$1.err" ready="" file=""
  rm -f "$TMP/stats.json" "$TMP/flows.json"
  case $name in
    riptide)
      taskset -c "$CAP_CPU" "$RIPTIDE" capture -i "$HOST" --cpus "$CAP_CPU" -q --stats-json "$TMP/stats.json" \
        --flows-json "$TMP/flows.json" >"$out" 2>"$err" &
      CAP_PID=$!
      # -q hides the banner: ready when the socket shows up in /proc/net/packet.
      sleep 1 ;;
    tcpdump)
      taskset -c "$CAP_CPU" tcpdump -n -i "$HOST" -w /dev/null >"$out" 2>"$err" &
      CAP_PID=$!; ready="listening on"; file=$err ;;
    netsniff-ng)
      taskset -c "$CAP_CPU" netsniff-ng --in "$HOST" --out /dev/null --silent --notouch-irq >"$out" 2>"$err" &
      CAP_PID=$!; ready="Running"; file=$out ;;
    softflowd)
      taskset -c "$CAP_CPU" softflowd -i "$HOST" -n 127.0.0.1:9 -d -m 65536 -c "$TMP/sf.ctl" -p "$TMP/sf.pid" \
        >"$out" 2>"$err" &
      CAP_PID=$!; sleep 1 ;;
    pmacctd)
      printf 'pcap_interface: %s\nplugins: print\naggregate: src_host,dst_host,src_port,dst_port,proto\nprint_output_file: /dev/null\nprint_refresh_time: 60\n' \
        "$HOST" >"$TMP/pmacctd.conf"
      taskset -c "$CAP_CPU" pmacctd -f "$TMP/pmacctd.conf" >"$out" 2>"$err" &
      CAP_PID=$!; sleep 2 ;;
  esac
  if [ -n "$ready" ]; then
    wait_text "$file" "$ready" 20 || wait_text "$err" "$ready" 1 || { echo "bench_live: $name did not start: $(head -c 300 "$err")" >&2; stop_capture; return 1; }
  fi
  kill -0 "$CAP_PID" 2>/dev/null || { echo "bench_live: $name exited: $(head -c 300 "$err")" >&2; CAP_PID=; return 1; }
}

captured_of() {  # captured_of NAME: packets the tool says it got ("" when it does not say)
  local name=$1 out="$TMP/$1.out" err="$TMP/$1.err"
  case $name in
    riptide) json_field "$(tail -n1 "$TMP/stats.json")" captured ;;
    tcpdump) awk '/packets captured/ { print $1 }' "$err" ;;
    netsniff-ng) cat "$out" "$err" | tr '\r' '\n' | awk '/packets passed filter/ { print $1 }' | tail -n1 ;;
    softflowd) awk -F': *' '/[Pp]ackets processed|Number of packets/ { print $2; exit }' "$TMP/sf.stats" 2>/dev/null || true ;;
    *) echo "" ;;
  esac
}

TOOLS=(riptide tcpdump netsniff-ng softflowd)
[ "$HAVE_PMACCT" = 1 ] && TOOLS+=(pmacctd)
declare -A CEIL NS_PP LOSS RATE_W
echo "# bench_live: gen --max-rate ${SECS} s per run, gen CPU $GEN_CPU, capture CPU $CAP_CPU, $REPS repetitions"
echo "# kernel $(uname -r), $(date -u +%FT%TZ)"
for ((r = 1; r <= REPS; r++)); do
  for size in 60 200; do
    for flows in 1 10000; do
      key="$size/$flows"
      j=$(gen --max-rate --duration "$SECS" --size "$size" --flows "$flows")
      CEIL[$key]+="$(json_field "$j" pps)"$'\n'
      echo "rep $r  $key  gen alone  $(json_field "$j" pps) pps"
      for t in "${TOOLS[@]}"; do
        start_tool "$t" || continue
        t0=$(cpu_ticks "$CAP_PID")
        j=$(gen --max-rate --duration "$SECS" --size "$size" --flows "$flows")
        sleep 0.3
        t1=$(cpu_ticks "$CAP_PID")
        [ "$t" = softflowd ] && softflowctl -c "$TMP/sf.ctl" statistics >"$TMP/sf.stats" 2>&1 || true
        stop_capture
        sent=$(json_field "$j" sent)
        pps=$(json_field "$j" pps)
        cap=$(captured_of "$t")
        nspp=$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v n="$sent" 'BEGIN { printf "%.0f", n ? d * 1e9 / hz / n : 0 }')
        loss=$(awk -v s="$sent" -v c="$cap" 'BEGIN { if (c == "") { print "n/a"; exit } l = s ? (s - c) * 100 / s : 0; if (l < 0) l = 0; printf "%.3f", l }')
        echo "rep $r  $key  $t  offered $pps pps  sent $sent  captured ${cap:-n/a}  loss% $loss  cpu $((t1 - t0)) ticks  $nspp ns/pkt"
        NS_PP[$key/$t]+="$nspp"$'\n'
        LOSS[$key/$t]+="$loss"$'\n'
        RATE_W[$key/$t]+="$pps"$'\n'
      done
    done
  done
done

med() { printf '%s' "$1" | { grep -v '^n/a$' || true; } | median; }
echo
echo "Generator ceiling, nothing capturing (median pps):"
for key in 60/1 60/10000 200/1 200/10000; do echo "- ${key%/*} B, ${key#*/} flows: $(med "${CEIL[$key]}")"; done
echo
echo "| frame | flows | tool | offered kpps | loss % | CPU ns/pkt | CPU vs tcpdump |"
echo "|---:|---:|---|---:|---:|---:|---:|"
for key in 60/1 60/10000 200/1 200/10000; do
  base=$(med "${NS_PP[$key/tcpdump]:-}")
  for t in "${TOOLS[@]}"; do
    ns=$(med "${NS_PP[$key/$t]:-}")
    l=$(med "${LOSS[$key/$t]:-}")
    [ -z "$(printf '%s' "${LOSS[$key/$t]:-}" | { grep -v '^n/a$' || true; })" ] && l="n/a"
    k=$(med "${RATE_W[$key/$t]:-}" | awk '{ printf "%.0f", $1 / 1000 }')
    ratio=$(awk -v a="$ns" -v b="$base" 'BEGIN { if (b + 0 > 0 && a != "n/a") printf "%.2fx", a / b; else print "n/a" }')
    echo "| ${key%/*} B | ${key#*/} | $t | $k | $l | $ns | $ratio |"
  done
done
echo
echo "(medians of $REPS repetitions; loss n/a: the tool does not report what it captured)"
