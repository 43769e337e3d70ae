#include "labbench/bench.hpp"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>

#include "labbench/bench_net.hpp"

namespace riptide::labbench {
namespace {

std::string fmt_rate(double pps) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f", pps);
  return b;
}

void progress(const TrialRecord& r, unsigned repeats) {
  if (!r.error.empty()) {
    std::fprintf(stderr, "bench: %-11s offered %9s pps (run %u/%u): FAILED: %s\n", r.tool.c_str(),
                 fmt_rate(r.offered).c_str(), r.repeat + 1, repeats, r.error.c_str());
    return;
  }
  char lat[64] = "";
  if (r.fig.p99_ns) std::snprintf(lat, sizeof lat, ", p99 %.1f us", double(*r.fig.p99_ns) / 1e3);
  std::fprintf(stderr,
               "bench: %-11s offered %9s pps (run %u/%u): achieved %9s, sent %llu, received %llu, loss %.4f %%, "
               "%.0f ns/pkt%s -> %s\n",
               r.tool.c_str(), fmt_rate(r.offered).c_str(), r.repeat + 1, repeats, fmt_rate(r.achieved).c_str(),
               (unsigned long long)r.sent, (unsigned long long)r.received, r.loss_pct, r.cpu_ns_per_pkt, lat,
               r.lossless ? "lossless" : "LOSS");
}

std::string machine_line() {
  utsname u{};
  ::uname(&u);
  return std::string(u.sysname) + " " + u.release + " " + u.machine + ", " +
         std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs online";
}

}  // namespace

const TrialRecord* ToolResult::best() const noexcept {
  const TrialRecord* b = nullptr;
  if (search.max_lossless <= 0) return nullptr;
  for (const auto& t : trials)
    if (t.lossless && t.offered == search.max_lossless && (!b || t.cpu_ns_per_pkt > b->cpu_ns_per_pkt)) b = &t;
  return b;
}

Result<BenchSummary> run_bench(const BenchOptions& opts) {
  BenchSummary sum;
  sum.opts = opts;
  sum.machine = machine_line();
  ::mkdir(opts.out_dir.c_str(), 0755);
  const std::string trials_dir = opts.out_dir + "/trials";
  ::mkdir(trials_dir.c_str(), 0755);

  auto net = BenchNet::create("rtb" + std::to_string(::getpid()));
  if (!net) return net.error();
  std::fprintf(stderr, "bench: veth %s <-> %s/%s; generator on CPU %d, capture on CPU %d; %u B frames, %u flows, %.1f s trials\n",
               (*net)->host_if().c_str(), (*net)->ns().c_str(), (*net)->peer_if().c_str(), opts.gen_cpu,
               opts.capture_cpu, opts.size, opts.flows, opts.trial_seconds);

  GenSettings gen;
  gen.self_exe = opts.self_exe;
  gen.ns = (*net)->ns();
  gen.iface = (*net)->peer_if();
  gen.size = opts.size;
  gen.flows = opts.flows;
  gen.seconds = opts.trial_seconds;
  gen.cpu = opts.gen_cpu;

  // The sender's ceiling with nothing capturing: offering more only measures the sender.
  const std::string ceil_dir = trials_dir + "/ceiling";
  ::mkdir(ceil_dir.c_str(), 0755);
  auto ceiling = run_gen(gen, 0, ceil_dir);
  if (!ceiling) {
    sum.interrupted = stop_flag().load();
    sum.leftovers = !(*net)->remove();
    if (sum.interrupted) return sum;
    return make_error(Errc::internal, "bench: the generator does not run: " + ceiling.error().message);
  }
  sum.gen_ceiling_pps = ceiling->pps;
  std::fprintf(stderr, "bench: generator ceiling (nothing capturing): %s pps\n", fmt_rate(ceiling->pps).c_str());

  unsigned n = 0;
  for (const auto& name : opts.tools) {
    if (stop_flag().load()) break;
    auto tool = make_tool(name);
    if (!tool) return tool.error();
    ToolResult tr;
    tr.tool = name;
    tr.how_counted = (*tool)->how_counted();
    TrialEnv env;
    env.self_exe = opts.self_exe;
    env.iface = (*net)->host_if();
    env.cpu = opts.capture_cpu;
    env.topology = opts.topology;
    env.analyzers = opts.analyzers;
    SearchConfig sc = opts.search;
    sc.generator_ceiling = sum.gen_ceiling_pps;
    const unsigned ifindex = (*net)->host_ifindex();
    tr.search = search_max_lossless(sc, [&](double rate, unsigned repeat) {
      env.dir = trials_dir + "/" + std::to_string(++n) + "-" + name;
      TrialRecord rec = run_trial(**tool, env, ifindex, gen, rate, repeat);
      progress(rec, std::max(1u, sc.repeats));
      tr.trials.push_back(rec);
      TrialOutcome o;
      o.lossless = rec.lossless;
      o.failed = !rec.error.empty();
      return o;
    });
    const auto& s = tr.search;
    if (s.lossless_at_top)
      std::fprintf(stderr, "bench: %s: lossless up to the top of the range, %s pps%s\n", name.c_str(),
                   fmt_rate(s.top).c_str(),
                   s.capped_by_generator ? ": the generator, not the capture, is the limit" : "");
    else if (s.below_range)
      std::fprintf(stderr, "bench: %s: lost packets even at %s pps\n", name.c_str(), fmt_rate(s.lowest_lossy).c_str());
    else if (!s.failed)
      std::fprintf(stderr, "bench: %s: max lossless rate %s pps (lossy at %s)\n", name.c_str(),
                   fmt_rate(s.max_lossless).c_str(), fmt_rate(s.lowest_lossy).c_str());
    sum.tools.push_back(std::move(tr));
  }
  sum.interrupted = stop_flag().load();
  sum.leftovers = !(*net)->remove();
  if (sum.leftovers)
    std::fprintf(stderr, "bench: WARNING: could not remove %s / %s\n", (*net)->ns().c_str(), (*net)->host_if().c_str());
  return sum;
}

}  // namespace riptide::labbench
