#pragma once
// What `riptide bench` writes: the per-trial table, the max lossless rate per tool and the
// ratios (Markdown, DIR/bench.md), the data for the plot (DIR/bench.dat) and the plot itself
// (DIR/bench.png, by gnuplot with scripts/plot_bench.gp).
#include <string>

#include "riptide/core/result.hpp"
#include "labbench/bench.hpp"

namespace riptide::labbench {

std::string format_trials_md(const BenchSummary& s);    // one row per trial
std::string format_results_md(const BenchSummary& s);   // max lossless per tool + ratio table
std::string format_bench_md(const BenchSummary& s);     // the whole report
// gnuplot data: one block per tool (separated by two blank lines, in BenchSummary order),
// rows sorted by offered rate: offered achieved loss_pct cpu_ns_per_pkt p99_us.
// Repeats of a rate are merged: worst loss, mean CPU.
std::string format_bench_dat(const BenchSummary& s);

// Writes bench.md and bench.dat into s.opts.out_dir and runs gnuplot on `plot_script` to make
// bench.png. `plot_note` says what happened to the plot (gnuplot missing is not an error).
Result<void> write_bench_outputs(const BenchSummary& s, const std::string& plot_script, std::string& plot_note);

// scripts/plot_bench.gp: $RIPTIDE_PLOT_SCRIPT, else searched upwards from the executable's
// directory and in the install prefix's share/riptide. "" when not found.
std::string find_plot_script(const std::string& self_exe);

}  // namespace riptide::labbench
