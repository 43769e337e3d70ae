#include "labbench/bench_report.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace riptide::labbench {
namespace {

std::string num(double v, int decimals = 0) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// 1234567 -> "1,234,567": the tables are read by people.
std::string grouped(double v) {
  const std::string s = num(v);
  std::string out;
  const std::size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.push_back(s[i]);
    const std::size_t left = s.size() - 1 - i;  // digits still to come
    if (i >= start && left > 0 && left % 3 == 0) out.push_back(',');
  }
  return out;
}

std::string opt_count(const std::optional<std::uint64_t>& v) { return v ? grouped(double(*v)) : "-"; }
std::string opt_us(const std::optional<std::uint64_t>& v) { return v ? num(double(*v) / 1e3, 1) : "-"; }

bool write_file(const std::string& path, const std::string& text, std::string& err) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) {
    err = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  f << text;
  f.close();
  if (!f) {
    err = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

std::string limit_note(const ToolResult& t) {
  const auto& s = t.search;
  if (s.failed) return "search stopped: a trial failed";
  if (s.lossless_at_top)
    return s.capped_by_generator ? "lossless at the generator's ceiling: the generator, not the capture, is the limit"
                                 : "lossless at the top of the range (--max-rate)";
  if (s.below_range) return "lost packets even at --min-rate";
  return "lossy at " + grouped(s.lowest_lossy) + " pps";
}

}  // namespace

std::string format_trials_md(const BenchSummary& s) {
  std::string o =
      "| # | tool | offered pps | achieved pps | sent | received | kernel drops | queue drops | loss % | CPU ns/pkt "
      "| p50 µs | p99 µs | p99.9 µs | result |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  unsigned i = 0;
  for (const auto& t : s.tools) {
    for (const auto& r : t.trials) {
      ++i;
      if (!r.error.empty()) {
        o += "| " + std::to_string(i) + " | " + r.tool + " | " + grouped(r.offered) +
             " | | | | | | | | | | | failed: " + r.error + " |\n";
        continue;
      }
      o += "| " + std::to_string(i) + " | " + r.tool + " | " + grouped(r.offered) + " | " + grouped(r.achieved) +
           " | " + grouped(double(r.sent)) + " | " + grouped(double(r.received)) + " | " +
           opt_count(r.fig.kernel_drops) + " | " + opt_count(r.fig.queue_drops) + " | " + num(r.loss_pct, 4) +
           " | " + num(r.cpu_ns_per_pkt) + " | " + opt_us(r.fig.p50_ns) + " | " + opt_us(r.fig.p99_ns) + " | " +
           opt_us(r.fig.p999_ns) + " | " + (r.lossless ? "lossless" : "loss") + " |\n";
    }
  }
  return o;
}

std::string format_results_md(const BenchSummary& s) {
  std::string o =
      "| tool | max lossless offered pps | achieved pps there (worst run) | CPU ns/pkt there (worst run) | why it stopped |\n"
      "|---|---:|---:|---:|---|\n";
  for (const auto& t : s.tools) {
    const TrialRecord* b = t.best();
    o += "| " + t.tool + " | " + (t.search.max_lossless > 0 ? grouped(t.search.max_lossless) : "none") + " | " +
         (b ? grouped(b->achieved) : "-") + " | " + (b ? num(b->cpu_ns_per_pkt) : "-") + " | " + limit_note(t) +
         " |\n";
  }
  if (s.tools.size() < 2) return o;
  const ToolResult& base = s.tools.front();
  const TrialRecord* bb = base.best();
  o += "\nRatios against " + base.tool +
       " (rate: " + base.tool + "'s max lossless rate / the tool's; CPU: the tool's ns per packet / " + base.tool +
       "'s, each at its own max lossless rate):\n\n"
       "| tool | rate ratio | CPU ratio |\n|---|---:|---:|\n";
  for (std::size_t i = 1; i < s.tools.size(); ++i) {
    const ToolResult& t = s.tools[i];
    const TrialRecord* b = t.best();
    const std::string rate = (t.search.max_lossless > 0 && base.search.max_lossless > 0)
                                 ? num(base.search.max_lossless / t.search.max_lossless, 2) + "x"
                                 : "-";
    const std::string cpu =
        (b && bb && bb->cpu_ns_per_pkt > 0) ? num(b->cpu_ns_per_pkt / bb->cpu_ns_per_pkt, 2) + "x" : "-";
    o += "| " + t.tool + " | " + rate + " | " + cpu + " |\n";
  }
  return o;
}

std::string format_bench_md(const BenchSummary& s) {
  const auto& op = s.opts;
  std::string o = "# riptide bench: maximum lossless capture rate\n\n";
  o += "Command: `" + op.command_line + "`\n\n";
  o += "Machine: " + s.machine + ". A veth pair: the generator (`riptide gen`) sends from a private namespace, "
       "pinned to CPU " + std::to_string(op.gen_cpu) + "; each tool captures on the host side, pinned to CPU " +
       std::to_string(op.capture_cpu) + ". " + std::to_string(op.size) + " B frames, " + std::to_string(op.flows) +
       " UDP flows, " + num(op.trial_seconds, 1) + " s per trial, " + std::to_string(op.search.repeats) +
       " run(s) per rate (a rate is lossless only if every run lost nothing), search between " +
       grouped(op.search.min_rate) + " and " + grouped(op.search.max_rate) + " pps to " +
       num(op.search.precision * 100, 1) + " %. riptide topology: " + op.topology +
       (op.analyzers.empty() ? "" : ", analyzers: " + op.analyzers) + ".\n\n";
  o += "Generator ceiling with nothing capturing: **" + grouped(s.gen_ceiling_pps) +
       " pps**; the search never offers more (above it a loss would be the sender's).\n\n";
  if (s.interrupted) o += "**Interrupted**: the figures below are partial.\n\n";
  o += "## Result\n\n" + format_results_md(s) + "\n";
  for (const auto& t : s.tools)
    if (t.search.lossless_at_top && t.search.capped_by_generator)
      o += "- " + t.tool + " lost nothing at the generator's ceiling: the generator, not the capture, is the limit "
           "here; compare CPU per packet instead.\n";
  o += "\n## Trials\n\n" + format_trials_md(s) + "\n";
  o += "Loss = sent (the generator's count) - received. Achieved = what the generator really sent per second "
       "(on veth the kernel's copy into every capture ring runs on the sender's CPU, so a tap slows the sender). "
       "CPU ns/pkt = the tool's CPU time (user + system, all threads) from ready to stop / packets received. "
       "Latency (riptide only) = kernel receive timestamp - the send time in the payload.\n\n";
  o += "## How each tool is counted\n\n";
  for (const auto& t : s.tools) o += "- **" + t.tool + "**: " + t.how_counted + ".\n";
  o += "\n![loss and CPU per packet vs offered rate](bench.png)\n";
  return o;
}

std::string format_bench_dat(const BenchSummary& s) {
  std::string o;
  for (const auto& t : s.tools) {
    struct Agg {
      double achieved = 0, cpu = 0, loss = 0, p99 = -1;
      unsigned n = 0;
    };
    std::map<double, Agg> by_rate;
    for (const auto& r : t.trials) {
      if (!r.error.empty()) continue;
      Agg& a = by_rate[r.offered];
      a.achieved += r.achieved;
      a.cpu += r.cpu_ns_per_pkt;
      a.loss = std::max(a.loss, r.loss_pct);
      if (r.fig.p99_ns) a.p99 = std::max(a.p99, double(*r.fig.p99_ns) / 1e3);
      ++a.n;
    }
    o += "# " + t.tool + ": offered_pps achieved_pps loss_pct cpu_ns_per_pkt p99_us\n";
    for (const auto& [rate, a] : by_rate)
      o += num(rate) + " " + num(a.achieved / a.n) + " " + num(a.loss, 6) + " " + num(a.cpu / a.n, 1) + " " +
           (a.p99 < 0 ? std::string("NaN") : num(a.p99, 1)) + "\n";
    if (by_rate.empty()) o += "NaN NaN NaN NaN NaN\n";
    o += "\n\n";
  }
  return o;
}

std::string find_plot_script(const std::string& self_exe) {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("RIPTIDE_PLOT_SCRIPT"); env && *env) return env;
  std::error_code ec;
  for (fs::path p = fs::path(self_exe).parent_path(); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / "scripts" / "plot_bench.gp", ec)) return (p / "scripts" / "plot_bench.gp").string();
    if (fs::exists(p / "share" / "riptide" / "plot_bench.gp", ec))
      return (p / "share" / "riptide" / "plot_bench.gp").string();
    if (p == p.root_path()) break;
  }
  return {};
}

