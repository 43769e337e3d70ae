#include "labbench/trial.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "labbench/child_process.hpp"

namespace riptide::labbench {
namespace {

using namespace std::chrono_literals;

std::string tail_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  const auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Sleeps in small steps so a stop request is seen. False when stopped.
bool nap(std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    if (stop_flag().load()) return false;
    std::this_thread::sleep_for(5ms);
  }
  return !stop_flag().load();
}

}  // namespace

std::atomic<bool>& stop_flag() noexcept {
  static std::atomic<bool> flag{false};
  return flag;
}

Result<GenRun> parse_gen_json(const std::string& text) {
  const auto j = nlohmann::json::parse(tail_line(text), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("sent"))
    return make_error(Errc::format, "riptide gen printed no JSON result: '" + tail_line(text) + "'");
  GenRun g;
  g.sent = j.value("sent", std::uint64_t(0));
  g.pps = j.value("pps", 0.0);
  g.elapsed_s = j.value("elapsed_s", 0.0);
  return g;
}

Result<GenRun> run_gen(const GenSettings& g, double rate, const std::string& dir) {
  SpawnOptions so;
  so.argv = {"ip", "netns", "exec", g.ns, g.self_exe, "gen", "-i", g.iface, "--duration", std::to_string(g.seconds),
             "--size", std::to_string(g.size), "--flows", std::to_string(g.flows), "--cpu", std::to_string(g.cpu),
             "--json"};
  if (rate > 0) {
    so.argv.insert(so.argv.end(), {"--rate", std::to_string(static_cast<std::uint64_t>(rate))});
  } else {
    so.argv.push_back("--max-rate");
  }
  so.stdout_path = dir + "/gen.out";
  so.stderr_path = dir + "/gen.err";
  auto c = ChildProcess::spawn(so);
  if (!c) return c.error();
  const auto budget = std::chrono::milliseconds(static_cast<long>(g.seconds * 1000) + 20'000);
  const auto st = c->wait_exit(budget, &stop_flag());
  if (!st) {
    c->signal(SIGINT);
    (void)c->wait_exit(2s);
    return make_error(Errc::internal, stop_flag().load() ? "stopped" : "riptide gen did not finish in time");
  }
  if (*st != 0)
    return make_error(Errc::internal, "riptide gen exited with status " + std::to_string(*st) + ": " +
                                          tail_line(read_text(so.stderr_path)));
  return parse_gen_json(read_text(so.stdout_path));
}

TrialRecord run_trial(const CaptureTool& tool, const TrialEnv& env, unsigned ifindex, const GenSettings& gen,
                      double rate, unsigned repeat) {
  TrialRecord rec;
  rec.tool = tool.name();
  rec.offered = rate;
  rec.repeat = repeat;
  ::mkdir(env.dir.c_str(), 0755);
  auto fail = [&](const std::string& why) {
    rec.error = why;
    return rec;
  };

  SpawnOptions so;
  so.argv = tool.command(env);
  so.stdout_path = env.dir + "/tool.out";
  so.stderr_path = env.dir + "/tool.err";
  so.cpu = env.cpu;
  auto child = ChildProcess::spawn(so);
  if (!child) return fail(child.error().message);

  // Ready = its packet socket is bound to the interface; then a little grace for the filter
  // and ring setup that some tools do after bind.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!has_packet_socket_on(child->pid(), ifindex)) {
    if (!child->running())
      return fail(tool.name() + " exited before capturing: " + tail_line(read_text(so.stderr_path)));
    if (std::chrono::steady_clock::now() > deadline) return fail(tool.name() + " did not open " + env.iface + " in 15 s");
    if (!nap(10ms)) return fail("stopped");
  }
  if (!nap(300ms)) return fail("stopped");
  auto cpu0 = process_cpu_ns(child->pid());
  if (!cpu0) return fail(cpu0.error().message);

  auto g = run_gen(gen, rate, env.dir);
  if (!g) return fail(g.error().message);
  rec.sent = g->sent;
  rec.achieved = g->pps;

  // Let the tool drain its ring. libpcap tools (tcpdump: 1 s) only see a partly filled
  // TPACKET_V3 block when its retire timeout fires, and stop without reading it on SIGINT.
  if (!nap(1500ms)) return fail("stopped");
  ToolFigures fig;
  if (auto r = tool.before_stop(env, fig); !r) return fail(r.error().message);
  auto cpu1 = process_cpu_ns(child->pid());
  if (!cpu1) return fail(cpu1.error().message);

  child->signal(SIGINT);
  auto st = child->wait_exit(20s, &stop_flag());
  if (!st) {
    child->kill_now();
    return fail(tool.name() + " did not exit 20 s after SIGINT");
  }
  if (auto r = tool.after_exit(env, fig); !r) return fail(r.error().message);

  rec.fig = fig;
  rec.received = fig.received;
  rec.lost = rec.sent > rec.received ? rec.sent - rec.received : 0;
  rec.loss_pct = rec.sent ? 100.0 * double(rec.lost) / double(rec.sent) : 0;
  rec.cpu_ns_per_pkt = rec.received ? double(*cpu1 - *cpu0) / double(rec.received) : 0;
  rec.lossless = rec.sent > 0 && rec.lost == 0;
  return rec;
}

}  // namespace riptide::labbench
