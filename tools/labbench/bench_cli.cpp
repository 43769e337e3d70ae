#include "labbench/bench_cli.hpp"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <sstream>

#include "labbench/bench_report.hpp"
#include "labbench/child_process.hpp"

namespace riptide::labbench {
namespace {

extern "C" void on_bench_signal(int) { stop_flag().store(true); }

int usage_error(const std::string& msg) {
  std::string line = msg;
  for (char& c : line)
    if (c == '\n') c = ' ';
  std::fprintf(stderr, "riptide bench: %s (see 'riptide bench --help')\n", line.c_str());
  return 2;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string self_exe_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  buf[n] = 0;
  return buf;
}

bool have_program(const std::string& name) {
  return std::system(("command -v '" + name + "' >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

Result<double> parse_precision(const std::string& text) {
  std::string t = text;
  double scale = 1;
  if (!t.empty() && t.back() == '%') {
    t.pop_back();
    scale = 0.01;
  }
  try {
    std::size_t pos = 0;
    const double v = std::stod(t, &pos) * scale;
    if (pos == t.size() && v > 0 && v < 1) return v;
  } catch (...) {
  }
  return make_error(Errc::invalid_argument, "--precision: '" + text + "' is not a fraction in (0, 1) or a percentage like 2%");
}

namespace {

// parse_only stops once the command line is known good, before any program is looked for,
// root is required or anything runs: the CLI fuzzer drives it with arbitrary argv.
int bench_main(int argc, char** argv, bool parse_only) {
  BenchOptions o;
  std::string precision = "2%", compare, analyzers;
  CLI::App app{"Find the highest rate each capture tool takes without losing a packet, on a private veth pair.\n"
               "usage: riptide bench [options]   (needs root: it creates a network namespace)",
               "riptide bench"};
  app.add_option("--analyzers", analyzers, "riptide's analyzers, passed to capture --analyzer (default: the flow meter)");
  app.add_option("--topology", o.topology, "riptide's topology: workers or dispatch (one worker on the same CPU)")
      ->check(CLI::IsMember({"workers", "dispatch"}));
  app.add_option("--size", o.size, "frame bytes without FCS (default 200)")->check(CLI::Range(60u, 1514u));
  app.add_option("--flows", o.flows, "UDP flows (default 1000)")->check(CLI::Range(1u, 1u << 16));
  app.add_option("--trial-seconds", o.trial_seconds, "traffic per trial in seconds (default 3)")->check(CLI::Range(0.2, 600.0));
  app.add_option("--min-rate", o.search.min_rate, "lowest rate tried, packets/s (default 50000)")->check(CLI::Range(100.0, 1e8));
  app.add_option("--max-rate", o.search.max_rate, "highest rate tried, packets/s (default 2000000; capped at the generator's ceiling)")
      ->check(CLI::Range(100.0, 1e8));
  app.add_option("--precision", precision, "stop when the bounds are this close, e.g. 2% (default)");
  app.add_option("--repeats", o.search.repeats, "runs per rate; all must be lossless (default 2)")->check(CLI::Range(1u, 20u));
  app.add_option("--compare", compare, "other tools to measure: tcpdump,netsniff-ng,softflowd");
  app.add_option("--out-dir", o.out_dir, "where bench.md, bench.dat, bench.png and the trial logs go (default bench-out)");
  app.add_option("--gen-cpu", o.gen_cpu, "CPU of the generator (default 0)")->check(CLI::Range(0, CPU_SETSIZE - 1));
  app.add_option("--capture-cpu", o.capture_cpu, "CPU of the capture tool (default 1)")->check(CLI::Range(0, CPU_SETSIZE - 1));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  auto prec = parse_precision(precision);
  if (!prec) return usage_error(prec.error().message);
  o.search.precision = *prec;
  if (o.search.min_rate > o.search.max_rate) return usage_error("--min-rate is above --max-rate");
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (o.gen_cpu >= cpus || o.capture_cpu >= cpus)
    return usage_error("--gen-cpu/--capture-cpu: this machine has CPUs 0.." + std::to_string(cpus - 1));
  if (o.gen_cpu == o.capture_cpu)
    std::fprintf(stderr, "riptide bench: warning: generator and capture share CPU %d: the figures measure both\n", o.gen_cpu);
  for (const auto& t : split_list(compare)) {
    if (t == "riptide") continue;
    auto tool = make_tool(t);
    if (!tool) return usage_error(tool.error().message);
    if (parse_only) continue;
    if (!have_program(t)) return usage_error("'" + t + "' is not installed (scripts/deps.sh installs it)");
    if (t == "softflowd" && !have_program("softflowctl")) return usage_error("softflowctl (softflowd's control tool) is missing");
    o.tools.push_back(t);
  }
  if (parse_only) return -1;
  if (::geteuid() != 0) return usage_error("needs root (it creates a network namespace and a veth pair): run with sudo");
  o.self_exe = self_exe_path();
  if (o.self_exe.empty()) return usage_error("cannot find its own executable (/proc/self/exe)");
  if (!analyzers.empty()) {
    // The capture CLI grows --analyzer separately; ask it rather than guess.
    const std::string probe = "'" + o.self_exe + "' capture --help 2>/dev/null | grep -q -- '--analyzer'";
    if (std::system(probe.c_str()) != 0) {
      if (analyzers != "flow")
        return usage_error("--analyzers: this riptide's capture has no --analyzer flag yet (only the flow meter runs)");
    } else {
      o.analyzers = analyzers;
    }
  }
  std::string cmdline = "riptide";
  for (int i = 0; i < argc; ++i) cmdline += std::string(" ") + argv[i];
  o.command_line = cmdline;

  stop_flag().store(false);
  struct sigaction sa {};
  sa.sa_handler = on_bench_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto sum = run_bench(o);
  if (!sum) {
    std::fprintf(stderr, "riptide bench: %s\n", sum.error().message.c_str());
    return sum.error().code == Errc::permission ? 2 : 1;
  }
  std::string note;
  auto w = write_bench_outputs(*sum, find_plot_script(o.self_exe), note);
  std::printf("\n%s\n%s", format_results_md(*sum).c_str(), format_trials_md(*sum).c_str());
  if (!w) {
    std::fprintf(stderr, "riptide bench: %s\n", w.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "bench: wrote %s/bench.md and %s/bench.dat; %s\n", o.out_dir.c_str(), o.out_dir.c_str(), note.c_str());
  if (sum->leftovers) return 1;
  if (sum->interrupted) return 130;
  for (const auto& t : sum->tools)
    if (t.search.failed) return 1;
  return 0;
}

}  // namespace

int run_bench_cli(int argc, char** argv) { return bench_main(argc, argv, false); }
int check_bench_cli(int argc, char** argv) { return bench_main(argc, argv, true); }

}  // namespace riptide::labbench