Result<void> write_bench_outputs(const BenchSummary& s, const std::string& plot_script, std::string& plot_note) {
  const std::string dir = s.opts.out_dir;
  std::string err;
  if (!write_file(dir + "/bench.md", format_bench_md(s), err)) return make_error(Errc::io, err);
  if (!write_file(dir + "/bench.dat", format_bench_dat(s), err)) return make_error(Errc::io, err);
  if (plot_script.empty()) {
    plot_note = "plot not made: scripts/plot_bench.gp not found (set RIPTIDE_PLOT_SCRIPT)";
    return {};
  }
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    plot_note = "plot not made: gnuplot is not installed (apt install gnuplot-nox)";
    return {};
  }
  std::string tools;
  for (const auto& t : s.tools) {
    if (!tools.empty()) tools.push_back(' ');
    tools.append(t.tool);
  }
  // Names are ours (tool names, a directory the user gave): quote them for the shell.
  auto q = [](const std::string& v) {
    std::string r(1, '\'');
    for (char c : v) {
      if (c == '\'') {
        r.append("'\\''");
      } else {
        r.push_back(c);
      }
    }
    r.push_back('\'');
    return r;
  };
  const std::string expr = "dat='" + dir + "/bench.dat'; out='" + dir + "/bench.png'; tools='" + tools + "'";
  const std::string cmd = "gnuplot -e " + q(expr) + " " + q(plot_script) + " 2>" + q(dir + "/gnuplot.err");
  const int st = std::system(cmd.c_str());
  if (st != 0) {
    plot_note = "plot failed: gnuplot exited with status " + std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : -1) +
                " (see " + dir + "/gnuplot.err)";
    return {};
  }
  plot_note = "plot: " + dir + "/bench.png";
  return {};
}

}  // namespace riptide::labbench
