# riptide bench: loss % and CPU ns/packet against the offered rate, one line per tool.
# Called by `riptide bench` as:
#   gnuplot -e "dat='DIR/bench.dat'; out='DIR/bench.png'; tools='riptide tcpdump'" scripts/plot_bench.gp
# bench.dat holds one block per tool, in the order of `tools`: offered achieved loss_pct cpu_ns p99_us.
if (!exists("dat")) dat = 'bench.dat'
if (!exists("out")) out = 'bench.png'
if (!exists("tools")) tools = 'riptide'

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
  set terminal pngcairo size 1000,800 font "sans,10"
} else {
  set terminal png size 1000,800
}
set output out
set multiplot layout 2,1 title "riptide bench: capture without loss"
set grid
set key outside right top
set format x "%.3s%c"
set xlabel "offered rate (packets/s)"

set ylabel "loss (%)"
set yrange [0:*]
plot for [i=1:words(tools)] dat index (i-1) using 1:3 with linespoints pt 7 title word(tools, i)

set ylabel "CPU per packet (ns)"
set yrange [0:*]
plot for [i=1:words(tools)] dat index (i-1) using 1:4 with linespoints pt 7 title word(tools, i)
unset multiplot
